import { useState } from 'react';
import type { AlertChannel, AlertRule, AlertSilence } from '@shared/api/alerts';
import { useMethodMutation } from '../api/hooks';
import { useCan } from '../auth/session';
import { ConfirmDialog, confirmAction } from '../ui/ConfirmDialog';
import { PlusIcon } from '../ui/icons';
import { PageHeader } from '../ui/PageParts';
import { ChannelDialog } from './ChannelDialog';
import { ChannelsSection } from './ChannelsSection';
import { DeliveryLog } from './DeliveryLog';
import { RuleDialog } from './RuleDialog';
import { RulesSection } from './RulesSection';
import { SettingsSection } from './SettingsSection';
import { ExpireSilenceDialog, SilenceDialog } from './SilenceDialog';
import { SilencesSection } from './SilencesSection';
import './alerts.css';

type AlertsDialog =
  | { kind: 'channel-create' }
  | { kind: 'channel-edit'; channel: AlertChannel }
  | { kind: 'channel-delete'; channel: AlertChannel }
  | { kind: 'rule-create' }
  | { kind: 'rule-edit'; rule: AlertRule }
  | { kind: 'rule-delete'; rule: AlertRule }
  | { kind: 'silence-create' }
  | { kind: 'silence-expire'; silence: AlertSilence };

function DeleteChannelDialog({ channel, onClose }: { channel: AlertChannel; onClose(): void }) {
  const remove = useMethodMutation('alerts.deleteChannel');
  return (
    <ConfirmDialog
      title={`Delete ${channel.name}?`}
      testId="channel-delete-dialog"
      onClose={onClose}
      confirmLabel="Delete channel"
      pendingLabel="Deleting…"
      pending={remove.isPending}
      error={remove.error}
      errorTestId="channel-delete-error"
      onConfirm={confirmAction(remove, { id: channel.id }, `Deleted the channel ${channel.name}`, onClose)}
    >
      Rules stop sending to <strong>{channel.name}</strong>; what was sent to it stays in the delivery log. Its secret stays in the vault.
    </ConfirmDialog>
  );
}

function DeleteRuleDialog({ rule, onClose }: { rule: AlertRule; onClose(): void }) {
  const remove = useMethodMutation('alerts.deleteRule');
  return (
    <ConfirmDialog
      title={`Delete ${rule.name}?`}
      testId="rule-delete-dialog"
      onClose={onClose}
      confirmLabel="Delete rule"
      pendingLabel="Deleting…"
      pending={remove.isPending}
      error={remove.error}
      errorTestId="rule-delete-error"
      onConfirm={confirmAction(remove, { id: rule.id }, `Deleted the rule ${rule.name}`, onClose)}
    >
      Incidents it matched are no longer sent anywhere by it. Notifications it already wrote are still delivered.
    </ConfirmDialog>
  );
}

/** A section's title, and its add button for a role that may add. */
function SectionHeader({
  id,
  title,
  addLabel,
  primary = false,
  onAdd,
}: {
  id: string;
  title: string;
  addLabel: string | null;
  primary?: boolean;
  onAdd(): void;
}) {
  return (
    <div className="alerts-section__header">
      <h2 id={id} className="alerts-section__title">
        {title}
      </h2>
      {addLabel ? (
        <button type="button" className={primary ? 'button button--primary' : 'button'} onClick={onAdd}>
          <PlusIcon />
          {addLabel}
        </button>
      ) : null}
    </div>
  );
}

/**
 * Where notifications go (channels), which incidents go where (rules), what is held back for a
 * while (silences), what was sent and how each attempt went (the delivery log), and which
 * internal addresses channels may reach (settings).
 * A role that may not change them sees them all without the controls; the server refuses too.
 */
export function AlertsPage() {
  const can = useCan();
  const mayChange = can('servers:write');
  const mayAdminister = can('system:admin');
  const [dialog, setDialog] = useState<AlertsDialog | null>(null);
  const close = () => setDialog(null);

  return (
    <>
      <div className="page page--scroll alerts-page" inert={dialog !== null}>
        <PageHeader title="Alerts" />
        <section className="alerts-section" aria-labelledby="alert-channels-heading">
          <SectionHeader
            id="alert-channels-heading"
            title="Channels"
            addLabel={mayChange ? 'Add channel' : null}
            primary
            onAdd={() => setDialog({ kind: 'channel-create' })}
          />
          <ChannelsSection
            mayChange={mayChange}
            onEdit={mayChange ? (channel) => setDialog({ kind: 'channel-edit', channel }) : undefined}
            onDelete={mayChange ? (channel) => setDialog({ kind: 'channel-delete', channel }) : undefined}
          />
        </section>
        <section className="alerts-section" aria-labelledby="alert-rules-heading">
          <SectionHeader id="alert-rules-heading" title="Rules" addLabel={mayChange ? 'Add rule' : null} onAdd={() => setDialog({ kind: 'rule-create' })} />
          <RulesSection
            onEdit={mayChange ? (rule) => setDialog({ kind: 'rule-edit', rule }) : undefined}
            onDelete={mayChange ? (rule) => setDialog({ kind: 'rule-delete', rule }) : undefined}
          />
        </section>
        <section className="alerts-section" aria-labelledby="alert-silences-heading">
          <SectionHeader
            id="alert-silences-heading"
            title="Silences"
            addLabel={mayChange ? 'Add silence' : null}
            onAdd={() => setDialog({ kind: 'silence-create' })}
          />
          <SilencesSection onExpire={mayChange ? (silence) => setDialog({ kind: 'silence-expire', silence }) : undefined} />
        </section>
        <section className="alerts-section" aria-labelledby="alert-deliveries-heading">
          <h2 id="alert-deliveries-heading" className="alerts-section__title">
            Delivery log
          </h2>
          <DeliveryLog />
        </section>
        <section className="alerts-section" aria-labelledby="alert-settings-heading">
          <h2 id="alert-settings-heading" className="alerts-section__title">
            Settings
          </h2>
          <SettingsSection mayAdminister={mayAdminister} />
        </section>
      </div>
      {dialog?.kind === 'channel-create' ? <ChannelDialog onClose={close} /> : null}
      {dialog?.kind === 'channel-edit' ? <ChannelDialog key={dialog.channel.id} channel={dialog.channel} onClose={close} /> : null}
      {dialog?.kind === 'channel-delete' ? <DeleteChannelDialog channel={dialog.channel} onClose={close} /> : null}
      {dialog?.kind === 'rule-create' ? <RuleDialog onClose={close} /> : null}
      {dialog?.kind === 'rule-edit' ? <RuleDialog key={dialog.rule.id} rule={dialog.rule} onClose={close} /> : null}
      {dialog?.kind === 'rule-delete' ? <DeleteRuleDialog rule={dialog.rule} onClose={close} /> : null}
      {dialog?.kind === 'silence-create' ? <SilenceDialog onClose={close} /> : null}
      {dialog?.kind === 'silence-expire' ? <ExpireSilenceDialog silence={dialog.silence} onClose={close} /> : null}
    </>
  );
}

import { useEffect, useRef, type KeyboardEvent, type ReactNode } from 'react';
import type { AuditEvent } from '@shared/api/audit';
import { useMethodQuery } from '../api/hooks';
import { CopyButton } from '../ui/CopyButton';
import { ErrorState } from '../ui/ErrorState';
import { formatDateTime } from '../ui/format';
import { CloseIcon } from '../ui/icons';
import { LoadingState } from '../ui/PageParts';
import { formatDetails, isoTime } from './audit-format';
import { OutcomeBadge } from './OutcomeBadge';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="audit-fields__row">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Hash({ value, label }: { value: string; label: string }) {
  return (
    <div className="audit-hash">
      <code className="mono audit-hash__value" data-testid={`audit-event-${label.toLowerCase().replace(/\s+/g, '-')}`}>
        {value}
      </code>
      <CopyButton value={value} label={`Copy ${label.toLowerCase()}`} />
    </div>
  );
}

/** Every field of one event, including the details as JSON and the hash-chain fields. */
export function AuditEventFields({ event }: { event: AuditEvent }) {
  return (
    <>
      <dl className="audit-fields">
        <Row label="Time">
          {formatDateTime(event.at)}
          <div className="mono muted">{isoTime(event.at)}</div>
        </Row>
        <Row label="Actor">
          {event.actorName ?? <span className="muted">no name</span>}
          <div className="mono muted">{event.actor}</div>
        </Row>
        <Row label="Origin">
          <span className="mono">{event.origin}</span>
        </Row>
        <Row label="Method">
          <span className="mono">{event.action}</span>
        </Row>
        <Row label="Target">{event.target ? <span className="mono">{event.target}</span> : <span className="muted">—</span>}</Row>
        <Row label="Outcome">
          <OutcomeBadge outcome={event.outcome} />
        </Row>
        <Row label="Correlation id">
          <span className="mono">{event.correlationId}</span>
        </Row>
      </dl>
      <section className="audit-drawer__section" aria-label="Details">
        <h3 className="audit-drawer__heading">Details</h3>
        <pre className="audit-details mono" data-testid="audit-event-details">
          {formatDetails(event.details)}
        </pre>
      </section>
      <section className="audit-drawer__section" aria-label="Hash chain">
        <h3 className="audit-drawer__heading">Hash chain</h3>
        <dl className="audit-fields">
          <Row label="Sequence">
            <div className="audit-hash">
              <code className="mono">{event.seq}</code>
              <CopyButton value={String(event.seq)} label="Copy sequence number" />
            </div>
          </Row>
          <Row label="Previous hash">
            <Hash value={event.prevHash} label="Previous hash" />
          </Row>
          <Row label="Hash">
            <Hash value={event.hash} label="Hash" />
          </Row>
        </dl>
      </section>
    </>
  );
}

/** The side panel beside the table: one event, read fresh (it may be older than the loaded pages). */
export function AuditEventDrawer({ seq, onClose }: { seq: number; onClose(): void }) {
  const event = useMethodQuery('audit.get', { seq });
  const panel = useRef<HTMLElement>(null);

  useEffect(() => {
    panel.current?.focus();
  }, [seq]);

  const onKey = (key: KeyboardEvent<HTMLElement>) => {
    if (key.key === 'Escape') {
      key.preventDefault();
      onClose();
    }
  };

  return (
    <aside ref={panel} className="audit-drawer" aria-label={`Audit event ${seq}`} tabIndex={-1} onKeyDown={onKey} data-testid="audit-drawer">
      <header className="audit-drawer__header">
        <h2 className="audit-drawer__title">Event {seq}</h2>
        <button type="button" className="icon-button" aria-label="Close the event" onClick={onClose}>
          <CloseIcon />
        </button>
      </header>
      <div className="audit-drawer__body">
        {event.isPending ? (
          <LoadingState>Loading the event…</LoadingState>
        ) : event.isError ? (
          <ErrorState error={event.error} what={`event ${seq}`} onRetry={() => void event.refetch()} />
        ) : (
          <AuditEventFields event={event.data} />
        )}
      </div>
    </aside>
  );
}

import { AppError } from '@shared/api/errors';
import type { AlertChannel, AlertChannelChange, AlertChannelInput, AlertRule, AlertSettings, Notification } from '@shared/api/alerts';
import type { Principal } from '@shared/permissions';
import type { Clock } from '../clock';
import { unlessTaken, type AsyncDatabase } from '../db/engine';
import type { Logger } from '../logging/logger';
import type { SecretStore } from '../vault';
import { channelModule } from './channels';
import { AlertRules, type IncidentChange } from './rules';
import type { AlertSettingsStore } from './settings';
import type { AlertStore, NewNotification } from './store';
import type { AlertChannelRow, AlertRuleRow } from './table';
import { targetPolicy } from './targets';

/**
 * Alert channels and rules (docs/alerts.md), and the one write the health engine makes for them:
 * `notify`, the notifications for a tick's (or a call's) incident changes, written in the
 * caller's transaction, so an incident and the word of it commit together or not at all.
 */

export interface AlertServiceDeps {
  data: AsyncDatabase;
  store: AlertStore;
  settings: AlertSettingsStore;
  secrets: SecretStore;
  clock: Clock;
  newId: () => string;
  logger: Logger;
  /** Called once notifications have committed: the worker sends them at once rather than at its next look. */
  written: () => void;
}

export type ChannelInput = AlertChannelInput;
export type ChannelChange = AlertChannelChange;

export interface RuleInput {
  name: string;
  match: { serverIds: string[]; tags: string[]; environments: string[]; severities: ('degraded' | 'down')[] };
  channelIds: string[];
  enabled: boolean;
}

export type RuleChange = { id: string } & { [K in keyof RuleInput]?: RuleInput[K] | undefined };

const channelNotFound = (id: string) =>
  new AppError('NOT_FOUND', `There is no alert channel ${id}.`, { hint: 'List the channels to see their ids (alerts.channels).' });
const ruleNotFound = (id: string) => new AppError('NOT_FOUND', `There is no alert rule ${id}.`, { hint: 'List the rules to see their ids (alerts.rules).' });
const nameTaken = (what: string, name: string) =>
  new AppError('CONFLICT', `An alert ${what} named "${name}" already exists.`, {
    hint: `Pick another name, or change the existing ${what}.`,
    issues: [{ path: ['name'], message: 'Already taken' }],
  });

/** A stored channel whose type or config this Guardian cannot read. */
export function unknownChannel(row: AlertChannelRow): AppError {
  return new AppError('INTERNAL', `The alert channel "${row.name}" has a type or config this Guardian does not know.`, {
    hint: 'It may have been written by a newer Guardian; use that version to change it.',
    retryable: false,
  });
}

export function channelView(row: AlertChannelRow): AlertChannel {
  const module = channelModule(row.type);
  const config = module?.configSchema.safeParse(row.config);
  if (!module || !config?.success) throw unknownChannel(row);
  // The module parsed the config by the row's own type, so the pair is one variant of the union.
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    config: config.data,
    secretId: row.secretId,
    previousSecretId: row.previousSecretId,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    updatedAt: row.updatedAt,
  } as AlertChannel;
}

function ruleView(row: AlertRuleRow): AlertRule {
  return {
    id: row.id,
    name: row.name,
    match: {
      serverIds: row.serverIds,
      tags: row.tags,
      environments: row.environments,
      severities: row.severities.filter((each): each is 'degraded' | 'down' => each === 'degraded' || each === 'down'),
    },
    channelIds: row.channelIds,
    enabled: row.enabled,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    updatedAt: row.updatedAt,
  };
}

/** The host a stored channel sends to, or '' when its config is not one this Guardian reads. */
function hostOf(row: AlertChannelRow): string {
  const module = channelModule(row.type);
  const config = module?.configSchema.safeParse(row.config);
  return module && config?.success ? module.hostOf(config.data) : '';
}

/** The body a notification carries: what happened, to which server, never a secret. */
function payloadOf({ source, incident, server }: IncidentChange, at: number): Record<string, unknown> {
  return {
    type: source,
    timestamp: new Date(at).toISOString(),
    data: {
      incident: {
        id: incident.id,
        severity: incident.severity,
        startedAt: incident.startedAt,
        endedAt: incident.endedAt,
        cause: incident.cause,
        acknowledgedAt: incident.acknowledgedAt,
        acknowledgedBy: incident.acknowledgedBy,
        note: incident.note,
      },
      server: { id: server.id, name: server.name, environment: server.environment, tags: server.tags },
    },
  };
}

export class AlertService {
  readonly rules: AlertRules;

  constructor(private readonly deps: AlertServiceDeps) {
    this.rules = new AlertRules(deps.store);
  }

  /** Reads the rules and settings kept in memory: when the core opens, and again from the worker. */
  async load(): Promise<void> {
    await Promise.all([this.deps.settings.reload(), this.rules.reload()]);
  }

  /**
   * Writes the notifications for incident changes, in the caller's transaction (a health tick, an
   * acknowledgement): one INSERT for all of them, none and no query when no rule matches.
   */
  async notify(changes: readonly IncidentChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.rules.settled();
    if (this.rules.empty) return;
    const at = this.deps.clock.now();
    const rows: NewNotification[] = [];
    for (const change of changes) {
      const payload = payloadOf(change, at);
      for (const route of this.rules.routes(change))
        rows.push({ id: this.deps.newId(), ...route, source: change.source, incidentId: change.incident.id, payload, createdAt: at });
    }
    if (rows.length === 0) return;
    await this.deps.store.insertNotifications(rows);
    this.deps.data.afterCommit(this.deps.written);
  }

  async channels(): Promise<AlertChannel[]> {
    return (await this.deps.store.channels()).map(channelView);
  }

  async channelRow(id: string): Promise<AlertChannelRow> {
    const row = await this.deps.store.channel(id);
    if (!row) throw channelNotFound(id);
    return row;
  }

  async createChannel(input: ChannelInput, createdBy: string, principal: Principal): Promise<AlertChannel> {
    const now = this.deps.clock.now();
    const row: AlertChannelRow = {
      id: this.deps.newId(),
      name: input.name,
      type: input.type,
      config: input.config,
      secretId: input.secretId,
      previousSecretId: input.previousSecretId,
      enabled: input.enabled,
      disabledReason: input.enabled ? null : `disabled by ${createdBy} when it was added`,
      createdAt: now,
      createdBy,
      updatedAt: now,
    };
    await this.checked(row, principal, undefined);
    if (await this.deps.store.channelNamed(row.name)) throw nameTaken('channel', row.name);
    await unlessTaken(this.deps.store.insertChannel(row), () => nameTaken('channel', row.name));
    this.reloadAfterCommit();
    return channelView(row);
  }

  async updateChannel(change: ChannelChange, by: string, principal: Principal): Promise<AlertChannel> {
    const current = await this.channelRow(change.id);
    if ('type' in change && change.type !== current.type)
      throw new AppError('VALIDATION_FAILED', `The channel "${current.name}" is a ${current.type} channel; its type cannot change.`, {
        hint: `Send its config with "type": "${current.type}", or add a new ${change.type} channel and delete this one.`,
        issues: [{ path: ['type'], message: `Must be ${current.type}` }],
      });
    const enabled = change.enabled ?? current.enabled;
    const row: AlertChannelRow = {
      ...current,
      name: change.name ?? current.name,
      config: ('config' in change ? change.config : undefined) ?? current.config,
      secretId: change.secretId === undefined ? current.secretId : change.secretId,
      previousSecretId: change.previousSecretId === undefined ? current.previousSecretId : change.previousSecretId,
      enabled,
      // Enabling clears why it was off (a receiver's 410 included): the admin has seen to it.
      disabledReason: enabled ? null : current.enabled ? `disabled by ${by}` : current.disabledReason,
      updatedAt: this.deps.clock.now(),
    };
    await this.checked(row, principal, current);
    if (row.name !== current.name && (await this.deps.store.channelNamed(row.name))) throw nameTaken('channel', row.name);
    await unlessTaken(this.deps.store.updateChannel(row), () => nameTaken('channel', row.name));
    this.reloadAfterCommit();
    return channelView(row);
  }

  async deleteChannel(id: string): Promise<{ id: string }> {
    if (!(await this.deps.store.deleteChannel(id))) throw channelNotFound(id);
    this.reloadAfterCommit();
    return { id };
  }

  /**
   * Refuses a channel that could never send, or would send a secret where it must not go: a config
   * its module refuses, a target not allowed, a secret of the wrong kind or none where one is
   * needed. A channel that sends its secret to its host (an SMTP password, a token) may be pointed
   * at a host only by someone who may read that secret anyway (vault:reveal): otherwise a writer
   * could send someone else's password to a server of their own (docs/alerts.md, "Secrets").
   */
  private async checked(row: AlertChannelRow, principal: Principal, current: AlertChannelRow | undefined): Promise<void> {
    const module = channelModule(row.type);
    const config = module?.configSchema.safeParse(row.config);
    if (!module || !config?.success)
      throw new AppError('VALIDATION_FAILED', `Alert channels of type "${row.type}" are not known here.`, {
        hint: 'Use one of the types docs/alerts.md lists.',
      });
    const host = module.hostOf(config.data);
    const policy = targetPolicy(this.deps.settings.get().allowedTargets);
    const ruled = module.targetRule?.(config.data, policy);
    if (ruled)
      throw new AppError('VALIDATION_FAILED', `${ruled}.`, {
        hint: 'Leave the URL at its default, or ask an admin to allow this host in the alert settings (alerts.updateSettings allowedTargets).',
        issues: [{ path: ['config', module.hostField], message: 'Not allowed by an admin' }],
      });
    const refused = policy.refuseHost(host);
    if (refused) {
      throw new AppError('VALIDATION_FAILED', `The channel may not send to ${host}: it is a loopback, private or link-local address.`, {
        hint: 'Use a public address, or ask an admin to allow this one in the alert settings (alerts.updateSettings allowedTargets).',
        issues: [{ path: ['config', module.hostField], message: 'A loopback, private or link-local address' }],
      });
    }
    const { secret } = module;
    const secretIds = [row.secretId, row.previousSecretId].filter((id): id is string => id !== null);
    if (secret === null && secretIds.length > 0)
      throw new AppError('VALIDATION_FAILED', `A ${row.type} channel uses no vault secret.`, {
        hint: 'Leave secretId out (or null).',
        issues: [{ path: ['secretId'], message: 'Not used by this type' }],
      });
    if (secret?.required && row.secretId === null)
      throw new AppError('VALIDATION_FAILED', `A ${row.type} channel needs a vault secret.`, {
        hint:
          secret.purpose === 'sign'
            ? 'Choose a vault API token of the form whsec_… as secretId.'
            : `Store it in the vault as ${secret.kind === 'password' ? 'a password' : 'an API token'} and name it as secretId.`,
        issues: [{ path: ['secretId'], message: 'Required' }],
      });
    if (row.previousSecretId !== null && secret?.purpose !== 'sign')
      throw new AppError('VALIDATION_FAILED', 'Only a webhook signs with two secrets during a rotation.', {
        hint: 'Leave previousSecretId out (or null); to change the secret, name the new one as secretId.',
        issues: [{ path: ['previousSecretId'], message: 'Not used by this type' }],
      });
    if (row.secretId !== null && row.secretId === row.previousSecretId)
      throw new AppError('VALIDATION_FAILED', 'The previous secret is the current one.', {
        hint: 'During a rotation name the new secret as secretId and the old one as previousSecretId.',
        issues: [{ path: ['previousSecretId'], message: 'The same as secretId' }],
      });
    const rule = module.secretRule?.(config.data, row.secretId !== null);
    if (rule) throw new AppError('VALIDATION_FAILED', `${rule.message}.`, { hint: rule.hint, issues: [{ path: rule.path, message: rule.message }] });
    if (!secret) return;
    // Where the secret goes changes when the channel is new, names another secret, or sends to another host.
    const currentHost = current ? hostOf(current) : null;
    const repointed = !current || current.secretId !== row.secretId || currentHost !== host;
    for (const id of secretIds)
      await this.deps.secrets.authorizeUse(id, {
        serverId: null,
        host,
        purpose: secret.purpose,
        kind: secret.kind,
        principal,
        choosesDestination: secret.purpose === 'send' && id === row.secretId && repointed,
      });
  }

  async rulesList(): Promise<AlertRule[]> {
    return (await this.deps.store.rules()).map(ruleView);
  }

  async createRule(input: RuleInput, createdBy: string): Promise<AlertRule> {
    const now = this.deps.clock.now();
    const row: AlertRuleRow = {
      id: this.deps.newId(),
      name: input.name,
      ...input.match,
      channelIds: [...new Set(input.channelIds)],
      enabled: input.enabled,
      createdAt: now,
      createdBy,
      updatedAt: now,
    };
    await this.assertChannels(row.channelIds);
    if (await this.deps.store.ruleNamed(row.name)) throw nameTaken('rule', row.name);
    await unlessTaken(this.deps.store.insertRule(row), () => nameTaken('rule', row.name));
    this.reloadAfterCommit();
    return ruleView(row);
  }

  async updateRule(change: RuleChange): Promise<AlertRule> {
    const current = await this.deps.store.rule(change.id);
    if (!current) throw ruleNotFound(change.id);
    const row: AlertRuleRow = {
      ...current,
      name: change.name ?? current.name,
      ...(change.match ?? {}),
      channelIds: change.channelIds ? [...new Set(change.channelIds)] : current.channelIds,
      enabled: change.enabled ?? current.enabled,
      updatedAt: this.deps.clock.now(),
    };
    if (change.channelIds) await this.assertChannels(row.channelIds);
    if (row.name !== current.name && (await this.deps.store.ruleNamed(row.name))) throw nameTaken('rule', row.name);
    await unlessTaken(this.deps.store.updateRule(row), () => nameTaken('rule', row.name));
    this.reloadAfterCommit();
    return ruleView(row);
  }

  async deleteRule(id: string): Promise<{ id: string }> {
    if (!(await this.deps.store.deleteRule(id))) throw ruleNotFound(id);
    this.reloadAfterCommit();
    return { id };
  }

  private async assertChannels(ids: readonly string[]): Promise<void> {
    for (const [index, id] of ids.entries()) {
      if (!(await this.deps.store.channel(id)))
        throw new AppError('VALIDATION_FAILED', `There is no alert channel ${id}.`, {
          hint: 'Add the channel first, or list the channels to see their ids.',
          issues: [{ path: ['channelIds', index], message: 'No such channel' }],
        });
    }
  }

  deliveries(filter: {
    incidentId?: string | undefined;
    channelId?: string | undefined;
    limit: number;
    offset: number;
  }): Promise<{ items: Notification[]; total: number }> {
    return this.deps.store.deliveries(filter, filter.limit, filter.offset);
  }

  settings(): AlertSettings {
    return this.deps.settings.get();
  }

  updateSettings(patch: { allowedTargets?: string[] | undefined; giveUpAfterMinutes?: number | undefined }): Promise<AlertSettings> {
    return this.deps.settings.update(patch);
  }

  /** The channel's secret values, current first, through the vault's one door, for `usedBy` (the notification or test). */
  async secretsOf(row: AlertChannelRow, usedBy: string, principal?: Principal): Promise<string[]> {
    const module = channelModule(row.type);
    if (!module?.secret) return [];
    const { kind, purpose } = module.secret;
    const host = hostOf(row);
    const values: string[] = [];
    // Only the secrets this channel names, and a previous one only where two sign.
    for (const id of purpose === 'sign' ? [row.secretId, row.previousSecretId] : [row.secretId]) {
      if (id === null) continue;
      const { value } = await this.deps.secrets.use(id, { usedBy, serverId: null, host, purpose, kind, principal });
      if (value.kind === 'api_token' && kind === 'api_token') values.push(value.token);
      else if (value.kind === 'password' && kind === 'password') values.push(value.password);
      else
        throw new AppError('PERMISSION_DENIED', `A ${row.type} channel takes ${kind === 'password' ? 'a password' : 'an API token'} from the vault.`, {
          hint: 'Choose a secret of that kind.',
        });
    }
    return values;
  }

  /** The rules kept in memory follow a change once its call has committed (never one that rolled back). */
  private reloadAfterCommit(): void {
    this.deps.data.afterCommit(() => {
      this.rules.reload().catch((error: unknown) => this.deps.logger.error({ err: error }, 'could not read the alert rules again'));
    });
  }
}

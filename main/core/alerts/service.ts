import { createHash } from 'node:crypto';
import { AppError } from '@shared/api/errors';
import { parentsOf } from '@shared/servers/dependencies';
import { z } from 'zod';
import {
  EVENT_SEVERITY,
  PREVIEW_SAMPLE,
  SILENCE_MAX_DAYS,
  SOURCE_CATEGORIES,
  type EventSource,
  type SourceCategory,
  type AlertMatch,
  type AlertChannel,
  type AlertChannelChange,
  type AlertChannelInput,
  type AlertRule,
  type AlertSettings,
  type AlertSilence,
  type AlertSilenceInput,
  type MatchPreview,
  type Notification,
  type SilenceState,
} from '@shared/api/alerts';
import type { Principal } from '@shared/permissions';
import type { Clock } from '../clock';
import { unlessTaken, type AsyncDatabase } from '../db/engine';
import type { Logger } from '../logging/logger';
import type { ServerInfo } from '../servers';
import type { SecretStore } from '../vault';
import { channelModule } from './channels';
import type { EventData } from './channels/event';
import { AlertRules, matches, type IncidentChange, type Matched, type Route } from './rules';
import type { AlertSettingsStore } from './settings';
import type { AlertStore, Hold, NewNotification } from './store';
import type { AlertChannelRow, AlertRuleRow, AlertSilenceRow, EscalationStep } from './table';
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
  /** Which of these incidents are still open (the health engine's word): a silence's end sends on only what still matters. */
  openIncidents: (ids: readonly string[]) => Promise<Set<string>>;
  /** The open incidents, with their servers (the health engine's word): what escalation tells again and a preview matches. */
  open: () => Promise<OpenIncidents>;
  /** Every server of the inventory by id (the health engine's word): what a preview matches, and whom a server depends on. */
  servers: () => ReadonlyMap<string, ServerInfo>;
  /** The types of a server's checks (the health engine's word): which servers a preview of a check-type matcher covers. */
  checkTypesOf: (serverId: string) => readonly string[];
}

/** The open incidents with their servers, as the health engine holds them. */
type OpenIncidents = Omit<IncidentChange, 'source'>[];

export type ChannelInput = AlertChannelInput;
export type ChannelChange = AlertChannelChange;

export interface RuleInput {
  name: string;
  sources: SourceCategory[];
  match: AlertMatch;
  channelIds: string[];
  escalation: EscalationStep[];
  repeatMinutes: number | null;
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

const silenceNotFound = (id: string) =>
  new AppError('NOT_FOUND', `There is no silence ${id}.`, { hint: 'List the silences to see their ids (alerts.silences).' });

const SILENCE_MAX_MS = SILENCE_MAX_DAYS * 24 * 3_600_000;

/** What a stored notification's payload says of its incident and server, for telling silences against it. */
const HeldPayload = z.object({
  data: z.object({
    // Written before incidents recorded their check types: none, so a check-type silence does not hold it.
    incident: z.object({ severity: z.string(), checkTypes: z.array(z.string()).default([]) }),
    server: z.object({ id: z.string(), tags: z.array(z.string()), environment: z.string() }),
  }),
});

function silenceState(row: AlertSilenceRow, now: number): SilenceState {
  return row.endsAt <= now ? 'expired' : row.startsAt > now ? 'upcoming' : 'active';
}

function silenceView(row: AlertSilenceRow, now: number): AlertSilence {
  return {
    id: row.id,
    match: matchView(row),
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    reason: row.reason,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    expiredAt: row.expiredAt,
    expiredBy: row.expiredBy,
    expireReason: row.expireReason,
    state: silenceState(row, now),
  };
}

const heldKey = (incidentId: string, channelId: string) => `${incidentId}\0${channelId}`;

/** What a server it depends on being down explains, and so holds back: the bad news, never how it ends. */
const explainable = (source: string) => source === 'incident.opened' || source === 'incident.worsened';

/**
 * An event about no server, as the domain it happened in words it: what happened and what it is
 * about, never a secret (an API key's name and id, never the key; never a password). Its severity
 * is its source's (EVENT_SEVERITY).
 */
export interface NoServerAlert {
  source: EventSource;
  data: Omit<EventData, 'severity'>;
}

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

function matchView(row: AlertRuleRow | AlertSilenceRow): AlertRule['match'] {
  return {
    serverIds: row.serverIds,
    tags: row.tags,
    environments: row.environments,
    severities: row.severities.filter((each): each is 'degraded' | 'down' => each === 'degraded' || each === 'down'),
    checkTypes: row.checkTypes,
  };
}

function ruleView(row: AlertRuleRow): AlertRule {
  return {
    id: row.id,
    name: row.name,
    sources: SOURCE_CATEGORIES.filter((each) => row.sources.includes(each)),
    match: matchView(row),
    channelIds: row.channelIds,
    escalation: row.escalation,
    repeatMinutes: row.repeatMinutes,
    enabled: row.enabled,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    updatedAt: row.updatedAt,
  };
}

const MINUTE = 60_000;
/** Escalation ids remembered at most; past it they are forgotten, and written again only to be skipped. */
const ESCALATED_KEPT = 10_000;

/**
 * The id of an escalation step's or a repeat's notification, the same wherever it is computed (its
 * webhook-id; PagerDuty and Opsgenie key by the incident): a SHA-256 of what it is, shaped as a UUID (version 8).
 */
function derivedId(what: string): string {
  const hex = createHash('sha256').update(what).digest('hex');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Escalation steps as stored: each step's channels named once. */
const stepsOf = (steps: readonly EscalationStep[]): EscalationStep[] =>
  steps.map((step) => ({ afterMinutes: step.afterMinutes, channelIds: [...new Set(step.channelIds)] }));

/** The host a channel sends to, or '' when its config is not one this Guardian reads. */
export function hostOf(row: Pick<AlertChannelRow, 'type' | 'config'>): string {
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
        checkTypes: incident.checkTypes,
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
  /** Escalation notifications this process has written (what each is, its id's source), so a look does not write them again. */
  private readonly escalated = new Set<string>();

  constructor(private readonly deps: AlertServiceDeps) {
    this.rules = new AlertRules(deps.store);
  }

  /** Reads the rules and settings kept in memory: when the core opens, and again from the worker. */
  async load(): Promise<void> {
    await Promise.all([this.deps.settings.reload(), this.rules.reload()]);
  }

  /**
   * Writes the notifications for incident changes, in the caller's transaction (a health tick, an
   * acknowledgement): one INSERT for all of them, none and no query when no rule matches. One a
   * silence in force matches is written held back (`silenced`, naming it); so is the
   * acknowledgement or end of an incident whose opening a channel was never told of, as
   * Alertmanager does not resolve what it never notified. An opening or worsening that a server
   * it depends on being down explains is held back by that server's incident, and what an incident
   * ending held back is sent if its own incident is still open (docs/alerts.md, "Dependencies").
   */
  async notify(changes: readonly IncidentChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.rules.settled();
    if (this.rules.empty) return;
    const at = this.deps.clock.now();
    const { told, held } = await this.earlier(changes);
    const incidents = this.openOnce();
    const downBehind = this.downParents(incidents);
    const rows: NewNotification[] = [];
    for (const change of changes) {
      const payload = payloadOf(change, at);
      const silence = this.rules.silenceFor(change, at);
      const explained = explainable(change.source) ? await downBehind(change.server) : null;
      const routes = this.rules.routes(change);
      for (const route of told.get(change.incident.id) ?? [])
        if (!routes.some((each) => each.channelId === route.channelId) && this.rules.sends(route.channelId)) routes.push(route);
      for (const route of routes) {
        const hold: Hold | null = silence
          ? { silenceId: silence.id, heldByIncident: null }
          : (held.get(heldKey(change.incident.id, route.channelId)) ?? (explained ? { silenceId: null, heldByIncident: explained } : null));
        rows.push({
          id: this.deps.newId(),
          ...route,
          source: change.source,
          incidentId: change.incident.id,
          payload,
          createdAt: at,
          silenceId: hold?.silenceId ?? null,
          heldByIncident: hold?.heldByIncident ?? null,
        });
      }
    }
    if (rows.length > 0) await this.deps.store.insertNotifications(rows);
    const ended = changes.filter((change) => change.source === 'incident.resolved').map((change) => change.incident.id);
    const released = await this.releaseHeldBy(ended, at, incidents, downBehind);
    if (rows.length > 0 || released > 0) this.deps.data.afterCommit(this.deps.written);
  }

  /**
   * Writes the notifications of an event about no server (a lockout, a failed job) in the
   * caller's transaction, the one that records the event: they commit with it or not at all. One
   * per enabled channel of each rule naming its category (docs/alerts.md, "Sources about no
   * server"); none, and no query, when no rule hears of it. Silences and dependencies hold back
   * incidents of servers, so they never hold these. How many it wrote.
   */
  async notifyEvent(event: NoServerAlert): Promise<number> {
    await this.rules.settled();
    if (!this.rules.hearsEvents()) return 0;
    const routes = this.rules.eventRoutes(event.source);
    if (routes.length === 0) return 0;
    const at = this.deps.clock.now();
    const payload = {
      type: event.source,
      timestamp: new Date(at).toISOString(),
      data: { severity: EVENT_SEVERITY[event.source], ...event.data },
    };
    await this.deps.store.insertNotifications(
      routes.map((route) => ({
        id: this.deps.newId(),
        ...route,
        source: event.source,
        incidentId: event.data.about.id,
        payload,
        createdAt: at,
        silenceId: null,
        heldByIncident: null,
      })),
    );
    this.deps.data.afterCommit(this.deps.written);
    return routes.length;
  }

  /** The health engine's open incidents, asked at most once by whoever needs them first in one call. */
  private openOnce(): () => Promise<OpenIncidents> {
    let open: Promise<OpenIncidents> | null = null;
    return () => (open ??= this.deps.open());
  }

  /**
   * For a server, the open down incident of the nearest server it sits behind, if any: what holds
   * its alerts back. The open incidents are read once per caller, and only for a server that
   * depends on another.
   */
  private downParents(open: () => Promise<OpenIncidents>): (server: Pick<ServerInfo, 'id' | 'name' | 'dependsOnId'>) => Promise<string | null> {
    let down: Promise<Map<string, string>> | null = null;
    return async (server) => {
      if (server.dependsOnId === null) return null;
      down ??= open().then(
        (incidents) => new Map(incidents.filter(({ incident }) => incident.severity === 'down').map(({ incident, server: of }) => [of.id, incident.id])),
      );
      const byServer = await down;
      const servers = this.deps.servers();
      for (const parent of parentsOf(server, (id) => servers.get(id))) {
        const incident = byServer.get(parent.id);
        if (incident) return incident;
      }
      return null;
    };
  }

  /**
   * Sees to what these ended incidents held back for the servers behind theirs: sent when its own
   * incident is still open, handed to a silence in force or another down server it depends on,
   * else left held (the channel never heard of an incident that is over). How many it sent.
   */
  private async releaseHeldBy(
    incidentIds: readonly string[],
    at: number,
    incidents: () => Promise<OpenIncidents>,
    downBehind: ReturnType<AlertService['downParents']>,
  ): Promise<number> {
    const rows = await this.deps.store.heldByIncidents(incidentIds);
    if (rows.length === 0) return 0;
    const open = new Set((await incidents()).map(({ incident }) => incident.id));
    const servers = this.deps.servers();
    const send: string[] = [];
    const handed = new Map<string, { hold: Hold; ids: string[] }>();
    for (const row of rows) {
      const payload = HeldPayload.safeParse(row.payload);
      const matched = payload.success ? payload.data.data : undefined;
      const silence = matched ? this.rules.silenceFor(matched, at) : undefined;
      const server = matched ? servers.get(matched.server.id) : undefined;
      const parent = silence || !server || !explainable(row.sourceKind) ? null : await downBehind(server);
      const hold: Hold | null = silence ? { silenceId: silence.id, heldByIncident: null } : parent ? { silenceId: null, heldByIncident: parent } : null;
      if (hold) {
        const key = `${hold.silenceId ?? ''} ${hold.heldByIncident ?? ''}`;
        handed.set(key, { hold, ids: [...(handed.get(key)?.ids ?? []), row.id] });
      } else if (open.has(row.sourceId)) send.push(row.id);
    }
    await this.deps.store.unhold(send, at);
    for (const { hold, ids } of handed.values()) await this.deps.store.rehold(ids, hold);
    return send.length;
  }

  /**
   * What the channels already heard of the incidents changed after their opening (worsened,
   * acknowledged, ended), read in one query:
   * - `told`: the channels told of each (incident → routes, under the rule that told them), whether
   *   or not a rule matches it now. An escalation step's channels, and a rule's for degraded
   *   incidents once the incident is down, hear how it goes on and ends as the others do, so a page
   *   opened (PagerDuty, Opsgenie) is closed with it.
   * - `held`: the channels only ever held back from each (incident and channel → the silence, or
   *   the incident of a server it depends on, that held it), which are held back again.
   */
  private async earlier(changes: readonly IncidentChange[]): Promise<{ told: Map<string, Route[]>; held: Map<string, Hold> }> {
    const later = changes.filter((change) => change.source !== 'incident.opened').map((change) => change.incident.id);
    const told = new Map<string, Route[]>();
    const held = new Map<string, Hold>();
    if (later.length === 0) return { told, held };
    const heard = new Set<string>();
    for (const row of await this.deps.store.notificationsOf(later)) {
      const key = heldKey(row.incidentId, row.channelId);
      if (row.state === 'silenced') {
        if (row.silenceId !== null) held.set(key, { silenceId: row.silenceId, heldByIncident: null });
        else if (row.heldByIncident !== null) held.set(key, { silenceId: null, heldByIncident: row.heldByIncident });
        continue;
      }
      heard.add(key);
      const known = told.get(row.incidentId) ?? [];
      if (!known.some((each) => each.channelId === row.channelId)) known.push({ ruleId: row.ruleId, channelId: row.channelId });
      told.set(row.incidentId, known);
    }
    for (const key of heard) held.delete(key);
    return { told, held };
  }

  /**
   * Writes the escalation steps and repeats that have come due (docs/alerts.md, "Escalation"). For
   * each open incident nobody has acknowledged, each rule matching it tells each step's channels
   * once the incident has been open the step's minutes, and every `repeatMinutes` tells its own
   * channels and those of the steps reached before then again: only the latest repeat due, so a
   * worker stopped for hours sends one, not a burst. Nothing is written while a silence holds the
   * incident: a step comes due when it ends, if still unacknowledged. Each notification's id is
   * derived from incident, rule, step or repeat, and channel: every worker and node writes the same
   * one, and a second write is skipped. How many it wrote.
   */
  async escalate(): Promise<number> {
    await this.rules.settled();
    const rules = this.rules.escalating;
    if (rules.length === 0) return 0;
    const now = this.deps.clock.now();
    const rows: NewNotification[] = [];
    /** What each row is (incident, rule, step or repeat, channel), as `escalated` remembers it. */
    const written: string[] = [];
    const incidents = this.openOnce();
    const downBehind = this.downParents(incidents);
    for (const { incident, server } of await incidents()) {
      if (incident.acknowledgedAt !== null) continue;
      const change: IncidentChange = { source: 'incident.unacknowledged', incident, server };
      if (this.rules.silenceFor(change, now) || (await downBehind(server))) continue;
      const open = now - incident.startedAt;
      for (const rule of rules) {
        if (!matches(rule, change)) continue;
        const due: [what: string, channelIds: readonly string[]][] = [];
        rule.escalation.forEach((step, i) => {
          if (open >= step.afterMinutes * MINUTE) due.push([`step ${i + 1}`, step.channelIds]);
        });
        const every = rule.repeatMinutes;
        if (every !== null) {
          const repeat = Math.floor(open / (every * MINUTE));
          const reached = rule.escalation.filter((step) => step.afterMinutes < repeat * every).flatMap((step) => step.channelIds);
          if (repeat >= 1) due.push([`repeat ${repeat}`, [...new Set([...rule.channelIds, ...reached])]]);
        }
        for (const [what, channelIds] of due) {
          for (const channelId of channelIds) {
            // Every look meets the steps already written again: known by what they are, no hash needed.
            const key = `${incident.id} ${rule.id} ${what} ${channelId}`;
            if (!this.rules.sends(channelId) || this.escalated.has(key)) continue;
            written.push(key);
            rows.push({
              id: derivedId(key),
              ruleId: rule.id,
              channelId,
              source: change.source,
              incidentId: incident.id,
              payload: payloadOf(change, now),
              createdAt: now,
              silenceId: null,
              heldByIncident: null,
            });
          }
        }
      }
    }
    if (rows.length === 0) return 0;
    await this.deps.data.transaction(() => this.deps.store.insertNotifications(rows, { once: true }));
    if (this.escalated.size + rows.length > ESCALATED_KEPT) this.escalated.clear();
    for (const each of written) this.escalated.add(each);
    this.deps.written();
    return rows.length;
  }

  /**
   * What a matcher picks now (docs/alerts.md, "What a rule would match"): the servers it covers,
   * its severities aside (a server with a check of one of its check types, when it names any), and
   * the open incidents it matches, worst and oldest first. From the inventory, checks and incidents
   * the health engine holds; nothing is written.
   */
  async preview(match: AlertMatch): Promise<MatchPreview> {
    const anySeverity = { ...match, severities: [] };
    const servers = [...this.deps.servers().values()]
      .filter((server) => matches(anySeverity, { incident: { severity: '', checkTypes: this.deps.checkTypesOf(server.id) }, server }))
      .map((server) => server.name)
      .sort((a, b) => a.localeCompare(b));
    const incidents = (await this.deps.open())
      .filter((each) => matches(match, each))
      .sort((a, b) => (a.incident.severity === b.incident.severity ? a.incident.startedAt - b.incident.startedAt : a.incident.severity === 'down' ? -1 : 1))
      .map(({ incident, server }) => ({ id: incident.id, serverName: server.name, severity: incident.severity, startedAt: incident.startedAt }));
    return {
      servers: { total: servers.length, names: servers.slice(0, PREVIEW_SAMPLE) },
      incidents: { total: incidents.length, items: incidents.slice(0, PREVIEW_SAMPLE) },
    };
  }

  silences(filter: { state?: SilenceState | undefined; limit: number }): Promise<AlertSilence[]> {
    const now = this.deps.clock.now();
    return this.deps.store.silences({ ...filter, now }).then((rows) => rows.map((row) => silenceView(row, now)));
  }

  /**
   * Adds a silence: from its start (now when not given or past) to its end, at most
   * SILENCE_MAX_DAYS later. The contract has checked the matcher and that one end was given;
   * what depends on the clock is checked here.
   */
  async addSilence(input: AlertSilenceInput, createdBy: string): Promise<AlertSilence> {
    const now = this.deps.clock.now();
    const startsAt = Math.max(input.startsAt ?? now, now);
    const endsAt = input.endsAt ?? startsAt + (input.durationMinutes ?? 0) * 60_000;
    const field = input.endsAt === undefined ? 'durationMinutes' : 'endsAt';
    if (endsAt <= startsAt)
      throw new AppError('VALIDATION_FAILED', 'A silence must end after it starts.', {
        hint: input.startsAt === undefined ? 'Give an end in the future.' : 'Give an end later than its start.',
        issues: [{ path: [field], message: 'Not after the start' }],
      });
    if (endsAt - startsAt > SILENCE_MAX_MS)
      throw new AppError('VALIDATION_FAILED', `A silence lasts at most ${SILENCE_MAX_DAYS} days.`, {
        hint: 'Give an earlier end, and add another silence when this one ends if it is still needed.',
        issues: [{ path: [field], message: `At most ${SILENCE_MAX_DAYS} days after the start` }],
      });
    if (startsAt - now > SILENCE_MAX_MS)
      throw new AppError('VALIDATION_FAILED', `A silence starts at most ${SILENCE_MAX_DAYS} days from now.`, {
        hint: 'Add it nearer the time.',
        issues: [{ path: ['startsAt'], message: `At most ${SILENCE_MAX_DAYS} days from now` }],
      });
    const row: AlertSilenceRow = {
      id: this.deps.newId(),
      ...input.match,
      startsAt,
      endsAt,
      reason: input.reason,
      createdBy,
      createdAt: now,
      expiredAt: null,
      expiredBy: null,
      expireReason: null,
      releasedAt: null,
    };
    await this.deps.store.insertSilence(row);
    this.reloadAfterCommit();
    return silenceView(row, now);
  }

  /** Ends a silence now; the worker then sends what it held back for incidents still open. */
  async expireSilence(id: string, by: string, reason: string | undefined): Promise<AlertSilence> {
    const now = this.deps.clock.now();
    const current = await this.deps.store.silence(id);
    if (!current) throw silenceNotFound(id);
    if (!(await this.deps.store.expireSilence(id, now, by, reason || null)))
      throw new AppError('CONFLICT', 'This silence has already ended.', { hint: 'Nothing to do: it no longer holds anything back.' });
    this.reloadAfterCommit();
    this.deps.data.afterCommit(this.deps.written);
    const expired = await this.deps.store.silence(id);
    return silenceView(expired ?? current, now);
  }

  /**
   * Sees to the silences that have ended (their time came, or someone expired them): what each held
   * back goes out if its incident is still open or the channel had been told of it (so a receiver
   * told an incident opened hears it ended); a notification another silence in force matches is
   * handed to that one; the rest stay held (the channel never heard of an incident that is over).
   * Each silence is seen to once, by one worker, in one transaction; how many notifications went out.
   */
  async releaseEnded(): Promise<number> {
    await this.rules.settled();
    const now = this.deps.clock.now();
    const downBehind = this.downParents(this.openOnce());
    let sent = 0;
    for (const silence of this.rules.ended(now)) {
      sent += await this.deps.data.transaction(async () => {
        if (!(await this.deps.store.markReleased(silence.id, now))) return 0;
        const held = await this.deps.store.heldBy(silence.id);
        if (held.length === 0) return 0;
        const incidentIds = [...new Set(held.map((row) => row.sourceId))];
        const open = await this.deps.openIncidents(incidentIds);
        const told = new Set(
          (await this.deps.store.notificationsOf(incidentIds)).filter((row) => row.state !== 'silenced').map((row) => heldKey(row.incidentId, row.channelId)),
        );
        const send: string[] = [];
        const handed = new Map<string, string[]>();
        const behind = new Map<string, string[]>();
        const servers = this.deps.servers();
        for (const row of held) {
          const payload = HeldPayload.safeParse(row.payload);
          const other = payload.success ? this.rules.silenceFor(payload.data.data satisfies Matched, now) : undefined;
          const server = payload.success ? servers.get(payload.data.data.server.id) : undefined;
          const parent = other || !server || !explainable(row.sourceKind) ? null : await downBehind(server);
          if (other) handed.set(other.id, [...(handed.get(other.id) ?? []), row.id]);
          else if (parent) behind.set(parent, [...(behind.get(parent) ?? []), row.id]);
          else if (open.has(row.sourceId) || told.has(heldKey(row.sourceId, row.channelId))) send.push(row.id);
        }
        await this.deps.store.unhold(send, now);
        for (const [silenceId, ids] of handed) await this.deps.store.rehold(ids, { silenceId, heldByIncident: null });
        for (const [heldByIncident, ids] of behind) await this.deps.store.rehold(ids, { silenceId: null, heldByIncident });
        return send.length;
      });
    }
    if (this.rules.ended(now).length > 0) await this.rules.reload();
    if (sent > 0) this.deps.written();
    return sent;
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
      sources: input.sources,
      ...input.match,
      channelIds: [...new Set(input.channelIds)],
      escalation: stepsOf(input.escalation),
      repeatMinutes: input.repeatMinutes,
      enabled: input.enabled,
      createdAt: now,
      createdBy,
      updatedAt: now,
    };
    await this.assertChannels(row);
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
      sources: change.sources ?? current.sources,
      ...(change.match ?? {}),
      channelIds: change.channelIds ? [...new Set(change.channelIds)] : current.channelIds,
      escalation: change.escalation ? stepsOf(change.escalation) : current.escalation,
      repeatMinutes: change.repeatMinutes === undefined ? current.repeatMinutes : change.repeatMinutes,
      enabled: change.enabled ?? current.enabled,
      updatedAt: this.deps.clock.now(),
    };
    if (change.channelIds || change.escalation) await this.assertChannels(row);
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

  /** Refuses a rule naming a channel that does not exist, in its channels or an escalation step's. */
  private async assertChannels(rule: Pick<AlertRuleRow, 'channelIds' | 'escalation'>): Promise<void> {
    const named: [path: (string | number)[], id: string][] = [
      ...rule.channelIds.map((id, index): [(string | number)[], string] => [['channelIds', index], id]),
      ...rule.escalation.flatMap((step, i) => step.channelIds.map((id, index): [(string | number)[], string] => [['escalation', i, 'channelIds', index], id])),
    ];
    for (const [path, id] of named) {
      if (!(await this.deps.store.channel(id)))
        throw new AppError('VALIDATION_FAILED', `There is no alert channel ${id}.`, {
          hint: 'Add the channel first, or list the channels to see their ids.',
          issues: [{ path, message: 'No such channel' }],
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

  updateSettings(patch: Parameters<AlertSettingsStore['update']>[0]): Promise<AlertSettings> {
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

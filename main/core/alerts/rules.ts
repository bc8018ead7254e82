import { CATEGORY_OF_EVENT, EVENT_SEVERITY, type AlertSource, type EventSource, type SourceCategory } from '@shared/api/alerts';
import type { Incident } from '@shared/api/incidents';
import type { ServerInfo } from '../servers';
import type { AlertStore } from './store';
import type { AlertRuleRow, AlertSilenceRow } from './table';

/**
 * The enabled rules and the channels they may send to, and the silences not yet over, kept in
 * memory: the health tick asks for every incident it opens or resolves, and with no rule that
 * costs nothing (no query, no row). Read when the core opens, replaced once a change to a rule,
 * channel or silence has committed, and read again every few seconds by the delivery worker, so a
 * change another process made (the CLI, another node) is seen soon.
 */

export interface IncidentChange {
  source: AlertSource;
  incident: Incident;
  server: ServerInfo;
}

export interface Route {
  ruleId: string;
  channelId: string;
}

/** A rule's or a silence's matcher: each list empty (anything) or one of its values. */
export interface Matcher {
  serverIds: readonly string[];
  tags: readonly string[];
  environments: readonly string[];
  severities: readonly string[];
  checkTypes: readonly string[];
}

/** What a matcher is told against: the incident's severity and the types of its bad checks, and its server. */
export interface Matched {
  incident: { severity: string; checkTypes: readonly string[] };
  server: { id: string; tags: readonly string[]; environment: string };
}

/** Whether a matcher picks an incident change: the one place rules and silences are told. */
export function matches(match: Matcher, { incident, server }: Matched): boolean {
  if (match.serverIds.length > 0 && !match.serverIds.includes(server.id)) return false;
  if (match.tags.length > 0 && !match.tags.some((tag) => server.tags.includes(tag))) return false;
  if (match.environments.length > 0 && !match.environments.includes(server.environment)) return false;
  if (match.severities.length > 0 && !match.severities.includes(incident.severity)) return false;
  if (match.checkTypes.length > 0 && !match.checkTypes.some((type) => incident.checkTypes.includes(type))) return false;
  return true;
}

export class AlertRules {
  private rules: AlertRuleRow[] = [];
  private enabledChannels = new Set<string>();
  private silences: AlertSilenceRow[] = [];

  constructor(private readonly store: AlertStore) {}

  /** Whether any rule could send anything: the tick skips all work when none can. */
  get empty(): boolean {
    return this.rules.length === 0;
  }

  private loading: Promise<void> = Promise.resolve();

  /** Reads them again; a read begun later wins over one begun earlier. */
  reload(): Promise<void> {
    const read = Promise.all([this.store.rules(), this.store.channels(), this.store.unreleasedSilences()]).then(([rules, channels, silences]) => {
      if (this.loading === next) {
        this.set(rules, channels);
        this.silences = silences;
      }
    });
    const next = read.catch(() => undefined);
    this.loading = next;
    return read;
  }

  /** Resolves once the latest reload has ended: a change committed just before a tick is then routed by it. */
  settled(): Promise<void> {
    return this.loading;
  }

  /** Whether a rule for events about no server could send anything: a lockout or a failed job asks nothing when none can. */
  hearsEvents(): boolean {
    return this.rules.some((rule) => rule.sources.some((source) => source !== 'incidents'));
  }

  /** Whether an enabled rule hears of this category's events: a burst of failed sign-ins is counted only while one does. */
  hears(category: SourceCategory): boolean {
    return this.rules.some((rule) => rule.sources.includes(category));
  }

  set(rules: readonly AlertRuleRow[], channels: readonly { id: string; enabled: boolean }[]): void {
    this.enabledChannels = new Set(channels.filter((channel) => channel.enabled).map((channel) => channel.id));
    const channelsOf = (rule: AlertRuleRow) => [...rule.channelIds, ...rule.escalation.flatMap((step) => step.channelIds)];
    this.rules = rules.filter((rule) => rule.enabled && channelsOf(rule).some((id) => this.enabledChannels.has(id)));
  }

  /** The rules that tell an incident again while nobody acknowledges it: escalation steps, repeats. */
  get escalating(): readonly AlertRuleRow[] {
    return this.rules.filter((rule) => rule.sources.includes('incidents') && (rule.escalation.length > 0 || rule.repeatMinutes !== null));
  }

  /** Whether a channel is enabled: a disabled one is never written to. */
  sends(channelId: string): boolean {
    return this.enabledChannels.has(channelId);
  }

  /**
   * Where a change goes: each enabled channel of each matching rule, once per channel (two rules
   * naming the same channel send it one notification, for the first of them by name).
   */
  routes(change: IncidentChange): Route[] {
    const routes: Route[] = [];
    const seen = new Set<string>();
    for (const rule of this.rules) {
      if (!rule.sources.includes('incidents') || !matches(rule, change)) continue;
      this.route(rule, routes, seen);
    }
    return routes;
  }

  /**
   * Where an event about no server goes (docs/alerts.md, "Sources about no server"): each rule
   * naming its category (security, jobs) and, when it lists severities, the event's. The servers,
   * tags, environments and check types a rule lists pick incidents only: a rule that names the
   * category asked for these events, which belong to no server those lists could pick.
   */
  eventRoutes(source: EventSource): Route[] {
    const category = CATEGORY_OF_EVENT[source];
    const severity = EVENT_SEVERITY[source];
    const routes: Route[] = [];
    const seen = new Set<string>();
    for (const rule of this.rules) {
      if (!rule.sources.includes(category)) continue;
      if (rule.severities.length > 0 && !rule.severities.includes(severity)) continue;
      this.route(rule, routes, seen);
    }
    return routes;
  }

  private route(rule: AlertRuleRow, routes: Route[], seen: Set<string>): void {
    for (const channelId of rule.channelIds) {
      if (!this.enabledChannels.has(channelId) || seen.has(channelId)) continue;
      seen.add(channelId);
      routes.push({ ruleId: rule.id, channelId });
    }
  }

  /** Whether any silence is not over yet (or over and not yet released): otherwise no notification is held back. */
  get silencing(): boolean {
    return this.silences.length > 0;
  }

  /** The silence holding back a change at `at`, the first by start: one in force whose matcher picks it. */
  silenceFor(change: Matched, at: number): AlertSilenceRow | undefined {
    return this.silences.find((silence) => silence.startsAt <= at && at < silence.endsAt && matches(silence, change));
  }

  /** Silences that have ended by `at` and whose held notifications have not been seen to yet. */
  ended(at: number): AlertSilenceRow[] {
    return this.silences.filter((silence) => silence.endsAt <= at);
  }
}

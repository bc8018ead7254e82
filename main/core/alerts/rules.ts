import type { AlertSource } from '@shared/api/alerts';
import type { Incident } from '@shared/api/incidents';
import type { ServerInfo } from '../servers';
import type { AlertStore } from './store';
import type { AlertRuleRow } from './table';

/**
 * The enabled rules and the channels they may send to, kept in memory: the health tick asks for
 * every incident it opens or resolves, and with no rule that costs nothing (no query, no row).
 * Read when the core opens, replaced once a change to a rule or channel has committed, and read
 * again every few seconds by the delivery worker, so a change another process made (the CLI,
 * another node) is seen soon.
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

function matches(rule: AlertRuleRow, { incident, server }: IncidentChange): boolean {
  if (rule.serverIds.length > 0 && !rule.serverIds.includes(server.id)) return false;
  if (rule.tags.length > 0 && !rule.tags.some((tag) => server.tags.includes(tag))) return false;
  if (rule.environments.length > 0 && !rule.environments.includes(server.environment)) return false;
  if (rule.severities.length > 0 && !rule.severities.includes(incident.severity)) return false;
  return true;
}

export class AlertRules {
  private rules: AlertRuleRow[] = [];
  private enabledChannels = new Set<string>();

  constructor(private readonly store: AlertStore) {}

  /** Whether any rule could send anything: the tick skips all work when none can. */
  get empty(): boolean {
    return this.rules.length === 0;
  }

  private loading: Promise<void> = Promise.resolve();

  /** Reads them again; a read begun later wins over one begun earlier. */
  reload(): Promise<void> {
    const read = Promise.all([this.store.rules(), this.store.channels()]).then(([rules, channels]) => {
      if (this.loading === next) this.set(rules, channels);
    });
    const next = read.catch(() => undefined);
    this.loading = next;
    return read;
  }

  /** Resolves once the latest reload has ended: a change committed just before a tick is then routed by it. */
  settled(): Promise<void> {
    return this.loading;
  }

  set(rules: readonly AlertRuleRow[], channels: readonly { id: string; enabled: boolean }[]): void {
    this.enabledChannels = new Set(channels.filter((channel) => channel.enabled).map((channel) => channel.id));
    this.rules = rules.filter((rule) => rule.enabled && rule.channelIds.some((id) => this.enabledChannels.has(id)));
  }

  /**
   * Where a change goes: each enabled channel of each matching rule, once per channel (two rules
   * naming the same channel send it one notification, for the first of them by name).
   */
  routes(change: IncidentChange): Route[] {
    const routes: Route[] = [];
    const seen = new Set<string>();
    for (const rule of this.rules) {
      if (!matches(rule, change)) continue;
      for (const channelId of rule.channelIds) {
        if (!this.enabledChannels.has(channelId) || seen.has(channelId)) continue;
        seen.add(channelId);
        routes.push({ ruleId: rule.id, channelId });
      }
    }
    return routes;
  }
}

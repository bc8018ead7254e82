import type { Principal } from '@shared/permissions';
import type { Clock } from '../clock';
import type { AsyncDatabase } from '../db/engine';
import type { EventBus } from '../events/bus';
import type { Logger } from '../logging/logger';
import type { SettingsStore } from '../settings';
import type { Timers } from '../timers';
import type { ServerInfo } from '../servers';
import type { SecretStore } from '../vault';
import { channelModule, deliveryOf, testEvent } from './channels';
import type { IncidentChange } from './rules';
import { AlertService, unknownChannel, type NoServerAlert } from './service';
import { AlertSettingsStore } from './settings';
import { AlertStore } from './store';
import { DeliveryWorker } from './worker';

/**
 * Alerts (docs/alerts.md), put together once per core: channels and rules, the outbox the health
 * engine writes notifications to (`notify`, in its own transaction), and the worker that delivers
 * them once `start()` is called (serve, desktop), not in the CLI.
 */

export interface AlertsDeps {
  data: AsyncDatabase;
  settings: SettingsStore;
  secrets: SecretStore;
  clock: Clock;
  newId: () => string;
  logger: Logger;
  events: EventBus;
  /** Which of these incidents are still open: asked when a silence ends (the health engine answers). */
  openIncidents: (ids: readonly string[]) => Promise<Set<string>>;
  /** The open incidents, with their servers: what escalation tells again and a preview matches (the health engine answers). */
  open: () => Promise<Omit<IncidentChange, 'source'>[]>;
  /** Every server of the inventory by id, as the health engine holds it: what a preview matches, and whom a server depends on. */
  servers: () => ReadonlyMap<string, ServerInfo>;
  /** The types of a server's checks (the health engine answers): which servers a preview of a check-type matcher covers. */
  checkTypesOf: (serverId: string) => readonly string[];
  /** Tests and benches: the worker's timers, its jitter and how often it looks. */
  timers?: Timers | undefined;
  random?: (() => number) | undefined;
  pollMs?: number | undefined;
}

export type { IncidentChange } from './rules';
export { hostOf as channelHost } from './service';
export type { NoServerAlert } from './service';

export interface TestResult {
  id: string;
  delivered: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

export class Alerts {
  readonly service: AlertService;
  readonly worker: DeliveryWorker;
  private readonly settings: AlertSettingsStore;

  constructor(private readonly deps: AlertsDeps) {
    const store = new AlertStore(deps.data);
    this.settings = new AlertSettingsStore(deps.settings);
    this.service = new AlertService({
      data: deps.data,
      store,
      settings: this.settings,
      secrets: deps.secrets,
      clock: deps.clock,
      newId: deps.newId,
      logger: deps.logger,
      written: () => this.worker.kick(),
      openIncidents: (ids) => deps.openIncidents(ids),
      open: () => deps.open(),
      servers: () => deps.servers(),
      checkTypesOf: (serverId) => deps.checkTypesOf(serverId),
    });
    this.worker = new DeliveryWorker({
      data: deps.data,
      store,
      service: this.service,
      settings: this.settings,
      clock: deps.clock,
      logger: deps.logger,
      timers: deps.timers,
      random: deps.random,
      pollMs: deps.pollMs,
      channelDisabled: (channelId) => {
        deps.events.emit('alerts.changed', { change: 'updated', ids: [channelId] });
        deps.data.afterCommit(() => {
          this.service.load().catch((error: unknown) => deps.logger.error({ err: error }, 'could not read the alert rules again'));
        });
      },
    });
  }

  /** Reads the rules and settings kept in memory; before the health engine's first tick. */
  load(): Promise<void> {
    return this.service.load();
  }

  /** Incident changes to notify, inside the transaction that made them. */
  notify(changes: readonly IncidentChange[]): Promise<void> {
    return this.service.notify(changes);
  }

  /**
   * An event about no server to notify (a lockout, an API key created, a failed job), inside the
   * transaction that records it; how many notifications it wrote.
   */
  notifyEvent(event: NoServerAlert): Promise<number> {
    return this.service.notifyEvent(event);
  }

  /** What makes a burst of failed sign-ins, as an admin set it (the alert settings). */
  signInBurst(): { failures: number; windowMs: number } {
    const { failures, windowMinutes } = this.settings.get().signInBurst;
    return { failures, windowMs: windowMinutes * 60_000 };
  }

  /** Whether an enabled rule hears of security events now (the sign-in throttle counts a burst only then). */
  hearsSecurity(): boolean {
    return this.service.rules.hears('security');
  }

  start(): void {
    this.worker.start();
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** Sends a test notification to a channel now, outside the outbox, and answers what the receiver said. */
  async sendTest(channelId: string, by: string, principal: Principal): Promise<TestResult> {
    const channel = await this.service.channelRow(channelId);
    const module = channelModule(channel.type);
    const config = module?.configSchema.safeParse(channel.config);
    if (!module || !config?.success) throw unknownChannel(channel);
    const secrets = await this.service.secretsOf(channel, `alert-test:${by}`, principal);
    const id = this.deps.newId();
    const now = this.deps.clock.now();
    const result = await module.send(
      config.data,
      deliveryOf(config.data, { id, event: testEvent(channel, now), secrets, settings: this.settings.get(), now: () => this.deps.clock.now() }),
    );
    return { id, delivered: result.error === null, statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error };
  }
}

import { AppError } from '@shared/api/errors';
import { z } from 'zod';
import type { Clock } from '../clock';
import type { AsyncDatabase } from '../db/engine';
import type { Logger } from '../logging/logger';
import { systemTimers, type Timers } from '../timers';
import { channelModule, deliveryOf, eventOf, type DeliveryResult } from './channels';
import type { AlertService } from './service';
import type { AlertSettingsStore } from './settings';
import type { AlertOutboxRow, AlertChannelRow } from './table';
import type { AlertStore, AttemptRecord } from './store';

/**
 * Delivers the outbox (docs/alerts.md, "The delivery guarantee"). Each look claims the due
 * notifications there is room for (a few at once per channel), sends each, and records the
 * attempt and what follows in one transaction: delivered; retried later with exponential backoff
 * and jitter, or when a 429's Retry-After says; given up once the next try would fall past the
 * configured age; failed when the receiver answers 410 Gone, which also disables its webhook, or
 * refuses it for good (an SMTP 5xx).
 *
 * A claim lasts CLAIM_MS: a worker stopped mid-send (a crash, kill -9) leaves the row delivering,
 * and once its claim lapses it is sent again, with the same id, so the receiver can tell it is
 * the same notification. That is at-least-once delivery, with the id as the idempotency key.
 */

export interface DeliveryWorkerDeps {
  data: AsyncDatabase;
  store: AlertStore;
  service: AlertService;
  settings: AlertSettingsStore;
  clock: Clock;
  logger: Logger;
  timers?: Timers | undefined;
  random?: (() => number) | undefined;
  /** How often it looks for due notifications when nothing wakes it (1 s). */
  pollMs?: number | undefined;
  /** A channel was disabled by its receiver (410): announced and the rules read again. */
  channelDisabled: (channelId: string) => void;
}

/** How long a claim holds a notification: longer than the longest send (a channel's timeout is at most 60 s). */
export const CLAIM_MS = 2 * 60_000;
/** The first retry's delay, doubled for each attempt after it, up to MAX_BACKOFF_MS. */
export const BASE_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 60 * 60_000;
/** Notifications claimed at one look, and sent at once over all channels. */
const BATCH = 100;
const MAX_IN_FLIGHT = 64;
const MINUTE = 60_000;
/** The rules and settings are read again this often, to see what another process changed. */
const RELOAD_MS = 10_000;

export class DeliveryWorker {
  private readonly inFlight = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private timer: unknown = null;
  private started = false;
  private looking: Promise<unknown> | null = null;
  private again = false;
  private lastReload = 0;
  private readonly timers: Timers;
  private readonly random: () => number;

  constructor(private readonly deps: DeliveryWorkerDeps) {
    this.timers = deps.timers ?? systemTimers;
    this.random = deps.random ?? Math.random;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.lastReload = this.deps.clock.now();
    this.schedule(0);
  }

  /** Stops looking and waits for the sends under way to be recorded (each ends within its channel's timeout). */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    await this.looking?.catch(() => undefined);
    await this.idle();
  }

  /** New notifications committed: look now rather than at the next poll. */
  kick(): void {
    if (this.started) this.schedule(0);
  }

  /** Resolves once every send under way has been recorded. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** One look: sends on what ended silences held back, writes the escalations come due, claims what is due, sends it, and resolves once every send it started is recorded; how many it sent. */
  async runOnce(): Promise<number> {
    await this.deps.service.releaseEnded();
    await this.deps.service.escalate();
    const sends = await this.claimAndSend();
    await Promise.allSettled(sends);
    return sends.length;
  }

  private schedule(ms: number): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.look();
    }, ms);
    (this.timer as { unref?: () => void } | null)?.unref?.();
  }

  private look(): void {
    if (!this.started) return;
    if (this.looking) {
      this.again = true;
      return;
    }
    this.looking = (async () => {
      const now = this.deps.clock.now();
      if (now - this.lastReload >= RELOAD_MS) {
        this.lastReload = now;
        await this.deps.service.load();
      }
      // Silences that ended since the last look send on what they held back, before the claim takes it.
      await this.deps.service.releaseEnded();
      // Escalation steps and repeats that came due, written before the claim so this look sends them.
      await this.deps.service.escalate();
      // Not awaited: each send is tracked in `running`, records its own outcome and looks again when it ends.
      void (await this.claimAndSend());
    })()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'could not look for alert notifications to deliver'))
      .finally(() => {
        this.looking = null;
        if (!this.started) return;
        if (this.again) {
          this.again = false;
          this.schedule(0);
        } else this.schedule(this.deps.pollMs ?? 1000);
      });
  }

  private async claimAndSend(): Promise<Promise<void>[]> {
    const { store, clock, data } = this.deps;
    const room = MAX_IN_FLIGHT - this.running.size;
    if (room <= 0) return [];
    const channels = new Map((await store.channels()).map((row) => [row.id, row]));
    const now = clock.now();
    const claimed = await data.transaction(async () => {
      const free = await this.roomPerChannel(channels, now);
      const full = [...free].filter(([, n]) => n <= 0).map(([id]) => id);
      return store.claim(now, Math.min(BATCH, room), now + CLAIM_MS, full, (due) =>
        due.filter((row) => {
          const left = free.get(row.channelId);
          if (left === undefined) return true; // disabled or deleted: ended at once below, without a send
          if (left <= 0) return false;
          free.set(row.channelId, left - 1);
          return true;
        }),
      );
    });
    return claimed.map((row) => this.track(this.deliver(row, channels.get(row.channelId))));
  }

  /**
   * How many more sends each enabled channel may begin now: its concurrency less what this process
   * is sending to it, and under a rate limit no more than the limit less what every process began
   * in the last minute (docs/alerts.md, "Rate limits"). Read in the claim's transaction.
   */
  private async roomPerChannel(channels: ReadonlyMap<string, AlertChannelRow>, now: number): Promise<Map<string, number>> {
    const limits = [...channels.values()].filter((channel) => channel.enabled).map((channel) => ({ id: channel.id, ...limitsOf(channel) }));
    const limited = limits.filter((limit) => limit.ratePerMinute !== null).map((limit) => limit.id);
    const begun = await this.deps.store.begunSince(limited, now - MINUTE, now);
    return new Map(
      limits.map(({ id, maxConcurrent, ratePerMinute }) => {
        const free = maxConcurrent - (this.inFlight.get(id) ?? 0);
        return [id, ratePerMinute === null ? free : Math.min(free, ratePerMinute - (begun.get(id) ?? 0))];
      }),
    );
  }

  private track(send: Promise<void>): Promise<void> {
    const tracked = send
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'could not record an alert delivery; it is sent again when its claim lapses'))
      .finally(() => {
        this.running.delete(tracked);
        this.kick();
      });
    this.running.add(tracked);
    return tracked;
  }

  private async deliver(row: AlertOutboxRow, channel: AlertChannelRow | undefined): Promise<void> {
    const { store, data, clock } = this.deps;
    if (!channel?.enabled) {
      const why = channel
        ? `the channel "${channel.name}" is disabled${channel.disabledReason ? ` (${channel.disabledReason})` : ''}`
        : 'the channel was deleted';
      await data.transaction(() => store.finish(row.id, 'failed', `not sent: ${why}`, clock.now()));
      return;
    }
    this.inFlight.set(channel.id, (this.inFlight.get(channel.id) ?? 0) + 1);
    let result: DeliveryResult;
    try {
      result = await this.send(row, channel);
    } finally {
      this.inFlight.set(channel.id, (this.inFlight.get(channel.id) ?? 1) - 1);
    }
    await data.transaction(async () => {
      const attempt = this.next(row, result);
      await store.recordAttempt(attempt);
      if (
        result.statusCode === 410 &&
        (await store.disableChannel(channel.id, `the receiver answered 410 Gone at ${new Date(attempt.at).toISOString()}`, attempt.at))
      )
        this.deps.channelDisabled(channel.id);
    });
  }

  private async send(row: AlertOutboxRow, channel: AlertChannelRow): Promise<DeliveryResult> {
    const module = channelModule(channel.type);
    const config = module?.configSchema.safeParse(channel.config);
    if (!module || !config?.success) return failed(`the channel "${channel.name}" has a type or config this Guardian does not know`);
    const event = eventOf(row.payload);
    if (!event) return failed('the notification holds an event this Guardian does not know');
    let secrets: string[];
    try {
      secrets = await this.deps.service.secretsOf(channel, `alert:${row.id}`);
    } catch (error) {
      // The vault's own words (locked, the secret deleted): never a value.
      return failed(error instanceof AppError ? error.message : 'the channel’s secret could not be read');
    }
    try {
      return await module.send(
        config.data,
        deliveryOf(config.data, { id: row.id, event, secrets, settings: this.deps.settings.get(), now: () => this.deps.clock.now() }),
      );
    } catch (error) {
      return failed(error instanceof AppError ? error.message : 'the notification could not be sent');
    }
  }

  /** What an attempt's result makes of its notification. */
  private next(row: AlertOutboxRow, result: DeliveryResult): AttemptRecord {
    const at = this.deps.clock.now();
    const base = { notificationId: row.id, channelId: row.channelId, at, statusCode: result.statusCode, error: result.error, latencyMs: result.latencyMs };
    if (result.error === null) return { ...base, outcome: 'delivered', state: 'delivered', nextAttemptAt: at };
    if (result.statusCode === 410 || result.permanent) return { ...base, outcome: 'failed', state: 'failed', nextAttemptAt: at };
    const attempt = row.attempts + 1;
    const backoff = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempt - 1));
    // Equal jitter: never sooner than half the backoff, so a burst of failures spreads out but still backs off.
    const delay = result.retryAfterMs ?? Math.round(backoff / 2 + (this.random() * backoff) / 2);
    const giveUpAt = row.createdAt + this.deps.settings.get().giveUpAfterMinutes * 60_000;
    if (at + delay > giveUpAt) {
      const minutes = Math.round((at - row.createdAt) / 60_000);
      return {
        ...base,
        error: `given up after ${attempt} attempt${attempt === 1 ? '' : 's'} over ${minutes} min: ${result.error}`,
        outcome: 'given-up',
        state: 'given-up',
        nextAttemptAt: at,
      };
    }
    return { ...base, outcome: 'retry', state: 'pending', nextAttemptAt: at + delay };
  }
}

function failed(error: string): DeliveryResult {
  return { statusCode: null, error, latencyMs: 0, retryAfterMs: null };
}

/** What every channel type's config says of how fast it may send (shared/alerts/rate.ts). */
const Limits = z.object({ maxConcurrent: z.number().int().min(1), ratePerMinute: z.number().int().min(1).nullable() });

/** A channel's concurrency and rate limit, its module's defaults filled in (a channel saved before the rate limit existed has its type's). */
function limitsOf(channel: AlertChannelRow): z.output<typeof Limits> {
  const config = channelModule(channel.type)?.configSchema.safeParse(channel.config);
  const limits = Limits.safeParse(config?.success ? config.data : undefined);
  return limits.success ? limits.data : { maxConcurrent: 1, ratePerMinute: null };
}

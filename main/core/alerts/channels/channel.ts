import type { z } from 'zod';
import type { TargetPolicy } from '../targets';

/**
 * What one channel type is (docs/alerts.md): its config schema and how it sends one notification.
 * `send` answers what happened, never throws for a receiver's failure, and never puts a secret
 * or the receiver's body in its answer: the worker logs the answer as it is.
 */
export interface AlertChannelType<C> {
  type: string;
  configSchema: z.ZodType<C>;
  /** The host a notification goes to, checked against the target policy when the channel is saved. */
  hostOf(config: C): string;
  /** Whether the channel cannot send without a vault secret. */
  needsSecret: boolean;
  send(config: C, delivery: Delivery): Promise<DeliveryResult>;
}

export interface Delivery {
  /** The notification's id: the idempotency key, the same on every attempt. */
  id: string;
  /** The JSON to send, as sent. */
  body: string;
  /** The channel's secret values from the vault (the current one first), for this attempt only. */
  secrets: string[];
  policy: TargetPolicy;
  now: () => number;
}

export interface DeliveryResult {
  /** The receiver's status; null when none came (refused, timed out, not resolved). */
  statusCode: number | null;
  /** Why it was not delivered, in words, or null when it was. */
  error: string | null;
  latencyMs: number;
  /** The receiver's Retry-After, in milliseconds from now. */
  retryAfterMs: number | null;
}

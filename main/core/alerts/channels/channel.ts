import type { z } from 'zod';
import type { TargetPolicy } from '../targets';
import type { AlertSettings } from '@shared/api/alerts';
import type { MessageTemplate } from '@shared/alerts/template';
import { targetPolicy } from '../targets';
import { summaryOf, type AlertEvent, type Summary } from './event';

/**
 * What one channel type is (docs/alerts.md): its config schema, the vault secret it uses and how,
 * and how it renders and sends one notification. `send` answers what happened, never throws for a
 * receiver's failure, and never puts a secret or the receiver's body in its answer: the worker
 * logs the answer as it is.
 */
export interface AlertChannelType<C> {
  type: string;
  configSchema: z.ZodType<C>;
  /** The host a notification goes to, checked against the target policy when the channel is saved. */
  hostOf(config: C): string;
  /** The config field holding that host, named in a refusal's issue path. */
  hostField: string;
  /**
   * The vault secret the channel names, if any: whether it must have one, of which kind, and what
   * it does with it: `sign` (an HMAC key that never leaves Guardian; a rotation signs with two) or
   * `send` (a credential that goes to the channel's host: an SMTP password, a token, a webhook URL).
   */
  secret: { required: boolean; kind: 'api_token' | 'password'; purpose: 'sign' | 'send' } | null;
  /** What is wrong with the config together with whether it names a secret (a login without its password), or null. */
  secretRule?(config: C, hasSecret: boolean): { path: string[]; message: string; hint: string } | null;
  /** Words refusing the config's receiver under the alert settings beyond the target policy (a fixed service host), or null. */
  targetRule?(config: C, policy: TargetPolicy): string | null;
  send(config: C, delivery: Delivery): Promise<DeliveryResult>;
}

export interface Delivery {
  /** The notification's id: the idempotency key, the same on every attempt. */
  id: string;
  /** What happened, as the outbox stores it: the webhook sends it as it is. */
  event: AlertEvent;
  /** What happened in words, the channel's template applied: every other channel type renders it its own way. */
  summary: Summary;
  /** The channel's secret values from the vault (the current one first), for this attempt only. */
  secrets: string[];
  policy: TargetPolicy;
  now: () => number;
}

export interface DeliveryResult {
  /** The receiver's status (an HTTP status, an SMTP reply code); null when none came (refused, timed out, not resolved). */
  statusCode: number | null;
  /** Why it was not delivered, in words, or null when it was. */
  error: string | null;
  latencyMs: number;
  /** The receiver's Retry-After, in milliseconds from now. */
  retryAfterMs: number | null;
  /** The receiver refused it for good (an SMTP 5xx): it is failed at once, not retried. */
  permanent?: boolean | undefined;
}

/**
 * One notification's delivery to a channel whose config its type has read: the target policy
 * and the words in the channel's wording (its template, if its type has one, and the link back
 * to Guardian), from the alert settings of the moment.
 */
export function deliveryOf(config: unknown, parts: { id: string; event: AlertEvent; secrets: string[]; settings: AlertSettings; now: () => number }): Delivery {
  const template = typeof config === 'object' && config !== null && 'template' in config ? (config.template as MessageTemplate) : null;
  return {
    id: parts.id,
    event: parts.event,
    summary: summaryOf(parts.event, { template, publicUrl: parts.settings.publicUrl }),
    secrets: parts.secrets,
    policy: targetPolicy(parts.settings.allowedTargets),
    now: parts.now,
  };
}

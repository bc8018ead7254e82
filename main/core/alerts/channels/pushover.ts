import { PUSHOVER_API_URL, pushoverConfig, type PushoverConfig } from '@shared/alerts/push';
import type { TargetPolicy } from '../targets';
import type { AlertChannelType, DeliveryResult } from './channel';
import { cut, type Summary, type Tone } from './event';
import { post, refusedForGood, resultOf, serviceTargetRefusal } from './http';
import { pushText } from './ntfy';

/**
 * Pushover (docs/alerts.md; https://pushover.net/api): the message posted as JSON to
 * messages.json with the application's token (the channel's vault secret) and the user or group
 * key. Priority 1 (high, bypassing quiet hours) for a server down, 0 otherwise, -1 for an
 * acknowledgement; never 2 (emergency), which repeats until acknowledged in Pushover itself. A 4xx
 * (a bad token or user) is refused for good, as Pushover asks; a 429 or 5xx is retried.
 */

const PRIORITY: Record<Tone, number> = { down: 1, degraded: 0, resolved: 0, acknowledged: -1, test: 0 };
const OWN = [new URL(PUSHOVER_API_URL).hostname];

const pushoverTarget = (config: PushoverConfig, policy: TargetPolicy) => serviceTargetRefusal(config.apiUrl, OWN, 'Pushover', policy);

export function pushoverMessage(summary: Summary, token: string, config: PushoverConfig): unknown {
  return {
    token,
    user: config.user,
    ...(config.devices.length > 0 ? { device: config.devices.join(',') } : {}),
    title: cut(summary.title, 250),
    message: cut(pushText(summary), 1024),
    priority: PRIORITY[summary.tone],
    timestamp: Math.floor(Date.parse(summary.timestamp) / 1000),
  };
}

export const pushoverChannel: AlertChannelType<PushoverConfig> = {
  type: 'pushover',
  configSchema: pushoverConfig,
  hostOf: (config) => new URL(config.apiUrl).hostname,
  hostField: 'apiUrl',
  secret: { required: true, kind: 'api_token', purpose: 'send' },
  targetRule: pushoverTarget,
  async send(config, delivery): Promise<DeliveryResult> {
    const refused = pushoverTarget(config, delivery.policy);
    if (refused) return { statusCode: null, error: refused, latencyMs: 0, retryAfterMs: null };
    const result = await post(new URL(config.apiUrl), JSON.stringify(pushoverMessage(delivery.summary, delivery.secrets[0] ?? '', config)), {
      policy: delivery.policy,
      timeoutMs: config.timeoutMs,
      verifyTls: true,
      now: delivery.now,
    });
    return { ...resultOf(result), permanent: refusedForGood(result.statusCode) };
  },
};

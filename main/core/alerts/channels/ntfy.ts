import { ntfyConfig, type NtfyConfig } from '@shared/alerts/push';
import type { AlertChannelType, DeliveryResult } from './channel';
import { cut, type Summary, type Tone } from './event';
import { post, resultOf } from './http';

/**
 * ntfy (docs/alerts.md; https://docs.ntfy.sh/publish/#publish-as-json): the message published as
 * JSON to the server's root URL (`topic`, `title`, `message`, `priority` 1 to 5, `tags` that ntfy
 * shows as emoji), with the access token, when the channel names one, as `Authorization: Bearer`.
 * Priority and tag follow the severity: a server down is urgent (5), degraded high (4).
 */

const PRIORITY: Record<Tone, number> = { down: 5, degraded: 4, acknowledged: 3, resolved: 3, test: 3 };
const TAG: Record<Tone, string> = { down: 'rotating_light', degraded: 'warning', acknowledged: 'eyes', resolved: 'white_check_mark', test: 'test_tube' };

/** The plain-text body the push services show: the cause, then the fields one a line. */
export function pushText(summary: Summary): string {
  return [summary.text, '', ...summary.fields.map(({ label, value }) => `${label}: ${value}`)].join('\n').trim();
}

export function ntfyMessage(summary: Summary, config: NtfyConfig): unknown {
  return {
    topic: config.topic,
    title: cut(summary.title, 250),
    message: cut(pushText(summary), 4000),
    priority: PRIORITY[summary.tone],
    tags: [TAG[summary.tone]],
  };
}

export const ntfyChannel: AlertChannelType<NtfyConfig> = {
  type: 'ntfy',
  configSchema: ntfyConfig,
  hostOf: (config) => new URL(config.serverUrl).hostname,
  hostField: 'serverUrl',
  secret: { required: false, kind: 'api_token', purpose: 'send' },
  async send(config, delivery): Promise<DeliveryResult> {
    const [token] = delivery.secrets;
    const result = await post(new URL(config.serverUrl), JSON.stringify(ntfyMessage(delivery.summary, config)), {
      policy: delivery.policy,
      timeoutMs: config.timeoutMs,
      verifyTls: config.verifyTls,
      now: delivery.now,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
    return resultOf(result);
  },
};

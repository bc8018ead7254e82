import { gotifyConfig, type GotifyConfig } from '@shared/alerts/push';
import type { AlertChannelType, DeliveryResult } from './channel';
import type { Summary, Tone } from './event';
import { post, resultOf } from './http';
import { pushText } from './ntfy';

/**
 * Gotify (docs/alerts.md; https://gotify.net/docs/pushmsg): the message posted to `<server>/message`
 * with the application's token, the channel's vault secret, in the `X-Gotify-Key` header (never
 * in the URL, where proxies log it). Priority follows the severity on Gotify's 0 to 10 scale.
 */

const PRIORITY: Record<Tone, number> = { down: 8, degraded: 5, acknowledged: 4, resolved: 4, test: 2 };

export function gotifyMessage(summary: Summary): unknown {
  return { title: summary.title, message: pushText(summary), priority: PRIORITY[summary.tone], extras: { 'client::display': { contentType: 'text/plain' } } };
}

/** `<server>/message`, keeping a path the server is served under. */
function messageUrl(serverUrl: string): URL {
  const url = new URL(serverUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/message`;
  return url;
}

export const gotifyChannel: AlertChannelType<GotifyConfig> = {
  type: 'gotify',
  configSchema: gotifyConfig,
  hostOf: (config) => new URL(config.serverUrl).hostname,
  hostField: 'serverUrl',
  secret: { required: true, kind: 'api_token', purpose: 'send' },
  async send(config, delivery): Promise<DeliveryResult> {
    const result = await post(messageUrl(config.serverUrl), JSON.stringify(gotifyMessage(delivery.summary)), {
      policy: delivery.policy,
      timeoutMs: config.timeoutMs,
      verifyTls: config.verifyTls,
      now: delivery.now,
      headers: { 'x-gotify-key': delivery.secrets[0] ?? '' },
    });
    return resultOf(result);
  },
};

import type { ChatConfig } from '@shared/alerts/chat';
import type { AlertChannelType, Delivery, DeliveryResult } from './channel';
import type { AlertEvent } from './event';
import { post, resultOf } from './http';

/**
 * A channel whose webhook URL is a bearer secret (Slack, Discord, Teams, Mattermost): the URL is
 * the channel's vault secret (an API token, sent only to its own host), read for each attempt; the
 * message is the type's own JSON rendering of the event. The URL's path never appears in a result:
 * only its host does, which is the service's public one.
 */

/** The secret as a URL to post to, or words saying why it is not one (never the value). */
export function secretUrl(secret: string | undefined): URL | string {
  if (secret === undefined) return 'the channel has no webhook URL in the vault';
  let url: URL;
  try {
    url = new URL(secret.trim());
  } catch {
    return 'the channel’s vault secret is not a URL: store the webhook URL the service gave you as the API token';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'the channel’s webhook URL is not an http:// or https:// URL';
  if (url.username !== '' || url.password !== '') return 'the channel’s webhook URL carries a user name or password, which it must not';
  return url;
}

export function secretUrlChannel<C extends ChatConfig>(
  type: string,
  configSchema: AlertChannelType<C>['configSchema'],
  render: (event: AlertEvent, delivery: Delivery, config: C) => unknown,
): AlertChannelType<C> {
  return {
    type,
    configSchema,
    // The host is in the secret: it is checked when sending, for every address it resolves to.
    hostOf: () => '',
    hostField: 'url',
    secret: { required: true, kind: 'api_token', purpose: 'send' },
    async send(config, delivery): Promise<DeliveryResult> {
      const url = secretUrl(delivery.secrets[0]);
      if (typeof url === 'string') return { statusCode: null, error: url, latencyMs: 0, retryAfterMs: null, permanent: true };
      const body = JSON.stringify(render(delivery.event, delivery, config));
      return resultOf(await post(url, body, { policy: delivery.policy, timeoutMs: config.timeoutMs, verifyTls: true, now: delivery.now }));
    },
  };
}

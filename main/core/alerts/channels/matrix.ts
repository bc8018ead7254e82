import { matrixConfig, type MatrixConfig } from '@shared/alerts/push';
import type { AlertChannelType, DeliveryResult } from './channel';
import { escapeHtml, type Summary } from './event';
import { post, refusedForGood, resultOf, retryAfterInAnswer } from './http';
import { pushText } from './ntfy';

/**
 * Matrix (docs/alerts.md; https://spec.matrix.org/latest/client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid):
 * an `m.room.message` (`m.text`, with an HTML `formatted_body`) PUT into the room under the
 * notification's id as the transaction id, so a retry of the same notification is the same event
 * and the homeserver shows it once. The bot account's access token is the channel's vault secret,
 * sent as `Authorization: Bearer`. A 429 waits as its `retry_after_ms` says; another 4xx (the
 * token refused, the bot not in the room) is refused for good.
 */

export function matrixMessage(summary: Summary): unknown {
  const html = [
    `<b>${escapeHtml(summary.title)}</b>`,
    `<p>${escapeHtml(summary.text).replace(/\n/g, '<br>')}</p>`,
    summary.fields.length > 0
      ? `<ul>${summary.fields.map(({ label, value }) => `<li><b>${escapeHtml(label)}</b>: ${escapeHtml(value)}</li>`).join('')}</ul>`
      : '',
  ].join('');
  return { msgtype: 'm.text', body: `${summary.title}\n${pushText(summary)}`, format: 'org.matrix.custom.html', formatted_body: html };
}

export const matrixChannel: AlertChannelType<MatrixConfig> = {
  type: 'matrix',
  configSchema: matrixConfig,
  hostOf: (config) => new URL(config.homeserverUrl).hostname,
  hostField: 'homeserverUrl',
  secret: { required: true, kind: 'api_token', purpose: 'send' },
  async send(config, delivery): Promise<DeliveryResult> {
    const url = new URL(config.homeserverUrl);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/_matrix/client/v3/rooms/${encodeURIComponent(config.roomId)}/send/m.room.message/${encodeURIComponent(delivery.id)}`;
    const result = await post(url, JSON.stringify(matrixMessage(delivery.summary)), {
      method: 'PUT',
      policy: delivery.policy,
      timeoutMs: config.timeoutMs,
      verifyTls: config.verifyTls,
      now: delivery.now,
      headers: { authorization: `Bearer ${delivery.secrets[0] ?? ''}` },
    });
    return { ...resultOf(result), retryAfterMs: result.retryAfterMs ?? retryAfterInAnswer(result.answer), permanent: refusedForGood(result.statusCode) };
  },
};

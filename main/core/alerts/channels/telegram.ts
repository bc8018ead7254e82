import { TELEGRAM_API_URL, telegramConfig, type TelegramConfig } from '@shared/alerts/push';
import type { TargetPolicy } from '../targets';
import type { AlertChannelType, DeliveryResult } from './channel';
import { cut, escapeHtml, type Summary } from './event';
import { post, refusedForGood, resultOf, retryAfterInAnswer, serviceTargetRefusal } from './http';

/**
 * Telegram (docs/alerts.md; https://core.telegram.org/bots/api#sendmessage): `sendMessage` with
 * the chat id and the text as Telegram's HTML (every value escaped), link previews off. The bot's
 * token is the channel's vault secret and sits in the request's path, as the Bot API wants: a
 * result names only the host. A 429 waits as its `parameters.retry_after` says; another 4xx (the
 * chat not found, the bot blocked or removed) is refused for good.
 */

const OWN = [new URL(TELEGRAM_API_URL).hostname];
const telegramTarget = (config: TelegramConfig, policy: TargetPolicy) => serviceTargetRefusal(config.apiUrl, OWN, 'Telegram', policy);

export function telegramMessage(summary: Summary, config: TelegramConfig): unknown {
  const lines = [
    `<b>${escapeHtml(summary.title)}</b>`,
    escapeHtml(summary.text),
    '',
    ...summary.fields.map(({ label, value }) => `<b>${escapeHtml(label)}</b>: ${escapeHtml(value)}`),
  ];
  return { chat_id: config.chatId, text: cut(lines.join('\n').trim(), 4000), parse_mode: 'HTML', link_preview_options: { is_disabled: true } };
}

export const telegramChannel: AlertChannelType<TelegramConfig> = {
  type: 'telegram',
  configSchema: telegramConfig,
  hostOf: (config) => new URL(config.apiUrl).hostname,
  hostField: 'apiUrl',
  secret: { required: true, kind: 'api_token', purpose: 'send' },
  targetRule: telegramTarget,
  async send(config, delivery): Promise<DeliveryResult> {
    const refused = telegramTarget(config, delivery.policy);
    if (refused) return { statusCode: null, error: refused, latencyMs: 0, retryAfterMs: null };
    const token = delivery.secrets[0] ?? '';
    if (!/^\d+:[A-Za-z0-9_-]+$/.test(token))
      return {
        statusCode: null,
        error: 'the channel’s vault secret is not a Telegram bot token (digits, a colon, then letters)',
        latencyMs: 0,
        retryAfterMs: null,
        permanent: true,
      };
    const url = new URL(config.apiUrl);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/bot${token}/sendMessage`;
    const result = await post(url, JSON.stringify(telegramMessage(delivery.summary, config)), {
      policy: delivery.policy,
      timeoutMs: config.timeoutMs,
      verifyTls: true,
      now: delivery.now,
    });
    return { ...resultOf(result), retryAfterMs: result.retryAfterMs ?? retryAfterInAnswer(result.answer), permanent: refusedForGood(result.statusCode) };
  },
};

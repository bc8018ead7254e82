import { discordConfig, type DiscordConfig } from '@shared/alerts/chat';
import { cut, footerOf, TONE_COLOR, type Summary } from './event';
import { secretUrlChannel } from './secret-url';

/**
 * Discord, through a channel webhook (docs/alerts.md; https://discord.com/developers/docs/resources/webhook#execute-webhook):
 * the URL is the channel's vault secret. One embed (title, description, colour, inline fields,
 * timestamp, footer) within Discord's limits, and `allowed_mentions` empty, so a cause that
 * happens to contain @everyone or a role pings no one.
 */

export function discordMessage(summary: Summary, notificationId: string): unknown {
  return {
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: cut(summary.title, 256),
        description: cut(summary.text, 4096),
        color: Number.parseInt(TONE_COLOR[summary.tone].slice(1), 16),
        fields: summary.fields.slice(0, 25).map(({ label, value }) => ({ name: cut(label, 256), value: cut(value, 1024), inline: true })),
        timestamp: summary.timestamp,
        footer: { text: cut(footerOf(summary, notificationId), 2048) },
      },
    ],
  };
}

export const discordChannel = secretUrlChannel<DiscordConfig>('discord', discordConfig, (_event, delivery) => discordMessage(delivery.summary, delivery.id));

import { mattermostConfig, type MattermostConfig } from '@shared/alerts/chat';
import { footerOf, TONE_COLOR, type Summary } from './event';
import { secretUrlChannel } from './secret-url';

/**
 * Mattermost, through an incoming webhook (docs/alerts.md; https://developers.mattermost.com/integrate/webhooks/incoming/):
 * the URL is the channel's vault secret. One message attachment (Mattermost's Slack-compatible
 * form): a colour bar, the title, the cause, short fields and a footer, with `fallback` for
 * notifications.
 */

export function mattermostMessage(summary: Summary, notificationId: string): unknown {
  return {
    attachments: [
      {
        fallback: `${summary.title}: ${summary.text}`,
        color: TONE_COLOR[summary.tone],
        title: summary.title,
        text: summary.text,
        fields: summary.fields.map(({ label, value }) => ({ short: true, title: label, value })),
        footer: footerOf(summary, notificationId),
      },
    ],
  };
}

export const mattermostChannel = secretUrlChannel<MattermostConfig>('mattermost', mattermostConfig, (_event, delivery) =>
  mattermostMessage(delivery.summary, delivery.id),
);

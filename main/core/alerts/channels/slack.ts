import { slackConfig, type SlackConfig } from '@shared/alerts/chat';
import { cut, footerOf, type Summary } from './event';
import { secretUrlChannel } from './secret-url';

/**
 * Slack, through an incoming webhook (docs/alerts.md; https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks):
 * the URL is the channel's vault secret. The message is Block Kit (a header, the cause, the
 * fields, a context line) with `text` as the notification's fallback. Slack's mrkdwn takes &, <
 * and > as markup, so every value is escaped as Slack says: &amp; &lt; &gt;.
 */

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackMessage(summary: Summary, notificationId: string): unknown {
  return {
    text: escape(cut(`${summary.title}: ${summary.text}`, 3000)),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: cut(summary.title, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: escape(cut(summary.text, 3000)) } },
      ...(summary.fields.length > 0
        ? [
            {
              type: 'section',
              fields: summary.fields.slice(0, 10).map(({ label, value }) => ({ type: 'mrkdwn', text: `*${escape(label)}*\n${escape(cut(value, 1900))}` })),
            },
          ]
        : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: escape(footerOf(summary, notificationId)) }] },
    ],
  };
}

export const slackChannel = secretUrlChannel<SlackConfig>('slack', slackConfig, (_event, delivery) => slackMessage(delivery.summary, delivery.id));

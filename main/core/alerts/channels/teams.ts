import { teamsConfig, type TeamsConfig } from '@shared/alerts/chat';
import { footerOf, type Summary, type Tone } from './event';
import { secretUrlChannel } from './secret-url';

/**
 * Microsoft Teams, through a Workflows webhook ("Post to a channel when a webhook request is
 * received"; docs/alerts.md): the URL is the channel's vault secret. The message is an Adaptive
 * Card 1.4 in a `message` attachment, the shape Teams documents for these webhooks: the title in
 * the tone's colour, the cause, the fields as a FactSet and a subtle footer.
 */

const COLOR: Record<Tone, string> = { down: 'Attention', degraded: 'Warning', resolved: 'Good', acknowledged: 'Accent', test: 'Default' };

export function teamsMessage(summary: Summary, notificationId: string): unknown {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: summary.title, weight: 'Bolder', size: 'Medium', color: COLOR[summary.tone], wrap: true },
            { type: 'TextBlock', text: summary.text, wrap: true },
            ...(summary.fields.length > 0 ? [{ type: 'FactSet', facts: summary.fields.map(({ label, value }) => ({ title: label, value })) }] : []),
            { type: 'TextBlock', text: footerOf(summary, notificationId), isSubtle: true, size: 'Small', wrap: true },
          ],
        },
      },
    ],
  };
}

export const teamsChannel = secretUrlChannel<TeamsConfig>('teams', teamsConfig, (_event, delivery) => teamsMessage(delivery.summary, delivery.id));

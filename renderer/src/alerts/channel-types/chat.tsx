import type { ChannelType } from '@shared/alerts';
import { SendingFields, sendingConfig } from './sending';
import { configText, rateText, type ChannelFieldsProps, type ChannelTypeForm } from './types';

/**
 * Slack, Discord, Microsoft Teams and Mattermost: each posts to the incoming webhook the service
 * gave, whose URL is a bearer secret and so lives in the vault as an API token, never in the
 * config (shared/alerts/chat.ts). What is left to fill in is how to send.
 */
function ChatFields(props: ChannelFieldsProps) {
  return <SendingFields {...props} timeoutHelp="500 to 60000; a timeout is retried" concurrentHelp="Notifications sent to it at the same time (1 to 8)" />;
}

function chatChannel(type: ChannelType, label: string, message: string, urlExample: string): ChannelTypeForm {
  return {
    type,
    label,
    description: `${message}, posted to the incoming webhook ${label} gave you.`,
    secret: {
      kinds: ['api_token'],
      label: 'Webhook URL',
      help: `An API token in the vault holding the URL (${urlExample}): the URL is the secret, so it is kept there, not here.`,
      required: true,
      rotates: false,
      sends: true,
    },
    fields: ['timeoutMs', 'maxConcurrent', 'ratePerMinute'],
    initial: (config) => ({
      timeoutMs: configText(config, 'timeoutMs') ?? '10000',
      maxConcurrent: configText(config, 'maxConcurrent') ?? '2',
      ratePerMinute: rateText(config, type),
    }),
    toConfig: (values) => {
      const sending = sendingConfig(values);
      return 'errors' in sending ? { ok: false, errors: sending.errors } : { ok: true, config: sending };
    },
    // The URL is the secret: the list names the secret, never its value.
    target: () => 'its webhook URL, kept in the vault',
    Fields: ChatFields,
  };
}

export const slack = chatChannel('slack', 'Slack', 'A Block Kit message', 'https://hooks.slack.com/services/…');
export const discord = chatChannel('discord', 'Discord', 'An embed', 'https://discord.com/api/webhooks/…');
export const teams = chatChannel('teams', 'Microsoft Teams', 'An Adaptive Card', 'the URL of a Workflows webhook');
export const mattermost = chatChannel('mattermost', 'Mattermost', 'A message attachment', 'https://mattermost.example.net/hooks/…');

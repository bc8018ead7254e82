import type { ChannelType } from '@shared/alerts';
import { email } from './email';
import type { ChannelTypeForm } from './types';
import { webhook } from './webhook';

/**
 * The channel types the dialog offers, in the order shown: one module each. A type the contract
 * knows without a form here is listed, but not offered for new channels (and edited by its name
 * and secret only).
 */
export const CHANNEL_TYPE_FORMS: readonly ChannelTypeForm[] = [webhook, email];

export function channelTypeForm(type: ChannelType | string): ChannelTypeForm | undefined {
  return CHANNEL_TYPE_FORMS.find((form) => form.type === type);
}

export type { ChannelTypeForm, ConfigValues } from './types';

import type { ComponentType } from 'react';
import { defaultRatePerMinute, type ChannelType } from '@shared/alerts';
import type { SecretKind } from '@shared/api/vault';
import type { FieldErrors } from '../form-errors';

/** A channel type's config as typed into its fields: text and checkboxes. */
export type ConfigValues = Record<string, string | boolean>;

export interface ChannelFieldsProps {
  values: ConfigValues;
  /** Errors by key, config fields as 'config.<field>'. */
  errors: FieldErrors;
  onChange(field: string, value: string | boolean): void;
}

/**
 * What the channel dialog needs to know about one channel type: its fields, how they start,
 * how they become the contract's `config`, and which vault secret it takes. One module per type
 * (webhook.tsx, …), listed in index.ts.
 */
export interface ChannelTypeForm {
  type: ChannelType;
  label: string;
  /** One line under the type picker. */
  description: string;
  /** The vault secret the channel names, or null when it takes none. */
  secret: {
    /** The kinds of secret that fit: the picker offers only these. */
    kinds: readonly SecretKind[];
    label: string;
    help: string;
    /** Whether the channel cannot work without it (else "None" is offered). */
    required: boolean;
    /** Whether it signs, so that a rotation may sign with the old one too for a while. */
    rotates: boolean;
    /**
     * Whether the channel sends it to its host (a password, a secret URL): only someone who may
     * read it (vault:reveal) may choose where it goes, so others cannot carry it away.
     */
    sends: boolean;
  } | null;
  /** Its config's field names: the contract's issues on `config.<field>` land under them. */
  fields: readonly string[];
  /** The fields' starting values: a new channel's defaults, or the saved config's. */
  initial(config: unknown): ConfigValues;
  /** The config to send, or what to fix first (keys as in `errors`). */
  toConfig(values: ConfigValues): { ok: true; config: Record<string, unknown> } | { ok: false; errors: FieldErrors };
  /** Where it sends, in a few words, for the channel list (never a secret). */
  target(config: unknown): string;
  Fields: ComponentType<ChannelFieldsProps>;
}

/** A saved config's field, if it has that type. */
export function configText(config: unknown, field: string): string | undefined {
  const value: unknown = typeof config === 'object' && config !== null ? Reflect.get(config, field) : undefined;
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

export function configFlag(config: unknown, field: string): boolean | undefined {
  const value: unknown = typeof config === 'object' && config !== null ? Reflect.get(config, field) : undefined;
  return typeof value === 'boolean' ? value : undefined;
}

/** A whole number typed into a field, or the message to show under it. */
export function wholeNumber(text: string | boolean | undefined, what: string): number | string {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (!/^\d+$/.test(trimmed)) return `${what} is a whole number`;
  return Number(trimmed);
}

/** A whole number, or null when left empty (no limit). */
export function optionalWholeNumber(text: string | boolean | undefined, what: string): number | null | string {
  return typeof text !== 'string' || text.trim() === '' ? null : wholeNumber(text, what);
}

/** The rate limit's field: the saved one (empty for none), or a new channel's type's default. */
export function rateText(config: unknown, type: ChannelType): string {
  const saved = typeof config === 'object' && config !== null && 'ratePerMinute' in config;
  const value: unknown = saved ? Reflect.get(config, 'ratePerMinute') : defaultRatePerMinute(type);
  return typeof value === 'number' ? String(value) : '';
}

/** What the rate limit's field says under it. */
export const RATE_HELP = 'At most this many begun in any minute; the rest wait their turn. Empty: no limit';

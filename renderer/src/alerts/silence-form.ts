import { matchesAnything, SILENCE_MAX_DAYS, type AlertSilenceInput } from '@shared/api/alerts';
import type { FieldErrors } from './form-errors';
import { EMPTY_MATCH, MATCH_FIELDS, matchOf, type MatchFormValues } from './rule-form';

export const DURATION_UNITS = { minutes: 1, hours: 60, days: 24 * 60 } as const;
export type DurationUnit = keyof typeof DURATION_UNITS;

/** The silence form as typed: a matcher, then how long (for an amount of time, or until a moment), and why. */
export interface SilenceFormValues extends MatchFormValues {
  ends: 'for' | 'until';
  amount: string;
  unit: DurationUnit;
  /** A `datetime-local` value, in the browser's time zone. */
  until: string;
  reason: string;
}

export const EMPTY_SILENCE: SilenceFormValues = { ...EMPTY_MATCH, ends: 'for', amount: '2', unit: 'hours', until: '', reason: '' };

/** Where the contract's issues on a silence land: its end's two spellings on the one end field. */
export const SILENCE_FIELDS = [...MATCH_FIELDS, 'durationMinutes', 'endsAt', 'startsAt', 'reason'];

export type SilenceFields = Omit<AlertSilenceInput, 'startsAt'>;

/** What the form checks before sending: a matcher, an end, a reason. The bounds on the clock are the server's to judge. */
export function checkSilence(values: SilenceFormValues, now = Date.now()): { ok: true; fields: SilenceFields } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const match = matchOf(values);
  if (matchesAnything(match)) errors.match = 'Pick what to silence: a server, a tag, an environment, a severity or a check type.';
  let end: { durationMinutes: number } | { endsAt: number } | null = null;
  if (values.ends === 'for') {
    const amount = Number(values.amount);
    const minutes = Math.round(amount * DURATION_UNITS[values.unit]);
    if (!Number.isFinite(amount) || values.amount.trim() === '' || minutes < 1) errors.durationMinutes = 'How long: at least a minute.';
    else if (minutes > SILENCE_MAX_DAYS * 24 * 60) errors.durationMinutes = `At most ${SILENCE_MAX_DAYS} days.`;
    else end = { durationMinutes: minutes };
  } else {
    const endsAt = new Date(values.until).getTime();
    if (values.until === '' || Number.isNaN(endsAt)) errors.endsAt = 'Until when: pick a date and time.';
    else if (endsAt <= now) errors.endsAt = 'Pick a moment in the future.';
    else end = { endsAt };
  }
  if (values.reason.trim() === '') errors.reason = 'Say why, for whoever wonders later why nobody was told.';
  if (Object.keys(errors).length > 0 || !end) return { ok: false, errors };
  return { ok: true, fields: { match, ...end, reason: values.reason.trim() } };
}

import { Field } from '../../ui/Field';
import { optionalWholeNumber, RATE_HELP, wholeNumber, type ChannelFieldsProps, type ConfigValues } from './types';

/**
 * How a channel sends, which the webhook, email and chat types all ask the same way: how long to
 * wait for an answer, how many at once, how many a minute, and (where it connects over TLS itself)
 * whether to check the certificate. The help differs by type: its limits and what it sends.
 */
export function SendingFields({ values, errors, onChange, timeoutHelp, concurrentHelp }: ChannelFieldsProps & { timeoutHelp: string; concurrentHelp: string }) {
  const text = (field: string) => (typeof values[field] === 'string' ? values[field] : '');
  return (
    <div className="form__row form__row--even">
      <Field label="Timeout (ms)" error={errors['config.timeoutMs']} help={timeoutHelp} testId="channel-config-timeout">
        {(control) => (
          <input {...control} className="input" inputMode="numeric" value={text('timeoutMs')} onChange={(event) => onChange('timeoutMs', event.target.value)} />
        )}
      </Field>
      <Field label="At once" error={errors['config.maxConcurrent']} help={concurrentHelp} testId="channel-config-concurrent">
        {(control) => (
          <input
            {...control}
            className="input"
            inputMode="numeric"
            value={text('maxConcurrent')}
            onChange={(event) => onChange('maxConcurrent', event.target.value)}
          />
        )}
      </Field>
      <Field label="Per minute" error={errors['config.ratePerMinute']} help={RATE_HELP} testId="channel-config-rate">
        {(control) => (
          <input
            {...control}
            className="input"
            inputMode="numeric"
            value={text('ratePerMinute')}
            onChange={(event) => onChange('ratePerMinute', event.target.value)}
          />
        )}
      </Field>
    </div>
  );
}

/** The TLS checkbox: on unless turned off, with the contract's error under it. `peer` names what presents the certificate. */
export function VerifyTlsField({ values, errors, onChange, peer }: ChannelFieldsProps & { peer: string }) {
  return (
    <>
      <label className="checkbox">
        <input type="checkbox" checked={values.verifyTls !== false} onChange={(event) => onChange('verifyTls', event.target.checked)} />
        Check the {peer}’s TLS certificate (turn off only for a self-signed one you trust)
      </label>
      {errors['config.verifyTls'] ? <p className="field__error">{errors['config.verifyTls']}</p> : null}
    </>
  );
}

/** The timeout, "at once" and the rate limit as numbers, with an error under each that is not one. */
export function sendingConfig(
  values: ConfigValues,
): { timeoutMs: number; maxConcurrent: number; ratePerMinute: number | null } | { errors: Record<string, string> } {
  const timeoutMs = wholeNumber(values.timeoutMs, 'The timeout');
  const maxConcurrent = wholeNumber(values.maxConcurrent, 'At once');
  const ratePerMinute = optionalWholeNumber(values.ratePerMinute, 'Per minute');
  if (typeof timeoutMs === 'number' && typeof maxConcurrent === 'number' && typeof ratePerMinute !== 'string')
    return { timeoutMs, maxConcurrent, ratePerMinute };
  const errors: Record<string, string> = {};
  if (typeof timeoutMs === 'string') errors['config.timeoutMs'] = timeoutMs;
  if (typeof maxConcurrent === 'string') errors['config.maxConcurrent'] = maxConcurrent;
  if (typeof ratePerMinute === 'string') errors['config.ratePerMinute'] = ratePerMinute;
  return { errors };
}

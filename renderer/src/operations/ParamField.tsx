import { Field } from '../ui/Field';
import { formatCount, plural } from '../ui/format';
import { PasswordField } from '../ui/PasswordField';
import type { GivenParam } from './runbook-form';

/** What a parameter takes, in words, after its description: its limits and its default. */
function helpOf(param: GivenParam): string {
  const parts = [param.description];
  if (param.type === 'string') {
    if (param.secret) parts.push('Secret: used for this run only, never kept or shown.');
    if (param.pattern !== undefined) parts.push(`Matches ${param.pattern}.`);
  }
  if (param.type === 'number') {
    const range = [param.min !== undefined && `at least ${param.min}`, param.max !== undefined && `at most ${param.max}`].filter(Boolean).join(', ');
    parts.push(`${param.integer ? 'A whole number' : 'A number'}${range ? `, ${range}` : ''}.`);
  }
  if (param.default !== undefined) parts.push(`Left empty: ${param.default}.`);
  else if (!param.required) parts.push('Optional.');
  return parts.filter(Boolean).join(' ');
}

/**
 * One runbook parameter as the runner gives it: text, a number, one of its options, or a secret
 * typed into a password input (never shown, never filled in again). Named by its variable name,
 * which is what the script reads.
 */
export function ParamField({
  param,
  value,
  error,
  testIdPrefix,
  onChange,
}: {
  param: GivenParam;
  value: string;
  error: string | undefined;
  testIdPrefix: string;
  onChange(value: string): void;
}) {
  const testId = `${testIdPrefix}-param-${param.name}`;
  const help = helpOf(param);
  if (param.type === 'string' && param.secret) {
    return <PasswordField label={param.name} testId={testId} value={value} onChange={onChange} error={error} help={help} autoComplete="off" />;
  }
  return (
    <Field label={param.name} error={error} help={help} testId={testId}>
      {(control) =>
        param.type === 'choice' ? (
          <select {...control} className="input select" value={value} onChange={(event) => onChange(event.target.value)}>
            {param.default === undefined ? <option value="">{param.required ? 'Choose one' : 'None'}</option> : null}
            {param.options.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        ) : (
          <input
            {...control}
            className="input mono"
            inputMode={param.type === 'number' ? 'decimal' : undefined}
            autoComplete="off"
            spellCheck={false}
            value={value}
            onChange={(event) => onChange(event.target.value)}
          />
        )
      }
    </Field>
  );
}

/** A dangerous runbook's confirmation: the runner types the number of servers it will run on. */
export function ConfirmCountField({
  count,
  value,
  error,
  testId,
  onChange,
}: {
  count: number;
  value: string;
  error: string | undefined;
  testId: string;
  onChange(value: string): void;
}) {
  return (
    <Field
      label="Type the number of servers to confirm"
      error={error}
      help={`The runbook is marked dangerous: type ${formatCount(count)} to run it on ${plural(count, 'server', 'servers')}.`}
      testId={testId}
    >
      {(control) => (
        <input {...control} className="input" inputMode="numeric" autoComplete="off" value={value} onChange={(event) => onChange(event.target.value)} />
      )}
    </Field>
  );
}

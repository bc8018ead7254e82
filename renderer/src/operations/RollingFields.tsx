import type { FieldErrors } from '../alerts/form-errors';
import { Field } from '../ui/Field';
import type { RollingValues } from './run-form';

/**
 * A rolling run's batch size and failure threshold, folded away until wanted (open when it holds
 * a value or an error): left empty, the run is one batch, as before.
 */
export function RollingFields({
  values,
  errors,
  testIdPrefix,
  onChange,
}: {
  values: RollingValues;
  errors: FieldErrors;
  testIdPrefix: string;
  onChange(patch: Partial<RollingValues>, errorKey: string): void;
}) {
  const open = values.batchSize !== '' || errors['rolling.batchSize'] !== undefined || errors['rolling.maxFailPercent'] !== undefined;
  return (
    <details className="form__more" open={open || undefined} data-testid={`${testIdPrefix}-rolling`}>
      <summary>Rolling: in batches, stopping at a failure threshold</summary>
      <div className="form__row form__row--even">
        <Field
          label="Batch size"
          error={errors['rolling.batchSize'] ?? errors.rolling}
          help="Servers per batch, e.g. 2, or a percentage of them, e.g. 25%. Empty: all at once."
          testId={`${testIdPrefix}-batch-size`}
        >
          {(control) => (
            <input
              {...control}
              className="input"
              autoComplete="off"
              value={values.batchSize}
              onChange={(event) => onChange({ batchSize: event.target.value }, 'rolling.batchSize')}
            />
          )}
        </Field>
        <Field
          label="Stop past (% failed)"
          error={errors['rolling.maxFailPercent']}
          help="After a batch, stop when more than this share of all servers failed; 0 stops at the first."
          testId={`${testIdPrefix}-max-fail`}
        >
          {(control) => (
            <input
              {...control}
              className="input"
              inputMode="numeric"
              value={values.maxFailPercent}
              onChange={(event) => onChange({ maxFailPercent: event.target.value }, 'rolling.maxFailPercent')}
            />
          )}
        </Field>
      </div>
    </details>
  );
}

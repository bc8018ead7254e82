import { useState, type FormEvent } from 'react';
import { SILENCE_MAX_DAYS, type AlertSilence } from '@shared/api/alerts';
import { useMethodMutation } from '../api/hooks';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';
import { MatchFields } from './MatchFields';
import { useFormErrors } from './use-form-errors';
import { checkSilence, DURATION_UNITS, EMPTY_SILENCE, SILENCE_FIELDS, type DurationUnit, type SilenceFormValues } from './silence-form';

/** Add a silence: what it matches (as a rule does), for how long or until when, and why. */
export function SilenceDialog({ onClose }: { onClose(): void }) {
  const [values, setValues] = useState<SilenceFormValues>(EMPTY_SILENCE);
  const { errors, banner, formRef, clear, show, showRefusal } = useFormErrors();
  const add = useMethodMutation('alerts.addSilence');

  const edit = <K extends keyof SilenceFormValues>(field: K, value: SilenceFormValues[K], errorKey: string) => {
    setValues((current) => ({ ...current, [field]: value }));
    clear(errorKey);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (add.isPending) return;
    const checked = checkSilence(values);
    if (!checked.ok) return show(checked.errors, null);
    add.mutate(checked.fields, {
      onSuccess: () => {
        toast.success('Added the silence');
        onClose();
      },
      onError: (error) => showRefusal(error, SILENCE_FIELDS),
    });
  };

  const endError = values.ends === 'for' ? (errors.durationMinutes ?? errors.endsAt) : (errors.endsAt ?? errors.durationMinutes);

  return (
    <Dialog
      title="Add silence"
      description="While it lasts, incidents it matches still open and show here, but no channel is told. If one is still open when the silence ends, its channels are told then."
      onClose={onClose}
      testId="silence-dialog"
      size="large"
    >
      <form ref={formRef} className="dialog__body form" onSubmit={submit} noValidate aria-busy={add.isPending}>
        <ErrorBanner error={banner} testId="silence-form-error" />
        <MatchFields prefix="silence-form" values={values} errors={errors} edit={edit} />
        <fieldset className="fieldset">
          <legend className="field__label">Ends</legend>
          <label className="checkbox">
            <input type="radio" name="silence-ends" checked={values.ends === 'for'} onChange={() => edit('ends', 'for', 'endsAt')} />
            After a while
          </label>
          <label className="checkbox">
            <input type="radio" name="silence-ends" checked={values.ends === 'until'} onChange={() => edit('ends', 'until', 'durationMinutes')} />
            At a date and time
          </label>
        </fieldset>
        {values.ends === 'for' ? (
          <div className="form__row">
            <Field label="For" error={endError} help={`At most ${SILENCE_MAX_DAYS} days.`} testId="silence-form-amount">
              {(control) => (
                <input
                  {...control}
                  className="input input--port"
                  inputMode="decimal"
                  value={values.amount}
                  onChange={(event) => edit('amount', event.target.value, 'durationMinutes')}
                />
              )}
            </Field>
            <Field label="Unit" testId="silence-form-unit">
              {(control) => (
                <select
                  {...control}
                  className="input select"
                  value={values.unit}
                  onChange={(event) => edit('unit', event.target.value as DurationUnit, 'durationMinutes')}
                >
                  {Object.keys(DURATION_UNITS).map((unit) => (
                    <option key={unit} value={unit}>
                      {unit}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
        ) : (
          <Field label="Until" error={endError} help={`Your local time; at most ${SILENCE_MAX_DAYS} days from now.`} testId="silence-form-until">
            {(control) => (
              <input
                {...control}
                className="input"
                type="datetime-local"
                value={values.until}
                onChange={(event) => edit('until', event.target.value, 'endsAt')}
              />
            )}
          </Field>
        )}
        <Field label="Reason" error={errors.reason} help="Kept with the silence and in the audit log." testId="silence-form-reason">
          {(control) => (
            <input {...control} className="input" autoComplete="off" value={values.reason} onChange={(event) => edit('reason', event.target.value, 'reason')} />
          )}
        </Field>
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={add.isPending}>
            {add.isPending ? 'Adding…' : 'Add silence'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}

/** Ends a silence now, saying why if one likes (the audit log keeps it); what it held back for incidents still open goes out. */
export function ExpireSilenceDialog({ silence, onClose }: { silence: AlertSilence; onClose(): void }) {
  const [reason, setReason] = useState('');
  const expire = useMethodMutation('alerts.expireSilence');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (expire.isPending) return;
    expire.mutate(
      { id: silence.id, ...(reason.trim() ? { reason: reason.trim() } : {}) },
      {
        onSuccess: () => {
          toast.success('Expired the silence');
          onClose();
        },
      },
    );
  };
  return (
    <Dialog title="Expire this silence?" onClose={onClose} size="small" testId="silence-expire-dialog">
      <form className="dialog__body form" onSubmit={submit} noValidate aria-busy={expire.isPending}>
        <p>
          <strong>{silence.reason}</strong> stops holding anything back now. Incidents it held back that are still open are sent to their channels.
        </p>
        <ErrorBanner error={expire.error} testId="silence-expire-error" />
        <Field label="Why it ends early" help="Optional; kept in the audit log." testId="silence-expire-reason">
          {(control) => <input {...control} className="input" autoComplete="off" value={reason} onChange={(event) => setReason(event.target.value)} />}
        </Field>
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onClose} data-autofocus>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={expire.isPending}>
            {expire.isPending ? 'Expiring…' : 'Expire now'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}

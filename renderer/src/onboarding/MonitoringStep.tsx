import { useState, type FormEvent } from 'react';
import type { ValidationIssue } from '@shared/api';
import { monitoringUpdateSettings, type MonitoringDefaults } from '@shared/api/monitoring';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { secondsText } from '../health/health-format';
import { busyProps } from '../ui/busy';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';

type Values = { interval: string; timeout: string; retries: string };
type Errors = Partial<Record<keyof Values, string>>;

const FIELD_OF: Record<string, keyof Values> = { intervalMs: 'interval', timeoutMs: 'timeout', retries: 'retries' };

function valuesOf(defaults: MonitoringDefaults): Values {
  return { interval: secondsText(defaults.intervalMs), timeout: secondsText(defaults.timeoutMs), retries: String(defaults.retries) };
}

const NUMBER = /^\d+(\.\d+)?$/;

/** The typed seconds as monitoring.updateSettings' input, for its schema to judge. */
export function defaultsInput(values: Values): unknown {
  const ms = (text: string) => (NUMBER.test(text.trim()) ? Math.round(Number(text) * 1000) : text);
  const retries = values.retries.trim();
  return { defaults: { intervalMs: ms(values.interval), timeoutMs: ms(values.timeout), retries: /^\d+$/.test(retries) ? Number(retries) : retries } };
}

function place(issues: readonly ValidationIssue[], values: Values): Errors {
  const errors: Errors = {};
  for (const issue of issues) {
    const field = FIELD_OF[String(issue.path[issue.path.length - 1])];
    if (!field) continue;
    const seconds = field !== 'retries' && !NUMBER.test(values[field].trim());
    errors[field] ??= seconds ? 'Enter a number of seconds' : issue.message;
  }
  return errors;
}

function DefaultsForm({ initial, onDone }: { initial: MonitoringDefaults; onDone(): void }) {
  const [values, setValues] = useState<Values>(() => valuesOf(initial));
  const [errors, setErrors] = useState<Errors>({});
  const update = useMethodMutation('monitoring.updateSettings');

  const edit = (patch: Partial<Values>) => {
    setValues((current) => ({ ...current, ...patch }));
    setErrors({});
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (update.isPending) return;
    const parsed = monitoringUpdateSettings.input.safeParse(defaultsInput(values));
    if (!parsed.success) {
      return setErrors(
        place(
          parsed.error.issues.map((issue) => ({ path: issue.path.filter((p) => typeof p !== 'symbol'), message: issue.message })),
          values,
        ),
      );
    }
    update.mutate(parsed.data, { onSuccess: onDone, onError: (error) => setErrors(place(error.issues ?? [], values)) });
  };

  return (
    <form className="form" onSubmit={submit} noValidate aria-busy={update.isPending} aria-label="Monitoring defaults">
      <p className="auth-card__text">
        Guardian checks your servers in the background. These are how often, how long it waits for an answer, and how many times it tries again before calling a
        server down. Every check starts with them; you can change any one later.
      </p>
      <ErrorBanner error={update.error && !update.error.issues?.length ? update.error : null} testId="monitoring-step-error" />
      <div className="form__row form__row--even">
        <Field label="Check every (seconds)" error={errors.interval} help="10 seconds to 24 hours" testId="wizard-monitoring-interval">
          {(control) => (
            <input
              {...control}
              className="input"
              inputMode="decimal"
              autoFocus
              value={values.interval}
              onChange={(event) => edit({ interval: event.target.value })}
            />
          )}
        </Field>
        <Field label="Timeout (seconds)" error={errors.timeout} help="How long to wait for an answer" testId="wizard-monitoring-timeout">
          {(control) => (
            <input {...control} className="input" inputMode="decimal" value={values.timeout} onChange={(event) => edit({ timeout: event.target.value })} />
          )}
        </Field>
      </div>
      <Field label="Retries" error={errors.retries} help="Tries again this many times before a failure counts" testId="wizard-monitoring-retries">
        {(control) => (
          <input
            {...control}
            className="input input--port"
            inputMode="numeric"
            value={values.retries}
            onChange={(event) => edit({ retries: event.target.value })}
          />
        )}
      </Field>
      <div className="form__actions">
        <button type="submit" className="button button--primary" {...busyProps(update.isPending)}>
          {update.isPending ? 'Saving…' : 'Continue'}
        </button>
      </div>
    </form>
  );
}

/** The monitoring defaults (interval, timeout, retries), before the first server gets its check. */
export function MonitoringStep({ onDone }: { onDone(): void }) {
  const settings = useMethodQuery('monitoring.settings', {}, { staleTime: 0 });
  if (settings.data) return <DefaultsForm initial={settings.data.defaults} onDone={onDone} />;
  if (settings.error) {
    return (
      <div className="form">
        <ErrorBanner error={settings.error} testId="monitoring-step-error" />
        <div className="form__actions">
          <button type="button" className="button" onClick={onDone}>
            Skip
          </button>
          <button type="button" className="button button--primary" onClick={() => void settings.refetch()}>
            Try again
          </button>
        </div>
      </div>
    );
  }
  return (
    <p className="muted" role="status">
      <span className="spinner" aria-hidden="true" /> Loading the monitoring defaults…
    </p>
  );
}

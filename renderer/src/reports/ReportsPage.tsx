import { useState, type FormEvent, type ReactNode } from 'react';
import type { AppError } from '@shared/api';
import { REPORT_FORMATS, REPORT_TITLES, REPORT_TYPES, type ReportFormat, type ReportType } from '@shared/api/reports';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { useCan } from '../auth/session';
import { useSeedJob } from '../jobs/use-job';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';
import { formatCount } from '../ui/format';
import { PageHeader } from '../ui/PageParts';
import { formErrors, initialForm, PERIOD_CHOICES, reportInput, type FormErrors, type FormField, type ReportForm, type ScopeChoice } from './report-form';
import { ReportJobDialog } from './ReportJobDialog';
import './reports.css';

const TYPE_NOTES: Record<ReportType, string> = {
  uptime: 'Uptime, incidents and downtime per server, measured against an SLA target.',
  inventory: 'Every server with its address, environment, tags, checks and current status.',
  'audit-summary': 'Who did what in the period: counts by method, actor and outcome, and the failures.',
};

const FORMAT_LABELS: Record<ReportFormat, string> = { csv: 'CSV', json: 'JSON', html: 'HTML', pdf: 'PDF' };

/** The messages a change to a field makes stale. */
const CLEARS: Partial<Record<keyof ReportForm, readonly FormField[]>> = {
  period: ['period', 'from', 'to'],
  from: ['period', 'from'],
  to: ['period', 'to'],
  scope: ['tag', 'environment'],
  tag: ['tag'],
  environment: ['environment'],
  slaTarget: ['slaTarget'],
};

const SCOPE_LABELS: Record<ScopeChoice, string> = { all: 'All servers', tag: 'With a tag', environment: 'In an environment' };

function Choices<T extends string>({
  legend,
  name,
  value,
  options,
  onChange,
  error,
}: {
  legend: string;
  name: string;
  value: T;
  options: readonly { value: T; label: string }[];
  onChange(value: T): void;
  error?: string | undefined;
}) {
  return (
    <fieldset className="fieldset report-form__choices">
      <legend className="field__label">{legend}</legend>
      <div className="segmented">
        {options.map((option) => (
          <label key={option.value} className="segmented__option">
            <input
              type="radio"
              className="visually-hidden"
              name={name}
              value={option.value}
              checked={value === option.value}
              onChange={() => onChange(option.value)}
            />
            {option.label}
          </label>
        ))}
      </div>
      {error ? <p className="field__error">{error}</p> : null}
    </fieldset>
  );
}

function Section({ children }: { children: ReactNode }) {
  return <div className="report-form__section">{children}</div>;
}

/** Reports for others (the auditor's monthly flow): pick what, when, which servers and the format; then the file. */
export function ReportsPage() {
  const can = useCan();
  const [form, setForm] = useState<ReportForm>(() => initialForm());
  const [errors, setErrors] = useState<FormErrors>({});
  const [formError, setFormError] = useState<Pick<AppError, 'message' | 'hint'> | null>(null);
  const [running, setRunning] = useState<{ jobId: string; type: ReportType } | null>(null);
  const facets = useMethodQuery('servers.facets', {});
  const generate = useMethodMutation('reports.generate');
  const seedJob = useSeedJob();
  const types = REPORT_TYPES.filter((type) => type !== 'audit-summary' || can('audit:read'));

  const edit = <K extends keyof ReportForm>(field: K, value: ReportForm[K]) => {
    setForm((current) => ({ ...current, [field]: value }));
    setErrors((current) => {
      const next = { ...current };
      for (const cleared of CLEARS[field] ?? []) delete next[cleared];
      return next;
    });
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setFormError(null);
    const checked = reportInput(form);
    if (!checked.ok) {
      setErrors(checked.errors);
      if (checked.other.length) setFormError({ message: checked.other.join(' '), hint: 'Correct the choices above and try again.' });
      return;
    }
    setErrors({});
    generate.mutate(checked.input, {
      onSuccess: (job) => {
        seedJob(job);
        setRunning({ jobId: job.id, type: form.type });
      },
      onError: (error) => {
        const placed = error.issues?.length ? formErrors(error.issues) : { errors: {}, other: [] };
        setErrors(placed.errors);
        const allPlaced = Object.keys(placed.errors).length > 0 && placed.other.length === 0;
        setFormError(allPlaced ? null : { message: placed.other.length ? placed.other.join(' ') : error.message, hint: error.hint });
      },
    });
  };

  const tags = facets.data?.tags ?? [];
  // A server without an environment ('') is in no environment to choose.
  const environments = (facets.data?.environments ?? []).filter((env) => env.value !== '');
  const serversApply = form.type !== 'audit-summary';

  return (
    <>
      <div className="page page--scroll" inert={running !== null}>
        <PageHeader title="Reports" />
        <form className="panel report-form" onSubmit={submit} noValidate aria-busy={generate.isPending} aria-label="New report">
          <Section>
            <Choices
              legend="Report"
              name="report-type"
              value={form.type}
              options={types.map((type) => ({ value: type, label: REPORT_TITLES[type] }))}
              onChange={(type) => edit('type', type)}
            />
            <p className="muted">{TYPE_NOTES[form.type]}</p>
          </Section>
          <Section>
            <Choices
              legend="Period"
              name="report-period"
              value={form.period}
              options={PERIOD_CHOICES}
              onChange={(period) => edit('period', period)}
              error={errors.period}
            />
            {form.period === 'custom' ? (
              <div className="form__row form__row--even report-form__dates">
                <Field label="First day" error={errors.from} testId="report-from">
                  {(control) => <input {...control} className="input" type="date" value={form.from} onChange={(event) => edit('from', event.target.value)} />}
                </Field>
                <Field label="Last day" error={errors.to} help="Included" testId="report-to">
                  {(control) => <input {...control} className="input" type="date" value={form.to} onChange={(event) => edit('to', event.target.value)} />}
                </Field>
              </div>
            ) : null}
          </Section>
          {serversApply ? (
            <Section>
              <Choices
                legend="Servers"
                name="report-scope"
                value={form.scope}
                options={(Object.keys(SCOPE_LABELS) as ScopeChoice[]).map((scope) => ({ value: scope, label: SCOPE_LABELS[scope] }))}
                onChange={(scope) => edit('scope', scope)}
              />
              {form.scope === 'tag' ? (
                <Field label="Tag" error={errors.tag} testId="report-tag">
                  {(control) => (
                    <select {...control} className="input select report-form__narrow" value={form.tag} onChange={(event) => edit('tag', event.target.value)}>
                      <option value="">Pick a tag</option>
                      {tags.map((tag) => (
                        <option key={tag.value} value={tag.value}>
                          {tag.value} ({formatCount(tag.count)})
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
              ) : null}
              {form.scope === 'environment' ? (
                <Field label="Environment" error={errors.environment} testId="report-environment">
                  {(control) => (
                    <select
                      {...control}
                      className="input select report-form__narrow"
                      value={form.environment}
                      onChange={(event) => edit('environment', event.target.value)}
                    >
                      <option value="">Pick an environment</option>
                      {environments.map((env) => (
                        <option key={env.value} value={env.value}>
                          {env.value} ({formatCount(env.count)})
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
              ) : null}
            </Section>
          ) : null}
          <Section>
            <Choices
              legend="Format"
              name="report-format"
              value={form.format}
              options={REPORT_FORMATS.map((format) => ({ value: format, label: FORMAT_LABELS[format] }))}
              onChange={(format) => edit('format', format)}
            />
          </Section>
          {form.type === 'uptime' ? (
            <Section>
              <Field label="SLA target (%)" help="Each server's uptime is measured against it." error={errors.slaTarget} testId="report-sla">
                {(control) => (
                  <input
                    {...control}
                    className="input input--port"
                    inputMode="decimal"
                    value={form.slaTarget}
                    onChange={(event) => edit('slaTarget', event.target.value)}
                  />
                )}
              </Field>
            </Section>
          ) : null}
          <ErrorBanner error={formError} testId="report-error" />
          <div>
            <button type="submit" className="button button--primary" disabled={generate.isPending}>
              {generate.isPending ? 'Starting…' : 'Generate'}
            </button>
          </div>
        </form>
      </div>
      {running ? <ReportJobDialog jobId={running.jobId} type={running.type} onClose={() => setRunning(null)} /> : null}
    </>
  );
}

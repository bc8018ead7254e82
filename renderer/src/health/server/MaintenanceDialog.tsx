import { useState, type FormEvent } from 'react';
import type { AppError, ValidationIssue } from '@shared/api';
import { maintenanceCreate } from '@shared/api/maintenance';
import { toast } from '../../state/toast-store';
import { Dialog } from '../../ui/Dialog';
import { ErrorBanner } from '../../ui/ErrorBanner';
import { Field } from '../../ui/Field';
import type { ServerTarget } from '../editor/check-form';
import { useMethodMutation } from '../../api/hooks';

type Kind = 'once' | 'recurring';

interface WindowForm {
  name: string;
  kind: Kind;
  startsAt: string;
  endsAt: string;
  cron: string;
  durationMinutes: string;
  timezone: string;
}

/** A time as a datetime-local input shows it, in the local zone. */
export function localInputValue(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function initialForm(now: number): WindowForm {
  const start = Math.ceil(now / 300_000) * 300_000;
  return {
    name: '',
    kind: 'once',
    startsAt: localInputValue(start),
    endsAt: localInputValue(start + 3_600_000),
    cron: '0 2 * * 0',
    durationMinutes: '60',
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
  };
}

const epoch = (text: string): number | string => {
  const value = new Date(text).getTime();
  return Number.isNaN(value) ? text : value;
};

/** maintenance.create's raw input for the form, for the contract's schema to judge. */
export function windowInput(serverId: string, form: WindowForm): unknown {
  const schedule =
    form.kind === 'once'
      ? { kind: 'once', startsAt: epoch(form.startsAt), endsAt: epoch(form.endsAt) }
      : {
          kind: 'recurring',
          cron: form.cron,
          durationMinutes: /^\d+$/.test(form.durationMinutes.trim()) ? Number(form.durationMinutes) : form.durationMinutes,
          timezone: form.timezone,
        };
  return { name: form.name, scope: { serverIds: [serverId], tags: [] }, schedule };
}

/** 'name', or the schedule field ('endsAt', 'cron', …) an issue is about; '' for the rest. */
function issueKey(issue: ValidationIssue): string {
  if (issue.path[0] === 'name') return 'name';
  if (issue.path[0] === 'schedule' && typeof issue.path[1] === 'string' && issue.path[1] !== 'kind') return issue.path[1];
  return '';
}

function place(issues: readonly ValidationIssue[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) errors[issueKey(issue)] ??= issue.message;
  return errors;
}

/** Add a one-off or recurring maintenance window for the server. */
export function MaintenanceDialog({ server, onClose }: { server: ServerTarget; onClose(): void }) {
  const [form, setForm] = useState<WindowForm>(() => initialForm(Date.now()));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<AppError | null>(null);
  const create = useMethodMutation('maintenance.create');

  const edit = (patch: Partial<WindowForm>) => {
    setForm((current) => ({ ...current, ...patch }));
    setErrors({});
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (create.isPending) return;
    setFailure(null);
    const parsed = maintenanceCreate.input.safeParse(windowInput(server.id, form));
    if (!parsed.success) {
      return setErrors(place(parsed.error.issues.map((issue) => ({ path: issue.path.filter((p) => typeof p !== 'symbol'), message: issue.message }))));
    }
    create.mutate(parsed.data, {
      onSuccess: (window) => {
        toast.success(`Added the window ${window.name}`);
        onClose();
      },
      onError: (error) => {
        if (error.issues?.length) setErrors(place(error.issues));
        else setFailure(error);
      },
    });
  };

  const text = (key: keyof WindowForm) => ({ value: form[key], onChange: (event: { target: { value: string } }) => edit({ [key]: event.target.value }) });

  return (
    <Dialog
      title="Add a maintenance window"
      description={`For ${server.name}: checks keep running, incidents are held back.`}
      onClose={onClose}
      testId="maintenance-dialog"
    >
      <form className="dialog__body form" onSubmit={submit} noValidate aria-busy={create.isPending}>
        <ErrorBanner error={failure ?? (errors[''] ? { message: errors[''], hint: '' } : null)} />
        <Field label="Name" error={errors.name} help="e.g. Kernel upgrade" testId="maintenance-name">
          {(control) => <input {...control} className="input" autoComplete="off" {...text('name')} data-autofocus />}
        </Field>
        <div className="segmented" role="radiogroup" aria-label="When">
          {(['once', 'recurring'] as const).map((kind) => (
            <label key={kind} className="segmented__option">
              <input type="radio" name="maintenance-kind" value={kind} checked={form.kind === kind} onChange={() => edit({ kind })} />
              {kind === 'once' ? 'One-off' : 'Recurring'}
            </label>
          ))}
        </div>
        {form.kind === 'once' ? (
          <div className="form__row form__row--even">
            <Field label="Starts" error={errors.startsAt} testId="maintenance-starts">
              {(control) => <input {...control} type="datetime-local" className="input" {...text('startsAt')} />}
            </Field>
            <Field label="Ends" error={errors.endsAt} testId="maintenance-ends">
              {(control) => <input {...control} type="datetime-local" className="input" {...text('endsAt')} />}
            </Field>
          </div>
        ) : (
          <div className="form__row form__row--even">
            <Field label="Opens at (cron)" error={errors.cron} help="minute hour day month weekday, e.g. 0 2 * * 0" testId="maintenance-cron">
              {(control) => <input {...control} className="input mono" spellCheck={false} {...text('cron')} />}
            </Field>
            <Field label="Lasts (minutes)" error={errors.durationMinutes} testId="maintenance-duration">
              {(control) => <input {...control} className="input" inputMode="numeric" {...text('durationMinutes')} />}
            </Field>
            <Field label="Time zone" error={errors.timezone} testId="maintenance-timezone">
              {(control) => <input {...control} className="input" spellCheck={false} {...text('timezone')} />}
            </Field>
          </div>
        )}
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={create.isPending}>
            {create.isPending ? 'Adding…' : 'Add window'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}

import { useId, useRef, useState, type FormEvent } from 'react';
import type { AppError } from '@shared/api';
import type { Schedule } from '@shared/api/schedules';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { useCan } from '../auth/session';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';
import {
  checkForm,
  paramNames,
  paramsTemplate,
  scheduleErrors,
  SCHEDULE_FIELDS,
  takesParams,
  valuesFrom,
  viewerZone,
  type ScheduleErrors,
  type ScheduleField,
  type ScheduleFormValues,
} from './schedule-form';

const ZONES: readonly string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];

interface ScheduleDialogProps {
  /** The schedule to edit; absent to add one. */
  schedule?: Schedule;
  onClose(): void;
}

/** Add or edit a schedule; the contract's validation errors appear under their fields. */
export function ScheduleDialog({ schedule, onClose }: ScheduleDialogProps) {
  const [values, setValues] = useState<ScheduleFormValues>(() => valuesFrom(schedule, viewerZone()));
  const [errors, setErrors] = useState<ScheduleErrors>({});
  const [formError, setFormError] = useState<Pick<AppError, 'message' | 'hint'> | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const zonesId = useId();
  const tasks = useMethodQuery('schedules.tasks', {});
  const outputFolders = useMethodQuery('schedules.outputFolders', {});
  const can = useCan();
  const create = useMethodMutation('schedules.create');
  const update = useMethodMutation('schedules.update');
  const pending = create.isPending || update.isPending;
  const task = tasks.data?.items.find((candidate) => candidate.kind === values.task);

  const edit = <K extends keyof ScheduleFormValues>(field: K, value: ScheduleFormValues[K]) => {
    setValues((current) => ({ ...current, [field]: value }));
    setErrors((current) => {
      if (!(field in current)) return current;
      const next = { ...current };
      delete next[field as ScheduleField];
      return next;
    });
  };

  const pickTask = (kind: string) => {
    const next = tasks.data?.items.find((candidate) => candidate.kind === kind);
    // Params nobody has edited yet follow the task: they start as the new task's template.
    const untouched = values.params.trim() === '{}' || values.params === paramsTemplate(task);
    edit('task', kind);
    if (untouched) edit('params', paramsTemplate(next));
  };

  const show = (next: ScheduleErrors, banner: Pick<AppError, 'message' | 'hint'> | null) => {
    setErrors(next);
    setFormError(banner);
    const first = SCHEDULE_FIELDS.find((field) => next[field] !== undefined);
    if (first) form.current?.querySelector<HTMLElement>(`[data-testid="schedule-form-${first}"]`)?.focus();
  };

  const onFailure = (error: AppError) => {
    const placed = error.issues?.length ? scheduleErrors(error.issues) : { errors: {}, other: [] };
    const allPlaced = Object.keys(placed.errors).length > 0 && placed.other.length === 0;
    show(placed.errors, allPlaced ? null : { message: placed.other.length ? placed.other.join(' ') : error.message, hint: error.hint });
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (pending) return;
    const checked = checkForm(values, task);
    if (!checked.ok) return show(checked.errors, null);
    const { fields } = checked;
    const saved = (result: Schedule) => {
      toast.success(`${schedule ? 'Saved' : 'Added'} the schedule ${result.name}`);
      onClose();
    };
    if (schedule) {
      update.mutate({ id: schedule.id, ...fields }, { onSuccess: saved, onError: onFailure });
    } else {
      const { timezone, ...rest } = fields;
      create.mutate(timezone === '' ? rest : { ...rest, timezone }, { onSuccess: saved, onError: onFailure });
    }
  };

  const params = takesParams(task);
  // A task's folder param may name only a folder inside one of these (the owner sets the list).
  const folders = paramNames(task).includes('folder') && outputFolders.data ? [outputFolders.data.default, ...outputFolders.data.folders] : null;
  const paramsHelp = `A JSON object with: ${paramNames(task).join(', ')}${folders ? `. "folder" must be inside ${folders.join(', ')}` : ''}`;

  return (
    <Dialog
      title={schedule ? `Edit ${schedule.name}` : 'Add schedule'}
      description="A task that runs on a cron schedule, in a time zone, while Guardian runs."
      onClose={onClose}
      testId="schedule-dialog"
    >
      <form ref={form} className="dialog__body form" onSubmit={submit} noValidate aria-busy={pending}>
        <ErrorBanner error={formError} testId="schedule-form-error" />
        <Field label="Name" error={errors.name} testId="schedule-form-name">
          {(control) => (
            <input
              {...control}
              className="input"
              value={values.name}
              onChange={(event) => edit('name', event.target.value)}
              autoComplete="off"
              data-autofocus
            />
          )}
        </Field>
        <Field label="Task" error={errors.task} help={task?.summary ?? (tasks.isError ? tasks.error.message : undefined)} testId="schedule-form-task">
          {(control) => (
            <select {...control} className="input select" value={values.task} onChange={(event) => pickTask(event.target.value)}>
              <option value="">{tasks.isPending ? 'Loading tasks…' : 'Pick a task'}</option>
              {tasks.data?.items.map((item) => {
                // A schedule is no way around a permission: the server refuses these too.
                const refused = item.permission !== null && !can(item.permission);
                return (
                  <option key={item.kind} value={item.kind} disabled={refused}>
                    {refused ? `${item.kind} (needs ${item.permission})` : item.kind}
                  </option>
                );
              })}
              {values.task !== '' && tasks.data && !task ? <option value={values.task}>{values.task} (no longer offered)</option> : null}
            </select>
          )}
        </Field>
        {params ? (
          <Field label="Params" error={errors.params} help={paramsHelp} testId="schedule-form-params">
            {(control) => (
              <textarea
                {...control}
                className="input textarea mono"
                rows={5}
                spellCheck={false}
                value={values.params}
                onChange={(event) => edit('params', event.target.value)}
              />
            )}
          </Field>
        ) : null}
        <div className="form__row form__row--even">
          <Field label="Cron" error={errors.cron} help="minute hour day month weekday: 30 2 * * * is 02:30 daily; or @daily" testId="schedule-form-cron">
            {(control) => (
              <input
                {...control}
                className="input mono"
                value={values.cron}
                onChange={(event) => edit('cron', event.target.value)}
                autoComplete="off"
                spellCheck={false}
              />
            )}
          </Field>
          <Field
            label="Time zone"
            error={errors.timezone}
            help={schedule ? undefined : 'Empty: the zone of the machine Guardian runs on'}
            testId="schedule-form-timezone"
          >
            {(control) => (
              <input
                {...control}
                className="input"
                list={zonesId}
                value={values.timezone}
                onChange={(event) => edit('timezone', event.target.value)}
                autoComplete="off"
                spellCheck={false}
              />
            )}
          </Field>
          <datalist id={zonesId}>
            {ZONES.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={values.enabled} onChange={(event) => edit('enabled', event.target.checked)} />
          Enabled
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={values.catchUp} onChange={(event) => edit('catchUp', event.target.checked)} />
          Catch up: run once at start when a due time was missed while Guardian was stopped
        </label>
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={pending}>
            {pending ? 'Saving…' : 'Save'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}

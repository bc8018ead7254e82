import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import type { OperationRunWithTargets } from '@shared/api/operations';
import { useFormErrors } from '../alerts/use-form-errors';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { methodKey } from '../api/query-keys';
import { useSeedJob } from '../jobs/use-job';
import { toast } from '../state/toast-store';
import { ErrorBanner } from '../ui/ErrorBanner';
import { TagEnvironmentFields } from '../servers/TagEnvironmentFields';
import { Field } from '../ui/Field';
import { CloseIcon } from '../ui/icons';
import { formatCount, plural } from '../ui/format';
import { useOperationsView } from './operations-store';
import { checkRun, matchedServers, RUN_FIELDS, runValues, type RunFormValues } from './run-form';

/** Servers the server list reads for the picker and the preview: the contract's most. */
const SERVER_LIMIT = 10_000;
/** Chosen servers shown one by one; past these, a count. */
const CHIPS_SHOWN = 12;
/** Matched servers named in the preview; past these, a count. */
const PREVIEW_SHOWN = 24;

/** The servers named one by one: each removable, and a name to add (the list offers the fleet's names). */
function ServerPicker({
  chosen,
  names,
  byName,
  error,
  onChange,
}: {
  chosen: string[];
  names: ReadonlyMap<string, string>;
  byName: ReadonlyMap<string, string>;
  error: string | undefined;
  onChange(serverIds: string[]): void;
}) {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const inputId = useId();
  const listId = useId();
  const messageId = useId();
  const add = () => {
    const name = text.trim();
    if (!name) return;
    const id = byName.get(name.toLowerCase());
    if (!id) return setProblem(`There is no server named ${name}.`);
    if (!chosen.includes(id)) onChange([...chosen, id]);
    setText('');
    setProblem(null);
  };
  // The form's own error (from the last Run) is newer than a name not found.
  const message = error ?? problem;
  return (
    <div className={`field${message ? ' field--invalid' : ''}`}>
      <label className="field__label" htmlFor={inputId}>
        Servers
      </label>
      {chosen.length > 0 ? (
        <div className="op-chips" data-testid="run-form-chosen">
          {chosen.slice(0, CHIPS_SHOWN).map((id) => (
            <button key={id} type="button" className="op-chip" onClick={() => onChange(chosen.filter((each) => each !== id))}>
              {/* Named by what it shows (WCAG 2.5.3), the word before it for screen readers. */}
              <span className="visually-hidden">Remove </span>
              {names.get(id) ?? 'a deleted server'}
              <CloseIcon />
            </button>
          ))}
          {chosen.length > CHIPS_SHOWN ? <span className="muted">and {formatCount(chosen.length - CHIPS_SHOWN)} more</span> : null}
          <button type="button" className="button button--ghost button--small" onClick={() => onChange([])}>
            Clear servers
          </button>
        </div>
      ) : null}
      <div className="op-picker">
        <input
          id={inputId}
          className="input"
          list={listId}
          autoComplete="off"
          spellCheck={false}
          placeholder="A server’s name"
          value={text}
          aria-invalid={message !== undefined && message !== null}
          aria-describedby={messageId}
          data-testid="run-form-server"
          onChange={(event) => {
            setText(event.target.value);
            setProblem(null);
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              add();
            }
          }}
        />
        <button type="button" className="button" onClick={add} data-testid="run-form-server-add">
          Add server
        </button>
        <datalist id={listId}>
          {[...byName.values()].map((id) => (
            <option key={id} value={names.get(id)} />
          ))}
        </datalist>
      </div>
      <p id={messageId} className={message ? 'field__error' : 'field__help'} data-testid={message ? 'run-form-targets-error' : undefined}>
        {message ?? 'These always run. Besides them: servers with any of the tags and in any of the environments.'}
      </p>
    </div>
  );
}

/** Which servers the selector matches right now, by the service's own rule. */
function Preview({ names, pending }: { names: readonly string[]; pending: boolean }) {
  return (
    <div className="op-preview" data-testid="run-preview">
      <p className="op-preview__count" aria-live="polite">
        {pending ? 'Loading servers…' : names.length === 0 ? 'Matches no server yet.' : `Matches ${plural(names.length, 'server', 'servers')}`}
      </p>
      {names.length > 0 ? (
        <p className="op-preview__names" data-testid="run-preview-names">
          {names.slice(0, PREVIEW_SHOWN).join(', ')}
          {names.length > PREVIEW_SHOWN ? `, and ${formatCount(names.length - PREVIEW_SHOWN)} more` : ''}
        </p>
      ) : null}
    </div>
  );
}

/** Run a command on the servers a selector picks, with a live preview of which those are. */
export function RunForm() {
  const [values, setValues] = useState<RunFormValues>(() => runValues(null));
  const draft = useOperationsView((state) => state.draft);
  const clearDraft = useOperationsView((state) => state.clearDraft);
  const { errors, banner, formRef, clear, show, showRefusal } = useFormErrors();
  const servers = useMethodQuery('servers.list', { limit: SERVER_LIMIT });
  const run = useMethodMutation('operations.run');
  const queryClient = useQueryClient();
  const seedJob = useSeedJob();
  const openRun = useOperationsView((state) => state.openRun);

  // "Run on these" (the servers page, a server's page) hands its servers over once.
  useEffect(() => {
    if (!draft) return;
    setValues((current) => ({ ...runValues(draft), command: current.command }));
    clearDraft();
  }, [draft, clearDraft]);

  const items = useMemo(() => servers.data?.items ?? [], [servers.data]);
  const names = useMemo(() => new Map(items.map((server) => [server.id, server.name])), [items]);
  const byName = useMemo(() => new Map(items.map((server) => [server.name.toLowerCase(), server.id])), [items]);
  const matched = useMemo(() => matchedServers(values, items), [values, items]);

  // A target field's edit also clears the error on the targets as a whole ('targets' for 'targets.tags').
  const edit = <K extends keyof RunFormValues>(field: K, value: RunFormValues[K], errorKey: string) => {
    setValues((current) => ({ ...current, [field]: value }));
    clear(errorKey);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (run.isPending) return;
    const checked = checkRun(values, matched.length);
    if (!checked.ok) return show(checked.errors, null);
    run.mutate(checked.input, {
      onSuccess: ({ job, ...started }) => {
        seedJob(job);
        queryClient.setQueryData<OperationRunWithTargets>(methodKey('operations.get', { id: started.id }), started);
        openRun(started.id);
        toast.success(`Running on ${plural(started.targets.length, 'server', 'servers')}`);
        show({}, null);
      },
      onError: (error) => showRefusal(error, RUN_FIELDS),
    });
  };

  return (
    <form ref={formRef} className="form op-form" onSubmit={submit} noValidate aria-busy={run.isPending} aria-label="Run a command" data-testid="run-form">
      <ErrorBanner error={banner} testId="run-form-error" />
      <Field label="Command" error={errors.command} help="Run by each server’s login shell, as sh -c would." testId="run-form-command">
        {(control) => (
          <textarea
            {...control}
            className="input mono op-form__command"
            rows={2}
            spellCheck={false}
            autoComplete="off"
            value={values.command}
            onChange={(event) => edit('command', event.target.value, 'command')}
          />
        )}
      </Field>
      <ServerPicker
        chosen={values.serverIds}
        names={names}
        byName={byName}
        error={errors.targets ?? errors['targets.serverIds']}
        onChange={(serverIds) => edit('serverIds', serverIds, 'targets.serverIds')}
      />
      <TagEnvironmentFields
        testIdPrefix="run-form"
        tags={{
          value: values.tags,
          error: errors['targets.tags'],
          help: 'Comma-separated: any of them',
          onChange: (value) => edit('tags', value, 'targets.tags'),
        }}
        environments={{
          value: values.environments,
          error: errors['targets.environments'],
          help: 'Comma-separated: any of them',
          onChange: (value) => edit('environments', value, 'targets.environments'),
        }}
      />
      <Preview names={matched.map((server) => server.name)} pending={servers.isPending} />
      <div className="form__row form__row--even">
        <Field label="At a time" error={errors.concurrency} help="Targets running at once (1-200); one per host." testId="run-form-concurrency">
          {(control) => (
            <input
              {...control}
              className="input"
              inputMode="numeric"
              value={values.concurrency}
              onChange={(event) => edit('concurrency', event.target.value, 'concurrency')}
            />
          )}
        </Field>
        <Field label="Timeout (seconds)" error={errors.timeoutSeconds} help="Per target, connecting included." testId="run-form-timeout">
          {(control) => (
            <input
              {...control}
              className="input"
              inputMode="numeric"
              value={values.timeoutSeconds}
              onChange={(event) => edit('timeoutSeconds', event.target.value, 'timeoutSeconds')}
            />
          )}
        </Field>
      </div>
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={run.isPending} data-testid="run-form-submit">
          {run.isPending ? 'Starting…' : matched.length > 0 ? `Run on ${plural(matched.length, 'server', 'servers')}` : 'Run'}
        </button>
      </div>
    </form>
  );
}

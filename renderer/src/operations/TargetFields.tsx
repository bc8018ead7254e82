import { useId, useMemo, useState } from 'react';
import type { FieldErrors } from '../alerts/form-errors';
import { useMethodQuery } from '../api/hooks';
import { TagEnvironmentFields } from '../servers/TagEnvironmentFields';
import { CloseIcon } from '../ui/icons';
import { formatCount, plural } from '../ui/format';
import { matchedServers, type TargetValues } from './run-form';

/** Servers the server list reads for the picker and the preview: the contract's most. */
const SERVER_LIMIT = 10_000;
/** Chosen servers shown one by one; past these, a count. */
const CHIPS_SHOWN = 12;
/** Matched servers named in the preview; past these, a count. */
const PREVIEW_SHOWN = 24;

/** The servers named one by one: each removable, and a name to add (the list offers the fleet's names). */
function ServerPicker({
  testIdPrefix,
  chosen,
  names,
  byName,
  error,
  onChange,
}: {
  testIdPrefix: string;
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
        <div className="op-chips" data-testid={`${testIdPrefix}-chosen`}>
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
          data-testid={`${testIdPrefix}-server`}
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
        <button type="button" className="button" onClick={add} data-testid={`${testIdPrefix}-server-add`}>
          Add server
        </button>
        <datalist id={listId}>
          {[...byName.values()].map((id) => (
            <option key={id} value={names.get(id)} />
          ))}
        </datalist>
      </div>
      <p id={messageId} className={message ? 'field__error' : 'field__help'} data-testid={message ? `${testIdPrefix}-targets-error` : undefined}>
        {message ?? 'These always run. Besides them: servers with any of the tags and in any of the environments.'}
      </p>
    </div>
  );
}

/** Which servers the selector matches right now, by the service's own rule. */
function Preview({ testId, names, pending }: { testId: string; names: readonly string[]; pending: boolean }) {
  return (
    <div className="op-preview" data-testid={testId}>
      <p className="op-preview__count" aria-live="polite">
        {pending ? 'Loading servers…' : names.length === 0 ? 'Matches no server yet.' : `Matches ${plural(names.length, 'server', 'servers')}`}
      </p>
      {names.length > 0 ? (
        <p className="op-preview__names" data-testid={`${testId}-names`}>
          {names.slice(0, PREVIEW_SHOWN).join(', ')}
          {names.length > PREVIEW_SHOWN ? `, and ${formatCount(names.length - PREVIEW_SHOWN)} more` : ''}
        </p>
      ) : null}
    </div>
  );
}

/** The fleet as the target fields read it: the servers, their names by id and ids by name (any case). */
export function useFleet() {
  const servers = useMethodQuery('servers.list', { limit: SERVER_LIMIT });
  const items = useMemo(() => servers.data?.items ?? [], [servers.data]);
  const names = useMemo(() => new Map(items.map((server) => [server.id, server.name])), [items]);
  const byName = useMemo(() => new Map(items.map((server) => [server.name.toLowerCase(), server.id])), [items]);
  return { items, names, byName, pending: servers.isPending };
}

/** The servers matching `values` right now, with the fleet they were matched in. */
export function useMatched(values: TargetValues) {
  const fleet = useFleet();
  const matched = useMemo(() => matchedServers(values, fleet.items), [values, fleet.items]);
  return { fleet, matched };
}

/**
 * Where a run goes, as a run form and a runbook's form both ask it: servers by name, tags and
 * environments, and under them which servers that matches now. An edit clears the error on its
 * field and on the targets as a whole ('targets' for 'targets.tags').
 */
export function TargetFields({
  testIdPrefix,
  previewTestId,
  values,
  errors,
  fleet,
  matched,
  onChange,
}: {
  testIdPrefix: string;
  previewTestId: string;
  values: TargetValues;
  errors: FieldErrors;
  fleet: ReturnType<typeof useFleet>;
  matched: readonly { name: string }[];
  onChange(patch: Partial<TargetValues>, errorKey: string): void;
}) {
  return (
    <>
      <ServerPicker
        testIdPrefix={testIdPrefix}
        chosen={values.serverIds}
        names={fleet.names}
        byName={fleet.byName}
        error={errors.targets ?? errors['targets.serverIds']}
        onChange={(serverIds) => onChange({ serverIds }, 'targets.serverIds')}
      />
      <TagEnvironmentFields
        testIdPrefix={testIdPrefix}
        tags={{
          value: values.tags,
          error: errors['targets.tags'],
          help: 'Comma-separated: any of them',
          onChange: (tags) => onChange({ tags }, 'targets.tags'),
        }}
        environments={{
          value: values.environments,
          error: errors['targets.environments'],
          help: 'Comma-separated: any of them',
          onChange: (environments) => onChange({ environments }, 'targets.environments'),
        }}
      />
      <Preview testId={previewTestId} names={matched.map((server) => server.name)} pending={fleet.pending} />
    </>
  );
}

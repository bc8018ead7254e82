import { useState, type FormEvent } from 'react';
import type { OperationsSearchInput, OutputMatch } from '@shared/api/operations';
import { SEARCH_TEXT_MAX } from '@shared/api/operations';
import { placeErrors, splitList, type FieldErrors } from '../alerts/form-errors';
import { useMethodQuery } from '../api/hooks';
import { ErrorBanner } from '../ui/ErrorBanner';
import { ErrorState } from '../ui/ErrorState';
import { Field } from '../ui/Field';
import { formatDateTime, formatRelative, plural } from '../ui/format';
import { LoadingState } from '../ui/PageParts';
import { useOperationsView } from './operations-store';
import { runbookOf, TARGET_LABELS } from './states';
import { useFleet } from './TargetFields';

/** The search as typed: the text, the window as the date inputs say it, servers by name. */
export interface SearchValues {
  text: string;
  since: string;
  until: string;
  servers: string;
}

/** A datetime-local input's value as epoch ms (in the browser's time zone), or null when it is not one. */
const timeOf = (value: string): number | null => {
  const time = new Date(value).getTime();
  return Number.isFinite(time) ? time : null;
};

/**
 * The search's input from what was typed: the servers' names read against the fleet (any case),
 * a name not in it refused under the field; the rest is the service's to judge.
 */
export function searchInput(
  values: SearchValues,
  byName: ReadonlyMap<string, string>,
): { ok: true; input: OperationsSearchInput } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (values.text.trim() === '') errors.text = 'Enter the text to look for, e.g. permission denied.';
  const since = values.since ? timeOf(values.since) : undefined;
  const until = values.until ? timeOf(values.until) : undefined;
  if (since === null) errors.since = 'A date and time.';
  if (until === null) errors.until = 'A date and time.';
  else if (since !== undefined && since !== null && until !== undefined && since >= until) errors.until = 'After the start of the window.';
  const names = splitList(values.servers);
  const unknown = names.filter((name) => !byName.has(name.toLowerCase()));
  if (unknown.length > 0) errors.serverIds = `No server named ${unknown.join(', ')}.`;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const serverIds = [...new Set(names.map((name) => byName.get(name.toLowerCase()) ?? ''))];
  return {
    ok: true,
    input: {
      text: values.text,
      ...(since !== undefined && since !== null && { since }),
      ...(until !== undefined && until !== null && { until }),
      ...(serverIds.length > 0 && { serverIds }),
    },
  };
}

/** One target that printed the text: its run, its server, and its line around the first match, the match marked. */
function MatchRow({ match }: { match: OutputMatch }) {
  const openRun = useOperationsView((state) => state.openRun);
  const openTarget = useOperationsView((state) => state.openTarget);
  const runbook = runbookOf(match);
  const what = runbook ? `Runbook ${runbook}` : match.command;
  return (
    <li className="op-search__match" data-testid="search-match">
      <button
        type="button"
        className="op-open"
        onClick={() => {
          openRun(match.runId);
          openTarget(match.serverId);
        }}
        aria-label={`Open ${match.serverName} in the run of ${what}`}
      >
        {what}
      </button>
      <span className="op-search__where">
        {match.serverName} · {TARGET_LABELS[match.state]} · {match.stream} ·{' '}
        <span title={formatDateTime(match.printedAt)}>{formatRelative(match.runCreatedAt)}</span>
      </span>
      <pre className="op-search__excerpt mono" data-testid="search-excerpt">
        {match.excerpt.before}
        <mark>{match.excerpt.match}</mark>
        {match.excerpt.after}
      </pre>
    </li>
  );
}

function Results({ input }: { input: OperationsSearchInput }) {
  const search = useMethodQuery('operations.searchOutput', input);
  if (search.isPending) return <LoadingState>Searching the stored output…</LoadingState>;
  // A refusal of what was typed (the service's checks) says which field; anything else can be retried.
  if (search.isError && search.error.code === 'VALIDATION_FAILED') return <ErrorBanner error={placeErrors(search.error, []).banner} testId="search-error" />;
  if (search.isError) return <ErrorState error={search.error} what="the search" onRetry={() => void search.refetch()} />;
  const { items, more } = search.data;
  return (
    <div className="op-search__results" data-testid="search-results">
      <p className="muted" role="status">
        {items.length === 0
          ? 'No stored output has it.'
          : `${plural(items.length, 'target', 'targets')} printed it${more ? ', and more: narrow the search' : ''}.`}
      </p>
      {items.length > 0 ? (
        <ul className="op-search__list">
          {items.map((match) => (
            <MatchRow key={`${match.runId}/${match.serverId}`} match={match} />
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/**
 * "Which servers printed permission denied last week?" (operations.searchOutput, for roles that
 * read output): the text found as typed in any case, in the runs started in a window, on the
 * servers named. It reads every stored output in that window, so it runs on Search, not as
 * each key is typed.
 */
export function OutputSearch() {
  const [values, setValues] = useState<SearchValues>({ text: '', since: '', until: '', servers: '' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [input, setInput] = useState<OperationsSearchInput | null>(null);
  const fleet = useFleet();
  const edit = (patch: Partial<SearchValues>, key: string) => {
    setValues((current) => ({ ...current, ...patch }));
    setErrors(({ [key]: _gone, ...rest }) => rest);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = searchInput(values, fleet.byName);
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    setInput(checked.input);
  };
  return (
    <>
      <form className="form op-search" onSubmit={submit} noValidate aria-label="Search the output" data-testid="search-form">
        <div className="form__row">
          <Field label="Text" error={errors.text} help="Found as typed, in any case: a phrase, not a pattern." testId="search-text">
            {(control) => (
              <input
                {...control}
                type="search"
                className="input mono"
                maxLength={SEARCH_TEXT_MAX}
                spellCheck={false}
                autoComplete="off"
                value={values.text}
                onChange={(event) => edit({ text: event.target.value }, 'text')}
              />
            )}
          </Field>
          <Field label="Servers" error={errors.serverIds} help="Names, comma-separated; empty: every server." testId="search-servers">
            {(control) => (
              <input
                {...control}
                className="input"
                autoComplete="off"
                value={values.servers}
                onChange={(event) => edit({ servers: event.target.value }, 'serverIds')}
              />
            )}
          </Field>
        </div>
        <div className="form__row form__row--even">
          <Field label="Runs started from" error={errors.since} help="Empty: the oldest kept." testId="search-since">
            {(control) => (
              <input
                {...control}
                type="datetime-local"
                className="input"
                value={values.since}
                onChange={(event) => edit({ since: event.target.value }, 'since')}
              />
            )}
          </Field>
          <Field label="Until" error={errors.until} help="Empty: now." testId="search-until">
            {(control) => (
              <input
                {...control}
                type="datetime-local"
                className="input"
                value={values.until}
                onChange={(event) => edit({ until: event.target.value }, 'until')}
              />
            )}
          </Field>
        </div>
        <div className="form__actions">
          <button type="submit" className="button button--primary" data-testid="search-submit">
            Search
          </button>
        </div>
      </form>
      {input ? <Results input={input} /> : null}
    </>
  );
}

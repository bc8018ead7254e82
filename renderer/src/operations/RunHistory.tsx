import { useState } from 'react';
import type { OperationRun, OperationsRunsFilter } from '@shared/api/operations';
import { useMethodQuery } from '../api/hooks';
import { useCan, useMe } from '../auth/session';
import { ErrorState } from '../ui/ErrorState';
import { formatCount, formatDateTime, formatRelative } from '../ui/format';
import { LoadingState } from '../ui/PageParts';
import { useOperationsView } from './operations-store';
import { runBadge, runbookOf, TARGET_GLYPHS } from './states';
import { useFleet } from './TargetFields';
import { useActorName } from './use-actor-name';

/** Runs listed, newest first. */
export const HISTORY_LIMIT = 50;

/** The counts worth a glance in a list: how many succeeded, and how many did not. */
function CountsCell({ run }: { run: OperationRun }) {
  const total = Object.values(run.counts).reduce((sum, count) => sum + count, 0);
  const bad = run.counts.failed + run.counts['timed-out'];
  const other = run.counts.cancelled + run.counts.skipped;
  return (
    <span className="op-history__counts">
      <span className="target-state target-state--succeeded">
        <span aria-hidden="true">{TARGET_GLYPHS.succeeded}</span> {formatCount(run.counts.succeeded)} of {formatCount(total)} succeeded
      </span>
      {bad > 0 ? (
        <span className="target-state target-state--failed">
          <span aria-hidden="true">{TARGET_GLYPHS.failed}</span> {formatCount(bad)} failed
        </span>
      ) : null}
      {other > 0 ? (
        <span className="target-state target-state--cancelled">
          <span aria-hidden="true">{TARGET_GLYPHS.cancelled}</span> {formatCount(other)} not run
        </span>
      ) : null}
    </span>
  );
}

const OUTCOMES = { running: 'Running', succeeded: 'Succeeded', failed: 'Finished with failures', cancelled: 'Cancelled' } as const;
const KINDS = { runbook: 'Runbooks', command: 'Commands', push: 'File pushes' } as const;
const WINDOWS = { '1d': ['Last 24 hours', 86_400_000], '7d': ['Last 7 days', 7 * 86_400_000], '30d': ['Last 30 days', 30 * 86_400_000] } as const;
const keyOf = <T extends object>(record: T, value: string): keyof T | undefined => (value in record ? (value as keyof T) : undefined);

/** A labelled select of the filter row: "Any" first, then the record's entries. */
function FilterSelect<T extends Record<string, string>>({
  label,
  any,
  options,
  value,
  onChange,
}: {
  label: string;
  any: string;
  options: T;
  value: string;
  onChange(value: string): void;
}) {
  return (
    <label className="op-history__filter">
      <span className="field__label">{label}</span>
      <select className="input select" value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">{any}</option>
        {Object.entries(options).map(([key, text]) => (
          <option key={key} value={key}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * The history's filters, each the service's (operations.runs), so a filter finds runs past the
 * newest page: how it went, what ran, which runbook (archived ones too, their runs stay), which
 * server (those there now, by name), who started it (the signed-in user, or any account for roles
 * that may list them) and since when.
 */
function HistoryFilters({
  filter,
  onChange,
}: {
  filter: OperationsRunsFilter & { window?: string };
  onChange(filter: OperationsRunsFilter & { window?: string }): void;
}) {
  const me = useMe();
  const mayListUsers = useCan()('users:read');
  const users = useMethodQuery('users.list', {}, { enabled: mayListUsers, staleTime: 60_000 });
  const people: Record<string, string> = { [`user:${me.id}`]: `Me (${me.username})` };
  for (const user of users.data?.items ?? []) if (user.id !== me.id) people[`user:${user.id}`] = user.username;
  const current = useMethodQuery('runbooks.list', {}, { staleTime: 60_000 });
  const archived = useMethodQuery('runbooks.list', { archived: true }, { staleTime: 60_000 });
  const runbooks = [...(current.data?.items ?? []), ...(archived.data?.items ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const runbookNames = Object.fromEntries(runbooks.map((each) => [each.id, each.archivedAt === null ? each.name : `${each.name} (archived)`]));
  const fleet = useFleet();
  return (
    <div className="op-history__filters" role="group" aria-label="Filter the runs" data-testid="history-filters">
      <FilterSelect
        label="Status"
        any="Any status"
        options={OUTCOMES}
        value={filter.outcome ?? ''}
        onChange={(value) => onChange({ ...filter, outcome: keyOf(OUTCOMES, value) })}
      />
      <FilterSelect
        label="What ran"
        any="Anything"
        options={KINDS}
        value={filter.kind ?? ''}
        onChange={(value) => onChange({ ...filter, kind: keyOf(KINDS, value) })}
      />
      <FilterSelect
        label="Runbook"
        any="Any runbook"
        options={runbookNames}
        value={filter.runbookId ?? ''}
        onChange={(value) => onChange({ ...filter, runbookId: value || undefined })}
      />
      <FilterSelect
        label="Server"
        any="Any server"
        options={Object.fromEntries(fleet.items.map((server) => [server.id, server.name]))}
        value={filter.serverId ?? ''}
        onChange={(value) => onChange({ ...filter, serverId: value || undefined })}
      />
      <FilterSelect
        label="Started by"
        any="Anyone"
        options={people}
        value={filter.createdBy ?? ''}
        onChange={(value) => onChange({ ...filter, createdBy: value || undefined })}
      />
      <FilterSelect
        label="Since"
        any="Any time"
        options={Object.fromEntries(Object.entries(WINDOWS).map(([key, [text]]) => [key, text]))}
        value={filter.window ?? ''}
        onChange={(value) => {
          const window = keyOf(WINDOWS, value);
          // Fixed when chosen, so the query (and its cache key) stays put while the page is open.
          onChange({ ...filter, window, since: window ? Date.now() - WINDOWS[window][1] : undefined });
        }}
      />
    </div>
  );
}

/** Past and running runs, newest first: what ran, how it went, who ran it and when; a click opens one. Filtered by the service. */
export function RunHistory() {
  const [filter, setFilter] = useState<OperationsRunsFilter & { window?: string }>({});
  const { window: _window, ...given } = filter;
  const input = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) as OperationsRunsFilter;
  const filtered = Object.keys(input).length > 0;
  const runs = useMethodQuery('operations.runs', { limit: HISTORY_LIMIT, ...input });
  const runId = useOperationsView((state) => state.runId);
  const openRun = useOperationsView((state) => state.openRun);
  const actorName = useActorName();
  const body = () => {
    if (runs.isPending) return <LoadingState spinner={false}>Loading runs…</LoadingState>;
    if (runs.isError) return <ErrorState error={runs.error} what="the runs" onRetry={() => void runs.refetch()} />;
    if (runs.data.items.length === 0) {
      return (
        <p className="muted" data-testid="history-empty">
          {filtered ? 'No run matches these filters.' : 'No command has been run yet.'}
        </p>
      );
    }
    return <RunsTable runs={runs.data.items} runId={runId} onOpen={openRun} actorName={actorName} />;
  };
  // The filters stay while a filtered read loads, so the select in hand keeps its focus; unfiltered,
  // they come with the first runs (their runbook and server lists are read only then).
  const bare = !filtered && !(runs.isSuccess && runs.data.items.length > 0);
  return (
    <>
      {bare ? null : <HistoryFilters filter={filter} onChange={setFilter} />}
      {body()}
    </>
  );
}

/** The runs as a table: what ran (opens it), how it went, its counts, who and when. */
function RunsTable({
  runs,
  runId,
  onOpen,
  actorName,
}: {
  runs: OperationRun[];
  runId: string | null;
  onOpen(runId: string): void;
  actorName(createdBy: string): string;
}) {
  return (
    <table className="simple-table op-history" aria-label="Runs" data-testid="history-table">
      <thead>
        <tr>
          <th scope="col">What ran</th>
          <th scope="col">Status</th>
          <th scope="col">Targets</th>
          <th scope="col">By</th>
          <th scope="col">Started</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => {
          const badge = runBadge(run);
          const runbook = runbookOf(run);
          const what = runbook ? `Runbook ${runbook}` : run.command;
          return (
            <tr key={run.id} data-testid="history-row" data-status={run.status} aria-current={run.id === runId ? 'true' : undefined}>
              <td>
                <button type="button" className="op-open" onClick={() => onOpen(run.id)} aria-label={`Open the run of ${what}`}>
                  {what}
                </button>
              </td>
              <td>
                <span className={`badge badge--${badge.tone}`}>{badge.label}</span>
              </td>
              <td>
                <CountsCell run={run} />
              </td>
              <td>{actorName(run.createdBy)}</td>
              <td title={formatDateTime(run.createdAt)}>{formatRelative(run.createdAt)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

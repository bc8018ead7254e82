import { Fragment, useState } from 'react';
import type { Schedule } from '@shared/api/schedules';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { toast } from '../state/toast-store';
import { ErrorState } from '../ui/ErrorState';
import { formatDateTime, formatRelative } from '../ui/format';
import { EditDeleteButtons } from '../ui/EditDeleteButtons';
import { LoadingState } from '../ui/PageParts';
import { RunOutcome } from './RunOutcome';
import { ScheduleRuns } from './ScheduleRuns';
import { useSeedJob } from './use-job';

const RUNNING_POLL_MS = 2_000;
/** Next and last runs move on by themselves; re-read now and then. */
const IDLE_POLL_MS = 30_000;
const COLUMNS = 6;

interface ScheduleActions {
  /** Absent when the role may not change schedules. */
  onEdit?: ((schedule: Schedule) => void) | undefined;
  onDelete?: ((schedule: Schedule) => void) | undefined;
}

function EnabledToggle({ schedule, mayChange }: { schedule: Schedule; mayChange: boolean }) {
  const update = useMethodMutation('schedules.update');
  if (!mayChange) return <span>{schedule.enabled ? 'Yes' : 'No'}</span>;
  return (
    <input
      type="checkbox"
      aria-label={`${schedule.name} enabled`}
      checked={update.isPending ? !schedule.enabled : schedule.enabled}
      disabled={update.isPending}
      onChange={(event) =>
        update.mutate(
          { id: schedule.id, enabled: event.target.checked },
          { onSuccess: (saved) => toast.success(`${saved.name} ${saved.enabled ? 'enabled' : 'disabled'}`), onError: (error) => toast.error(error) },
        )
      }
    />
  );
}

function RunNow({ schedule }: { schedule: Schedule }) {
  const run = useMethodMutation('schedules.run');
  const seedJob = useSeedJob();
  return (
    <button
      type="button"
      className="button button--small"
      aria-label={`Run ${schedule.name} now`}
      disabled={run.isPending}
      onClick={() =>
        run.mutate(
          { id: schedule.id },
          {
            onSuccess: (job) => {
              seedJob(job);
              toast.success(`Started ${schedule.name}`, job.title);
            },
            onError: (error) => toast.error(error),
          },
        )
      }
    >
      {run.isPending ? 'Starting…' : 'Run now'}
    </button>
  );
}

function ScheduleRow({
  schedule,
  mayChange,
  expanded,
  onToggle,
  onEdit,
  onDelete,
}: { schedule: Schedule; mayChange: boolean; expanded: boolean; onToggle(): void } & ScheduleActions) {
  const last = schedule.lastRun;
  return (
    <tr data-testid="schedule-row">
      <td>
        <div className="job__title">{schedule.name}</div>
        <div className="mono muted">{schedule.task}</div>
      </td>
      <td>
        <div className="mono">{schedule.cron}</div>
        <div className="muted">{schedule.timezone}</div>
      </td>
      <td>
        <EnabledToggle schedule={schedule} mayChange={mayChange} />
      </td>
      <td>
        {last ? (
          <>
            <RunOutcome run={last} />
            <div className="muted" title={formatDateTime(last.startedAt)}>
              {formatRelative(last.startedAt)}
            </div>
          </>
        ) : (
          <span className="muted">Never</span>
        )}
      </td>
      <td>
        {schedule.nextRunAt !== null ? formatDateTime(schedule.nextRunAt) : <span className="muted">{schedule.enabled ? 'Never again' : 'Disabled'}</span>}
      </td>
      <td className="simple-table__actions">
        <div className="row-actions">
          {mayChange ? <RunNow schedule={schedule} /> : null}
          <button type="button" className="button button--small" aria-expanded={expanded} aria-label={`History of ${schedule.name}`} onClick={onToggle}>
            History
          </button>
          <EditDeleteButtons name={schedule.name} onEdit={onEdit && (() => onEdit(schedule))} onDelete={onDelete && (() => onDelete(schedule))} />
        </div>
      </td>
    </tr>
  );
}

/** Scheduled tasks with their last and next run, run now, and each one's history. */
export function SchedulesSection({ mayChange, onEdit, onDelete }: { mayChange: boolean } & ScheduleActions) {
  const [expanded, setExpanded] = useState<string | null>(null);
  const schedules = useMethodQuery(
    'schedules.list',
    {},
    { refetchInterval: (query) => (query.state.data?.items.some((item) => item.lastRun?.outcome === 'running') ? RUNNING_POLL_MS : IDLE_POLL_MS) },
  );

  if (schedules.isPending) return <LoadingState spinner={false}>Loading schedules…</LoadingState>;
  if (schedules.isError) return <ErrorState error={schedules.error} what="the schedules" onRetry={() => void schedules.refetch()} />;
  if (schedules.data.items.length === 0) {
    return <p className="muted">No schedules yet. {mayChange ? 'Add one to run retention, verification or reports at set times.' : ''}</p>;
  }
  return (
    <table className="simple-table schedules-table" aria-label="Schedules">
      <thead>
        <tr>
          <th scope="col">Schedule</th>
          <th scope="col">When</th>
          <th scope="col">Enabled</th>
          <th scope="col">Last run</th>
          <th scope="col">Next run</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {schedules.data.items.map((schedule) => (
          <Fragment key={schedule.id}>
            <ScheduleRow
              schedule={schedule}
              mayChange={mayChange}
              expanded={expanded === schedule.id}
              onToggle={() => setExpanded(expanded === schedule.id ? null : schedule.id)}
              onEdit={onEdit}
              onDelete={onDelete}
            />
            {expanded === schedule.id ? (
              <tr className="schedule-history">
                <td colSpan={COLUMNS}>
                  <ScheduleRuns scheduleId={schedule.id} name={schedule.name} />
                </td>
              </tr>
            ) : null}
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

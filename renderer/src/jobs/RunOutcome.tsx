import type { RunOutcome as Outcome, ScheduleRun } from '@shared/api/schedules';

const LABELS: Record<Outcome, string> = {
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  skipped: 'Skipped',
};

/** How a scheduled run ended, with its error code when it failed or was skipped. */
export function RunOutcome({ run }: { run: Pick<ScheduleRun, 'outcome' | 'errorCode'> }) {
  return (
    <span className="run-outcome">
      <span className={`badge badge--${run.outcome}`}>{LABELS[run.outcome]}</span>
      {run.errorCode ? <span className="mono muted"> {run.errorCode}</span> : null}
    </span>
  );
}

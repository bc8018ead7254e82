import { useState } from 'react';
import type { Schedule } from '@shared/api/schedules';
import { useMethodMutation } from '../api/hooks';
import { useCan } from '../auth/session';
import { ConfirmDialog, confirmAction } from '../ui/ConfirmDialog';
import { PlusIcon } from '../ui/icons';
import { PageHeader } from '../ui/PageParts';
import { RECENT_JOBS, RecentJobs } from './RecentJobs';
import { ScheduleDialog } from './ScheduleDialog';
import { SchedulesSection } from './SchedulesSection';
import './jobs.css';

type JobsDialog = { kind: 'schedule-create' } | { kind: 'schedule-edit'; schedule: Schedule } | { kind: 'schedule-delete'; schedule: Schedule };

function DeleteScheduleDialog({ schedule, onClose }: { schedule: Schedule; onClose(): void }) {
  const remove = useMethodMutation('schedules.delete');
  return (
    <ConfirmDialog
      title={`Delete ${schedule.name}?`}
      testId="schedule-delete-dialog"
      onClose={onClose}
      confirmLabel="Delete schedule"
      pendingLabel="Deleting…"
      pending={remove.isPending}
      error={remove.error}
      onConfirm={confirmAction(remove, { id: schedule.id }, `Deleted the schedule ${schedule.name}`, onClose)}
    >
      The schedule and its run history go. A run in progress finishes; the jobs it started stay in the list below.
    </ConfirmDialog>
  );
}

/** Scheduled tasks, then recent long-running work (imports, exports, reports, verifications) with live progress. */
export function JobsPage() {
  const mayChange = useCan()('jobs:write');
  const [dialog, setDialog] = useState<JobsDialog | null>(null);
  const close = () => setDialog(null);

  return (
    <>
      <div className="page page--scroll" inert={dialog !== null}>
        <PageHeader
          title="Jobs"
          actions={
            mayChange ? (
              <button type="button" className="button button--primary" onClick={() => setDialog({ kind: 'schedule-create' })}>
                <PlusIcon />
                Add schedule
              </button>
            ) : null
          }
        />
        <section className="jobs-section" aria-labelledby="schedules-heading">
          <h2 id="schedules-heading" className="jobs-section__title">
            Schedules
          </h2>
          <SchedulesSection
            mayChange={mayChange}
            onEdit={mayChange ? (schedule) => setDialog({ kind: 'schedule-edit', schedule }) : undefined}
            onDelete={mayChange ? (schedule) => setDialog({ kind: 'schedule-delete', schedule }) : undefined}
          />
        </section>
        <section className="jobs-section" aria-labelledby="recent-jobs-heading">
          <h2 id="recent-jobs-heading" className="jobs-section__title">
            Recent jobs <span className="page__count">most recent {RECENT_JOBS}</span>
          </h2>
          <RecentJobs />
        </section>
      </div>
      {dialog?.kind === 'schedule-create' ? <ScheduleDialog onClose={close} /> : null}
      {dialog?.kind === 'schedule-edit' ? <ScheduleDialog key={dialog.schedule.id} schedule={dialog.schedule} onClose={close} /> : null}
      {dialog?.kind === 'schedule-delete' ? <DeleteScheduleDialog schedule={dialog.schedule} onClose={close} /> : null}
    </>
  );
}

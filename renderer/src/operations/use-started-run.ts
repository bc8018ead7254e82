import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { Job } from '@shared/api/jobs';
import type { OperationRunWithTargets } from '@shared/api/operations';
import { methodKey } from '../api/query-keys';
import { useSeedJob } from '../jobs/use-job';
import { toast } from '../state/toast-store';
import { plural } from '../ui/format';
import { useOperationsView } from './operations-store';

/**
 * What a started run does to the page, however it was started (a command, a runbook, a re-run):
 * its job and its targets are known at once, it opens, and a toast says where it runs.
 */
export function useStartedRun(): (started: OperationRunWithTargets & { job: Job }) => void {
  const queryClient = useQueryClient();
  const seedJob = useSeedJob();
  const openRun = useOperationsView((state) => state.openRun);
  return useCallback(
    ({ job, ...started }) => {
      seedJob(job);
      queryClient.setQueryData<OperationRunWithTargets>(methodKey('operations.get', { id: started.id }), started);
      openRun(started.id);
      toast.success(`Running on ${plural(started.targets.length, 'server', 'servers')}`);
    },
    [queryClient, seedJob, openRun],
  );
}

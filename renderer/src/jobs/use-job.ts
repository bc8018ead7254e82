import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { isFinished, type Job } from '@shared/api/jobs';
import { useMethodQuery } from '../api/hooks';
import { newerJob } from '../api/job-cache';
import { methodKey } from '../api/query-keys';

/** How often a running job is re-read when its progress events do not arrive. */
export const JOB_POLL_MS = 500;

/**
 * One job, live: 'job.progress' events patch it in the cache, and while it runs it is also
 * polled as a fallback (an event stream can drop). Polling stops when the job finishes.
 */
export function useJob(id: string) {
  return useMethodQuery(
    'jobs.get',
    { id },
    {
      staleTime: 0,
      refetchInterval: (query) => {
        const job = query.state.data;
        return job && isFinished(job) ? false : JOB_POLL_MS;
      },
    },
  );
}

/** Puts a job a method just returned into the cache, without undoing a newer event. */
export function useSeedJob(): (job: Job) => void {
  const queryClient = useQueryClient();
  return useCallback((job: Job) => queryClient.setQueryData<Job>(methodKey('jobs.get', { id: job.id }), (current) => newerJob(current, job)), [queryClient]);
}

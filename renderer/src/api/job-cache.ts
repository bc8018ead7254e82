import { isFinished, type Job } from '@shared/api/jobs';

/**
 * Which of two snapshots of the same job to keep. Progress events and polling race each other;
 * an older snapshot must never undo a newer one (a finished job never goes back to running,
 * progress never goes backwards).
 */
export function newerJob(current: Job | undefined, incoming: Job): Job {
  if (!current || current.id !== incoming.id) return incoming;
  if (isFinished(current) && !isFinished(incoming)) return current;
  if (!isFinished(incoming) && incoming.done < current.done) return current;
  return incoming;
}

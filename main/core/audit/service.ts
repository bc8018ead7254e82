import type { AsyncDatabase } from '../db/engine';
import type { AuditEvent, AuditFilter, AuditSettings, VerifyReport } from '@shared/api/audit';
import { AuditSettings as AuditSettingsSchema } from '@shared/api/audit';
import type { Clock } from '../clock';
import type { Artifacts, JobContext, JobService } from '../jobs';
import type { SettingsStore } from '../settings';
import { exportEvents } from './export';
import { checkpoints, pruneEvents } from './prune';
import { getAuditEvent, listAuditEvents } from './reads';
import { chainAnchor, verifyChain, type ChainAnchor } from './verify';

/**
 * The audit log as the handlers see it, on either engine: reading (reads.ts), verifying the chain
 * (verify.ts), streamed exports (export.ts) and retention at a checkpoint (prune.ts); the heavy
 * three run as jobs in chunks, yielding to the event loop between chunks. Writing is store.ts's.
 */

const SETTINGS_KEY = 'audit';

export interface AuditServiceDeps {
  /** Where the log is read, verified, exported and pruned, on either engine (pruning's writes take their turn on SQLite by themselves). */
  data: AsyncDatabase;
  clock: Clock;
  settings: SettingsStore;
  artifacts: Artifacts;
  jobs: JobService;
}

type JobProgress = Pick<JobContext, 'signal' | 'progress'>;

export class AuditService {
  constructor(private readonly deps: AuditServiceDeps) {}

  list(filter: AuditFilter & { before?: number | undefined; limit: number }): Promise<{ items: AuditEvent[]; nextBefore: number | null }> {
    return listAuditEvents(this.deps.data, filter);
  }

  get(seq: number): Promise<AuditEvent> {
    return getAuditEvent(this.deps.data, seq);
  }

  /** Starts verification as a job (the Audit page, `guardian audit verify`, a schedule). */
  startVerify(createdBy: string, expectHead?: string) {
    return this.deps.jobs.start({ kind: 'audit.verify', title: 'Verify the audit log', createdBy }, (job) => this.verify(job, expectHead));
  }

  startExport(createdBy: string, filter: AuditFilter, format: 'csv' | 'jsonl') {
    const title = `Export the audit log as ${format === 'csv' ? 'CSV' : 'JSON Lines'}`;
    return this.deps.jobs.start({ kind: 'audit.export', title, createdBy }, (job) => this.export(job.id, filter, format, job));
  }

  startPrune(createdBy: string) {
    return this.deps.jobs.start({ kind: 'audit.prune', title: 'Remove old audit events', createdBy }, (job) => this.prune(createdBy, job));
  }

  /** Where verification starts: the last checkpoint retention left, or genesis. */
  anchor(): Promise<ChainAnchor> {
    return chainAnchor(this.deps.data);
  }

  verify(job: JobProgress, expectHead?: string): Promise<VerifyReport> {
    return verifyChain(this.deps.data, job, expectHead);
  }

  /** Streams the filtered events, oldest first, to a file the job hands over. */
  export(jobId: string, filter: AuditFilter, format: 'csv' | 'jsonl', job: JobProgress) {
    return exportEvents(this.deps, jobId, filter, format, job);
  }

  settings(): Promise<AuditSettings> {
    return this.deps.settings.get(SETTINGS_KEY, AuditSettingsSchema, { retentionDays: null });
  }

  async updateSettings(next: AuditSettings): Promise<AuditSettings> {
    await this.deps.settings.set(SETTINGS_KEY, next);
    return next;
  }

  checkpoints() {
    return checkpoints(this.deps.data);
  }

  /** Removes events older than the retention period, behind a checkpoint (prune.ts). */
  async prune(by: string, job: JobProgress) {
    return pruneEvents(this.deps, (await this.settings()).retentionDays, by, job);
  }
}

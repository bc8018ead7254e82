import type { Handlers } from '../api/router';
import { actor } from '../api/caller';
import type { JobService } from '../jobs/service';
import type { AuditService } from './service';

type AuditMethods = 'audit.list' | 'audit.get' | 'audit.verify' | 'audit.export' | 'audit.settings' | 'audit.updateSettings' | 'audit.prune';

export function createAuditHandlers(audit: AuditService, jobs: JobService): Pick<Handlers, AuditMethods> {
  return {
    'audit.list': (input) => audit.list(input),
    'audit.get': ({ seq }) => audit.get(seq),
    'audit.verify': ({ expectHead }, ctx) =>
      jobs.start({ kind: 'audit.verify', title: 'Verify the audit log', createdBy: actor(ctx) }, (job) => audit.verify(job, expectHead)),
    'audit.export': ({ format, ...filter }, ctx) =>
      jobs.start({ kind: 'audit.export', title: `Export the audit log as ${format === 'csv' ? 'CSV' : 'JSON Lines'}`, createdBy: actor(ctx) }, (job) =>
        audit.export(job.id, filter, format, job),
      ),
    'audit.settings': () => ({ ...audit.settings(), checkpoints: audit.checkpoints() }),
    'audit.updateSettings': (input) => audit.updateSettings(input),
    'audit.prune': (_input, ctx) => jobs.start({ kind: 'audit.prune', title: 'Remove old audit events', createdBy: actor(ctx) }, (job) => audit.prune(actor(ctx), job)),
  };
}

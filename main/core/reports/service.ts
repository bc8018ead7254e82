import { AppError } from '@shared/api/errors';
import type { Job } from '@shared/api/jobs';
import { REPORT_TITLES, ScheduledReportParams, type ReportFormat, type ReportResult, type ReportType } from '@shared/api/reports';
import type { Server } from '@shared/api/servers';
import { principalAllows, type Permission, type Principal } from '@shared/permissions';
import { DAY_MS, type Clock } from '../clock';
import type { DatabaseLocation } from '../db/connect';
import type { CheckRegistry } from '../health';
import type { Artifacts, JobContext, JobService } from '../jobs';
import type { OutputFolderPolicy, TaskDef } from '../schedules';
import type { ServerService } from '../servers';
import type { ParsedReportInput, ReportTask } from './generate';
import { serverStatuses } from './inventory-report';
import { reportFileName, resolvePeriod, type Period } from './period';
import { runReportInWorker } from './run-in-worker';

/**
 * Reports as jobs (docs/architecture.md §8): the caller gets the job at once; the job reads the stored
 * history one server (or one day) at a time, writes its file through Artifacts and ends with the
 * file described in its result. The file is for those who may read what it summarises. The file
 * is made in a worker thread (run-in-worker.ts), so no report stalls the main event loop.
 */

export interface ReportDeps {
  /** Where the database is: the report's worker reads it on a snapshot of its own. */
  database: DatabaseLocation;
  servers: ServerService;
  /** The health engine's checks and states, for the inventory's current status. */
  registry: CheckRegistry;
  jobs: JobService;
  artifacts: Artifacts;
  clock: Clock;
}

/** Also writes the finished file elsewhere (a scheduled report's folder); returns where. */
export type SaveCopy = (source: string, fileName: string) => Promise<string>;

/** Who a report is for: the job's author and the name printed on the report. */
export interface Requester {
  createdBy: string;
  name: string;
}

const MIME: Record<ReportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
};

const FORMAT_NAMES: Record<ReportFormat, string> = { csv: 'CSV', json: 'JSON', html: 'HTML', pdf: 'PDF' };

/** The permission a report's file needs: what it summarises. */
export function reportPermission(type: ReportType): Permission {
  return type === 'audit-summary' ? 'audit:read' : 'servers:read';
}

export class ReportService {
  constructor(private readonly deps: ReportDeps) {}

  /** Starts a report for a caller, who must be allowed to read what it summarises. */
  generate(input: ParsedReportInput, principal: Principal): Promise<Job> {
    const needed = reportPermission(input.type);
    if (!principalAllows(principal, needed)) {
      throw new AppError('PERMISSION_DENIED', `Your role (${principal.role}) may not make the ${REPORT_TITLES[input.type].toLowerCase()}.`, {
        hint: `It needs the "${needed}" permission; ask an auditor, an owner or an admin.`,
      });
    }
    return this.start(input, { createdBy: `${principal.kind}:${principal.id}`, name: `${principal.name} (${principal.role})` });
  }

  /** Starts a report job (for a caller already authorised, or a schedule, which also saves a copy). */
  async start(input: ParsedReportInput, requester: Requester, saveCopy?: SaveCopy): Promise<Job> {
    const { jobs, clock } = this.deps;
    const now = clock.now();
    const period = resolvePeriod(input.period, now);
    const servers = input.type === 'audit-summary' ? [] : await this.serversIn(input.scope);
    const steps = input.type === 'audit-summary' ? Math.ceil((period.to - period.from) / DAY_MS) : servers.length;
    // The uptime report's charts read each server again when they are drawn.
    const total = input.type === 'uptime' && (input.format === 'pdf' || input.format === 'html') ? steps * 2 : steps;
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    return jobs.start(
      {
        kind: `report.${input.type}`,
        title: `${REPORT_TITLES[input.type]} (${FORMAT_NAMES[input.format]}), ${day(period.from)} to ${day(Math.max(period.from, period.to - 1))}`,
        total,
        createdBy: requester.createdBy,
      },
      (job) => this.run(job, input, { period, servers, now, steps, generatedBy: requester.name }, saveCopy),
    );
  }

  /** The servers a scope names, in name order; an id that does not exist is refused up front. */
  async serversIn(scope: ParsedReportInput['scope']): Promise<Server[]> {
    const matching = await this.deps.servers.all({ tags: scope.tags, environment: scope.environment });
    if (!scope.serverIds?.length) return matching;
    const wanted = new Set(scope.serverIds);
    const found = matching.filter((server) => wanted.has(server.id));
    if (found.length < wanted.size) {
      const known = new Set((await this.deps.servers.all({})).map((server) => server.id));
      const missing = [...wanted].find((id) => !known.has(id));
      if (missing) throw new AppError('NOT_FOUND', `There is no server with id ${missing}.`, { hint: 'It may have been deleted; pick the servers again.' });
    }
    return found;
  }

  private async run(
    job: JobContext,
    input: ParsedReportInput,
    plan: { period: Period; servers: Server[]; now: number; steps: number; generatedBy: string },
    saveCopy?: SaveCopy,
  ): Promise<ReportResult> {
    const { database, artifacts, registry } = this.deps;
    const draft = artifacts.begin(job.id, reportFileName(input.type, input.format, plan.period));
    const task: ReportTask = {
      database,
      path: draft.path,
      input,
      ...plan,
      statuses: input.type === 'inventory' ? serverStatuses(plan.servers, registry) : {},
    };
    try {
      await runReportInWorker(task, job);
    } catch (error) {
      draft.discard();
      throw error;
    }
    const artifact = draft.commit(MIME[input.format], reportPermission(input.type));
    const result: ReportResult = {
      kind: `report.${input.type}`,
      type: input.type,
      format: input.format,
      servers: plan.servers.length,
      period: plan.period,
      artifact,
    };
    if (saveCopy) result.savedTo = await saveCopy(draft.finalPath, artifact.fileName);
    return result;
  }
}

/**
 * Reports on a schedule. A report needs what it summarises, as reports.generate does (audit:read
 * for the audit summary), and is written to the data folder's reports/ or a folder the owner
 * allows (schedules.outputFolders), besides being kept for download.
 */
export function reportTask(reports: ReportService, folders: OutputFolderPolicy): TaskDef<typeof ScheduledReportParams> {
  return {
    kind: 'report.generate',
    summary: `Make a report (uptime and SLA, inventory or audit summary) as CSV, JSON, HTML or PDF, written to a folder (${folders.defaultFolder} unless "folder" names another the owner allows) and kept for download. Needs servers:read; the audit summary audit:read.`,
    params: ScheduledReportParams,
    permission: ({ type }) => reportPermission(type),
    check: async ({ folder }) => void (await folders.resolve(folder)),
    start: ({ folder, ...input }, createdBy) =>
      reports.start(input, { createdBy, name: createdBy }, (source, fileName) => folders.saveCopy(folder, source, fileName)),
  };
}

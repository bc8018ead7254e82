import { z } from 'zod';
import { method } from './contract';
import { Artifact, JobSchema } from './jobs';
import { Environment, ServerId, Tag } from './servers';

/**
 * Reports people hand to others (docs/architecture.md §1, the auditor's monthly flow): uptime and SLA per
 * server, the inventory, and a summary of the audit log, as CSV, JSON, HTML or PDF. Generating one
 * is a job; its file is the job's artifact.
 */

export const REPORT_TYPES = ['uptime', 'inventory', 'audit-summary'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

export const REPORT_FORMATS = ['csv', 'json', 'html', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_TITLES: Record<ReportType, string> = {
  uptime: 'Uptime and SLA report',
  inventory: 'Server inventory',
  'audit-summary': 'Audit log summary',
};

export const PERIOD_PRESETS = { '7d': 7, '30d': 30, '90d': 90 } as const;
export type PeriodPreset = keyof typeof PERIOD_PRESETS;

const DAY_MS = 86_400_000;
/** Longest custom period: a year and a bit, which the default rollup retention (396 days) still covers. */
export const MAX_PERIOD_DAYS = 400;

const Epoch = z
  .number({ error: 'A time is epoch milliseconds' })
  .int('A time is whole epoch milliseconds')
  .min(0, 'A time cannot be before 1970')
  .max(Date.UTC(9999, 11, 31), 'A time cannot be after the year 9999');

export const ReportPeriod = z.union([
  z.strictObject({ preset: z.enum(Object.keys(PERIOD_PRESETS) as [PeriodPreset, ...PeriodPreset[]]) }),
  z
    .strictObject({ from: Epoch, to: Epoch })
    .refine((period) => period.from < period.to, { message: 'The period must start before it ends', path: ['to'] })
    .refine((period) => period.to - period.from <= MAX_PERIOD_DAYS * DAY_MS, {
      message: `A report covers at most ${MAX_PERIOD_DAYS} days`,
      path: ['from'],
    }),
]);
export type ReportPeriod = z.input<typeof ReportPeriod>;

/** Which servers a report covers: all of them when empty; each given filter narrows it. */
export const ReportScope = z.strictObject({
  tags: z.array(Tag).max(32, 'At most 32 tags').optional(),
  environment: Environment.optional(),
  serverIds: z.array(ServerId).max(10_000, 'At most 10,000 servers').optional(),
});
export type ReportScope = z.output<typeof ReportScope>;

export const ReportInput = z.strictObject({
  type: z.enum(REPORT_TYPES),
  period: ReportPeriod,
  scope: ReportScope.default({}),
  format: z.enum(REPORT_FORMATS),
  /** The SLA target, in percent of results up, each server is measured against. */
  slaTarget: z.number().min(0, 'The SLA target is a percentage from 0 to 100').max(100, 'The SLA target is a percentage from 0 to 100').default(99.9),
});
export type ReportInput = z.input<typeof ReportInput>;

/**
 * An absolute folder path on the machine Guardian runs on (POSIX or Windows). Never a network
 * path: writing to \\host\share (or //host/share) makes Windows sign in to that host with the
 * desktop user's account, handing it their NTLM hash.
 */
const AbsoluteFolder = z
  .string()
  .trim()
  .max(1000)
  .regex(/^(\/|[A-Za-z]:[\\/])/, 'An absolute folder path, e.g. /srv/reports or C:\\Reports')
  .refine((path) => !/^[\\/]{2}/.test(path), 'A local folder: network paths (\\\\host\\share, //host/share) are refused');

/**
 * A scheduled report: the report, and the folder its file is written to (default: `reports` in
 * the data folder; another must be one the owner allows, see schedules.outputFolders).
 */
export const ScheduledReportParams = ReportInput.extend({ folder: AbsoluteFolder.optional() });

/** What a finished report job holds as its result. */
export const ReportResult = z.object({
  kind: z.string(),
  type: z.enum(REPORT_TYPES),
  format: z.enum(REPORT_FORMATS),
  servers: z.number().int(),
  period: z.object({ from: z.number().int(), to: z.number().int() }),
  artifact: Artifact,
  /** Where a scheduled report's file was also written. */
  savedTo: z.string().optional(),
});
export type ReportResult = z.infer<typeof ReportResult>;

// ---------------------------------------------------------------------------------------------
// The JSON format of each report (what `format: 'json'` writes), so a script can rely on it.

const ReportHeader = {
  title: z.string(),
  generatedAt: z.number().int(),
  generatedBy: z.string(),
  period: z.object({ from: z.number().int(), to: z.number().int() }),
  scope: z.object({ tags: z.array(z.string()), environment: z.string().nullable(), serverIds: z.array(z.string()) }),
};

export const SLA_VERDICTS = ['met', 'missed', 'no data'] as const;
export type SlaVerdict = (typeof SLA_VERDICTS)[number];

export const UptimeRow = z.object({
  serverId: z.string(),
  name: z.string(),
  host: z.string(),
  environment: z.string(),
  tags: z.array(z.string()),
  checks: z.number().int(),
  /** Results counted (those in a maintenance window are left out). */
  results: z.number().int(),
  failures: z.number().int(),
  degraded: z.number().int(),
  /** Results taken in a maintenance window: not counted in uptime. */
  maintenance: z.number().int(),
  /** Percent of counted results that were not down; null without results. */
  uptimePercent: z.number().nullable(),
  incidents: z.number().int(),
  /** Time in incidents within the period (an open incident counts until the end of the period). */
  downtimeMs: z.number().int(),
  p95Ms: z.number().nullable(),
  sla: z.enum(SLA_VERDICTS),
});
export type UptimeRow = z.infer<typeof UptimeRow>;

export const UptimeFleet = z.object({
  servers: z.number().int(),
  results: z.number().int(),
  failures: z.number().int(),
  uptimePercent: z.number().nullable(),
  incidents: z.number().int(),
  downtimeMs: z.number().int(),
  meetingSla: z.number().int(),
  missingSla: z.number().int(),
  withoutData: z.number().int(),
});
export type UptimeFleet = z.infer<typeof UptimeFleet>;

export const UptimeReport = z.object({
  report: z.literal('uptime'),
  ...ReportHeader,
  slaTarget: z.number(),
  servers: z.array(UptimeRow),
  fleet: UptimeFleet,
});
export type UptimeReport = z.infer<typeof UptimeReport>;

export const InventoryRow = z.object({
  serverId: z.string(),
  name: z.string(),
  host: z.string(),
  port: z.number().int(),
  environment: z.string(),
  tags: z.array(z.string()),
  checks: z.number().int(),
  status: z.string(),
});
export type InventoryRow = z.infer<typeof InventoryRow>;

export const InventoryReport = z.object({
  report: z.literal('inventory'),
  ...ReportHeader,
  servers: z.array(InventoryRow),
  byStatus: z.record(z.string(), z.number().int()),
});
export type InventoryReport = z.infer<typeof InventoryReport>;

export const AuditCount = z.object({ key: z.string(), name: z.string().nullable(), count: z.number().int() });
export type AuditCount = z.infer<typeof AuditCount>;

export const AuditFailure = z.object({
  seq: z.number().int(),
  at: z.number().int(),
  actor: z.string(),
  actorName: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.string(),
  origin: z.string(),
});
export type AuditFailure = z.infer<typeof AuditFailure>;

export const AUDIT_FAILURES_LISTED = 100;

export const AuditSummaryReport = z.object({
  report: z.literal('audit-summary'),
  ...ReportHeader,
  events: z.number().int(),
  byAction: z.array(AuditCount),
  byActor: z.array(AuditCount),
  byOutcome: z.array(AuditCount),
  /** Events whose outcome was not ok, newest first, at most {@link AUDIT_FAILURES_LISTED}. */
  failures: z.array(AuditFailure),
  failuresTotal: z.number().int(),
});
export type AuditSummaryReport = z.infer<typeof AuditSummaryReport>;

export const reportsGenerate = method({
  name: 'reports.generate',
  summary:
    'Start a report job (uptime/SLA, inventory or audit summary) over a period and a set of servers, as CSV, JSON, HTML or PDF. Follow the job; download its file from GET /api/v1/jobs/{id}/artifact. The audit summary also needs audit:read.',
  input: ReportInput,
  output: JobSchema,
  // One permission per method: the audit summary's audit:read is checked by the service.
  permission: 'servers:read',
  audit: { target: (input) => `report:${input.type}` },
  http: { method: 'POST', path: '/reports' },
});

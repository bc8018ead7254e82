import { z } from 'zod';
import { changeEvent, method, queryInt } from './contract';
import { JobSchema } from './jobs';

/**
 * The audit log's contract (docs/architecture.md §9): browse with filters and cursor paging, verify the
 * hash chain, export with the hashes, cut old events at a checkpoint.
 */

export const AuditEvent = z.object({
  seq: z.number().int(),
  at: z.number().int(),
  /** `user:<id>`, `apiKey:<id>`, `system:<id>` or `anonymous`. */
  actor: z.string(),
  actorName: z.string().nullable(),
  origin: z.string(),
  /** The contract method (or `job.finished`). */
  action: z.string(),
  target: z.string().nullable(),
  /** `ok`, or the error code. */
  outcome: z.string(),
  correlationId: z.string(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

const epoch = queryInt(0, 8_640_000_000_000);
const text = (max: number) => z.string().trim().min(1).max(max);

/** What to show: every field optional; `outcome` `error` means any failure. */
export const AuditFilter = z.strictObject({
  from: epoch.optional(),
  to: epoch.optional(),
  actor: text(200).optional(),
  action: text(100).optional(),
  target: text(200).optional(),
  outcome: text(64).optional(),
  /** Words that must all appear in the details (full-text). */
  q: text(200).optional(),
});
export type AuditFilter = z.infer<typeof AuditFilter>;

export const auditList = method({
  name: 'audit.list',
  summary: 'Audit events, newest first, filtered; page with `before` (the last seq of the previous page).',
  input: AuditFilter.extend({
    before: queryInt(1, Number.MAX_SAFE_INTEGER).optional(),
    limit: queryInt(1, 500).default(100),
  }),
  output: z.object({ items: z.array(AuditEvent), nextBefore: z.number().int().nullable() }),
  permission: 'audit:read',
  audit: false,
  http: { method: 'GET', path: '/audit' },
});

export const auditGet = method({
  name: 'audit.get',
  summary: 'One audit event with its hash-chain fields.',
  input: z.strictObject({ seq: queryInt(1, Number.MAX_SAFE_INTEGER) }),
  output: AuditEvent,
  permission: 'audit:read',
  audit: false,
  http: { method: 'GET', path: '/audit/events/:seq' },
});

/** What verification can find wrong at the first broken event (docs/audit.md). */
export const BREAK_KINDS = ['removed', 'edited', 'reordered', 'hash-altered', 'relinked'] as const;
export type BreakKind = (typeof BREAK_KINDS)[number];

export const VerifyReport = z.object({
  kind: z.literal('audit.verify'),
  intact: z.boolean(),
  /** Events that verified. */
  events: z.number().int(),
  headSeq: z.number().int(),
  headHash: z.string(),
  /** Where the walk started: genesis, or the last retention checkpoint. */
  anchor: z.object({ seq: z.number().int(), hash: z.string(), checkpoint: z.boolean() }),
  broken: z.object({ seq: z.number().int(), kind: z.enum(BREAK_KINDS), message: z.string() }).nullable(),
  /** When a head hash kept elsewhere was given: whether the chain still holds it. */
  expectedHead: z.object({ hash: z.string(), foundAt: z.number().int().nullable() }).nullable(),
  summary: z.string(),
});
export type VerifyReport = z.infer<typeof VerifyReport>;

const Sha256 = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{64}$/, 'A head hash is 64 hex digits');

export const auditVerify = method({
  name: 'audit.verify',
  summary:
    'Walk the hash chain as a job: "N events, chain intact, head hash …" or the first broken sequence number and what is wrong there. With expectHead, also say whether a head hash kept elsewhere is still in the chain.',
  input: z.strictObject({ expectHead: Sha256.optional() }),
  output: JobSchema,
  permission: 'audit:read',
  audit: { target: () => 'audit' },
  http: { method: 'POST', path: '/audit/verify' },
});

export const AUDIT_EXPORT_FORMATS = ['csv', 'jsonl'] as const;

export const auditExport = method({
  name: 'audit.export',
  summary: 'Export the filtered events, oldest first, with their hashes, as CSV or JSON Lines: a job that streams to a file.',
  input: AuditFilter.extend({ format: z.enum(AUDIT_EXPORT_FORMATS) }),
  output: JobSchema,
  permission: 'audit:read',
  audit: { target: (input) => `export:${input.format}` },
  http: { method: 'POST', path: '/audit/export' },
});

export const AuditSettings = z.strictObject({
  /** Events older than this are removed at a checkpoint; null keeps everything. */
  retentionDays: z.number().int().min(30, 'Keep audit events at least 30 days').max(36_500).nullable(),
});
export type AuditSettings = z.infer<typeof AuditSettings>;

export const auditSettings = method({
  name: 'audit.settings',
  summary: 'How long audit events are kept, and the checkpoints retention left.',
  input: z.strictObject({}),
  output: AuditSettings.extend({
    checkpoints: z.array(z.object({ at: z.number().int(), lastSeq: z.number().int(), lastHash: z.string(), removed: z.number().int(), by: z.string() })),
  }),
  permission: 'audit:read',
  audit: false,
  http: { method: 'GET', path: '/audit/settings' },
});

export const auditUpdateSettings = method({
  name: 'audit.updateSettings',
  summary: 'Change how long audit events are kept.',
  input: AuditSettings,
  output: AuditSettings,
  permission: 'audit:admin',
  audit: { target: () => 'settings:audit' },
  http: { method: 'PUT', path: '/audit/settings' },
});

export const auditPrune = method({
  name: 'audit.prune',
  summary: 'Remove events older than the retention period, at a checkpoint that records the last removed hash (a job).',
  input: z.strictObject({}),
  output: JobSchema,
  permission: 'audit:admin',
  audit: { target: () => 'audit' },
  http: { method: 'POST', path: '/audit/prune' },
});

export const auditSettingsChanged = changeEvent({
  name: 'audit.settingsChanged',
  summary: 'The audit log’s retention settings changed (ids is empty: there is one set).',
  changes: ['updated'],
  permission: 'audit:read',
});

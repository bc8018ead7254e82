import { z } from 'zod';
import { event, method, queryInt } from './contract';
import { AppErrorShape } from './errors';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const JobSchema = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  status: z.enum(JOB_STATUSES),
  done: z.number().int(),
  total: z.number().int().nullable(),
  /** What the job produced; its shape depends on `kind` (e.g. ImportSummary for servers.import). */
  result: z.unknown().nullable(),
  error: AppErrorShape.nullable(),
  createdBy: z.string(),
  createdAt: z.number().int(),
  startedAt: z.number().int().nullable(),
  finishedAt: z.number().int().nullable(),
});
export type Job = z.infer<typeof JobSchema>;

/** A file a job produced (an export, a report), kept under the data dir and fetched once it succeeded. */
export const Artifact = z.object({
  fileName: z.string(),
  mimeType: z.string(),
  bytes: z.number().int(),
  /** What a caller needs to fetch it: the permission the job itself needed. */
  permission: z.string(),
});
export type Artifact = z.infer<typeof Artifact>;

/** The result of a job that produced a file: its own summary fields, and the file. */
export const hasArtifact = (result: unknown): result is { artifact: Artifact } =>
  typeof result === 'object' && result !== null && Artifact.safeParse((result as { artifact?: unknown }).artifact).success;

export const isFinished = (job: Pick<Job, 'status'>): boolean => job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled';

export const jobsList = method({
  name: 'jobs.list',
  summary: 'Recent jobs, newest first.',
  input: z.strictObject({ limit: queryInt(1, 500).default(50) }),
  output: z.object({ items: z.array(JobSchema) }),
  permission: 'jobs:read',
  audit: false,
  http: { method: 'GET', path: '/jobs' },
});

export const jobsGet = method({
  name: 'jobs.get',
  summary: 'One job with its progress and, once finished, its result or error.',
  input: z.strictObject({ id: z.uuid('Not a job id') }),
  output: JobSchema,
  permission: 'jobs:read',
  audit: false,
  http: { method: 'GET', path: '/jobs/:id' },
});

export const jobsCancel = method({
  name: 'jobs.cancel',
  summary: 'Ask a running job to stop. Work already committed stays; the job ends as cancelled.',
  input: z.strictObject({ id: z.uuid('Not a job id') }),
  output: JobSchema,
  permission: 'jobs:write',
  audit: { target: (input) => `job:${input.id}` },
  http: { method: 'POST', path: '/jobs/:id/cancel' },
});

export const jobsSaveArtifact = method({
  name: 'jobs.saveArtifact',
  summary:
    'Desktop app: save the file a finished job produced where the person picks (the native save dialog). Over HTTP, download it from GET /api/v1/jobs/{id}/artifact instead.',
  input: z.strictObject({ id: z.uuid('Not a job id') }),
  output: z.object({ savedTo: z.string().nullable() }),
  permission: 'jobs:read',
  audit: { target: (input) => `job:${input.id}` },
  http: { method: 'POST', path: '/jobs/:id/save' },
});

export const jobProgress = event({
  name: 'job.progress',
  summary: 'A job started, moved forward or finished.',
  payload: JobSchema,
  permission: 'jobs:read',
});

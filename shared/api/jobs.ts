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

export const isFinished = (job: Pick<Job, 'status'>): boolean =>
  job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled';

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

export const jobProgress = event({
  name: 'job.progress',
  summary: 'A job started, moved forward or finished.',
  payload: JobSchema,
  permission: 'jobs:read',
});

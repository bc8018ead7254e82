import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppErrorShape } from '@shared/api';
import type { Me } from '@shared/api/auth';
import { isFinished, type Job } from '@shared/api/jobs';
import type { ReportResult } from '@shared/api/reports';
import type { OutputFolders, Schedule, ScheduleRun } from '@shared/api/schedules';
import { cleanUp, pollUntil, runCli, startGuardian, tempDir, type Guardian } from '../testing/guardian';

// A schedule is no way around a permission (issue 14, #4): an operator, refused audit.prune and
// the audit summary directly, must not get them through schedules.create + schedules.run, nor
// write a report into any folder of the machine. Through a real `guardian serve` over HTTP.

let guardian: Guardian;
const keys = {} as Record<'operator' | 'admin', string>;

async function createKey(role: 'operator' | 'admin'): Promise<string> {
  const result = await runCli(['apikey', 'create', '--name', `sched-${role}`, '--role', role, '--json', '--data-dir', guardian.dataDir]);
  if (result.code !== 0) throw new Error(`guardian apikey create failed:\n${result.stderr}`);
  return (JSON.parse(result.stdout) as { token: string }).token;
}

beforeAll(async () => {
  guardian = await startGuardian();
  keys.operator = await createKey('operator');
  keys.admin = await createKey('admin');
}, 90_000);
afterAll(cleanUp);

interface Answer<T> {
  status: number;
  body: T;
}

type Caller = 'owner' | 'operator' | 'admin' | { cookie: string; csrf: string };

async function call<T = unknown>(who: Caller, verb: string, path: string, body?: unknown): Promise<Answer<T>> {
  const credentials =
    who === 'owner' ? guardian.auth() : typeof who === 'string' ? { authorization: `Bearer ${keys[who]}` } : { cookie: who.cookie, 'x-csrf-token': who.csrf };
  const response = await fetch(guardian.at(path), {
    method: verb,
    headers: { ...credentials, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

const errorOf = (answer: Answer<unknown>) => AppErrorShape.parse((answer.body as { error: unknown }).error);

const REPORT = { period: { preset: '7d' }, format: 'csv' } as const;
let serial = 0;
const schedule = (task: string, params: Record<string, unknown> = {}) => ({ name: `sched-${++serial}`, task, params, cron: '0 3 * * *', timezone: 'UTC' });

async function names(): Promise<string[]> {
  return (await call<{ items: Schedule[] }>('owner', 'GET', 'api/v1/schedules')).body.items.map((item) => item.name);
}

async function finished(id: string): Promise<Job> {
  return pollUntil(async () => (await call<Job>('owner', 'GET', `api/v1/jobs/${id}`)).body, isFinished, { what: `job ${id}`, timeoutMs: 30_000 });
}

describe('what a schedule needs', { timeout: 90_000 }, () => {
  it('refuses the operator audit.prune through a schedule, as it is refused directly (403)', async () => {
    expect((await call('operator', 'POST', 'api/v1/audit/prune', {})).status).toBe(403);
    const answer = await call('operator', 'POST', 'api/v1/schedules', schedule('audit.prune'));
    expect(answer.status).toBe(403);
    expect(errorOf(answer)).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining('audit:admin') as string });
    expect(await names()).toEqual([]);
  });

  it('refuses the operator a scheduled audit summary, as reports.generate does (403); other reports are fine', async () => {
    expect((await call('operator', 'POST', 'api/v1/reports', { type: 'audit-summary', ...REPORT })).status).toBe(403);
    const answer = await call('operator', 'POST', 'api/v1/schedules', schedule('report.generate', { type: 'audit-summary', ...REPORT }));
    expect(answer.status).toBe(403);
    expect(errorOf(answer).message).toContain('audit:read');

    const inventory = await call<Schedule>('operator', 'POST', 'api/v1/schedules', schedule('report.generate', { type: 'inventory', ...REPORT }));
    expect(inventory.status).toBe(200);
    // Nor can it be turned into an audit summary afterwards.
    const changed = await call('operator', 'PATCH', `api/v1/schedules/${inventory.body.id}`, { params: { type: 'audit-summary', ...REPORT } });
    expect(changed.status).toBe(403);
  });

  it('refuses the operator running or changing the owner’s audit.prune schedule', async () => {
    const prune = await call<Schedule>('owner', 'POST', 'api/v1/schedules', schedule('audit.prune'));
    expect(prune.status).toBe(200);
    expect((await call('operator', 'POST', `api/v1/schedules/${prune.body.id}/run`, {})).status).toBe(403);
    expect((await call('operator', 'PATCH', `api/v1/schedules/${prune.body.id}`, { cron: '* * * * *' })).status).toBe(403);
    expect((await call<{ items: ScheduleRun[] }>('owner', 'GET', `api/v1/schedules/${prune.body.id}/runs`)).body.items).toEqual([]);
  });
});

describe('where a scheduled report is written', { timeout: 90_000 }, () => {
  it('writes to the data folder’s reports/ by default', async () => {
    const created = await call<Schedule>('operator', 'POST', 'api/v1/schedules', schedule('report.generate', { type: 'inventory', ...REPORT }));
    const started = await call<Job>('operator', 'POST', `api/v1/schedules/${created.body.id}/run`, {});
    expect(started.status).toBe(200);
    const job = await finished(started.body.id);
    expect(job.status).toBe('succeeded');
    const savedTo = (job.result as ReportResult).savedTo ?? '';
    expect(savedTo.startsWith(join(guardian.dataDir, 'reports'))).toBe(true);
    expect(existsSync(savedTo)).toBe(true);
  });

  it.each([
    ['a folder outside the allowed ones', () => tempDir('guardian-elsewhere-'), 403, 'PERMISSION_DENIED'],
    ['the data folder itself', () => guardian.dataDir, 403, 'PERMISSION_DENIED'],
    ['a path that climbs out of reports/', () => `${join(guardian.dataDir, 'reports')}/../logs`, 400, 'VALIDATION_FAILED'],
    ['a symlink in reports/ that leads elsewhere', () => escapeLink(), 403, 'PERMISSION_DENIED'],
    ['a UNC path (\\\\host\\share)', () => '\\\\evil.example\\share\\reports', 400, 'VALIDATION_FAILED'],
    ['a UNC path (//host/share)', () => '//evil.example/share/reports', 400, 'VALIDATION_FAILED'],
    ['a relative path', () => 'reports', 400, 'VALIDATION_FAILED'],
  ])('refuses %s, naming the folder param', async (_what, folder, status, code) => {
    const answer = await call('operator', 'POST', 'api/v1/schedules', schedule('report.generate', { type: 'inventory', ...REPORT, folder: folder() }));
    expect(answer.status).toBe(status);
    const error = errorOf(answer);
    expect(error.code).toBe(code);
    expect(error.issues?.map((issue) => issue.path.join('.'))).toContain('params.folder');
  });

  it('lets only an owner allow other folders; then the operator may write below them, and nowhere else', async () => {
    const allowed = tempDir('guardian-allowed-');
    const before = await call<OutputFolders>('operator', 'GET', 'api/v1/schedules/output-folders');
    expect(before.body).toEqual({ default: join(guardian.dataDir, 'reports'), folders: [] });

    for (const who of ['operator', 'admin'] as const) {
      const refused = await call(who, 'PUT', 'api/v1/schedules/output-folders', { folders: [allowed] });
      expect(refused.status, who).toBe(403);
    }
    const unc = await call('owner', 'PUT', 'api/v1/schedules/output-folders', { folders: ['\\\\fileserver\\reports'] });
    expect(unc.status).toBe(400);
    expect(errorOf(unc).issues?.[0]?.path).toEqual(['folders', 0]);

    const set = await call<OutputFolders>('owner', 'PUT', 'api/v1/schedules/output-folders', { folders: [`${allowed}/`] });
    expect(set).toMatchObject({ status: 200, body: { folders: [allowed] } });

    const inside = await call<Schedule>(
      'operator',
      'POST',
      'api/v1/schedules',
      schedule('report.generate', { type: 'inventory', ...REPORT, folder: join(allowed, 'monthly') }),
    );
    expect(inside.status).toBe(200);
    const job = await finished((await call<Job>('operator', 'POST', `api/v1/schedules/${inside.body.id}/run`, {})).body.id);
    expect((job.result as ReportResult).savedTo?.startsWith(join(allowed, 'monthly'))).toBe(true);

    // Taken off the list, the folder is refused at the next run.
    expect((await call('owner', 'PUT', 'api/v1/schedules/output-folders', { folders: [] })).status).toBe(200);
    const run = await call('operator', 'POST', `api/v1/schedules/${inside.body.id}/run`, {});
    expect(run.status).toBe(403);
    expect(errorOf(run).code).toBe('PERMISSION_DENIED');
  });
});

function escapeLink(): string {
  const reports = join(guardian.dataDir, 'reports');
  mkdirSync(reports, { recursive: true });
  const link = join(reports, `escape-${++serial}`);
  symlinkSync(tempDir('guardian-escape-'), link);
  return link;
}

/** A browser session for an account made with `guardian user add`, its first password changed as required. */
async function signedIn(username: string, role: 'owner' | 'admin'): Promise<{ cookie: string; csrf: string; me: Me }> {
  const first = `the first password of ${username} 1`;
  const added = await runCli(['user', 'add', '--username', username, '--role', role, '--password-stdin', '--data-dir', guardian.dataDir], {
    stdin: `${first}\n`,
  });
  if (added.code !== 0) throw new Error(`guardian user add failed:\n${added.stderr}`);
  const login = await fetch(guardian.at('api/v1/auth/login'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: first }),
  });
  expect(login.status).toBe(200);
  const me = (await login.json()) as Me;
  const session = {
    cookie: (login.headers.getSetCookie().find((line) => line.startsWith('guardian_session=')) ?? '').split(';')[0] ?? '',
    csrf: me.csrfToken,
    me,
  };
  const changed = await call(session, 'POST', 'api/v1/auth/password', { currentPassword: first, newPassword: `${username} chose this one herself 2` });
  expect(changed.status).toBe(200);
  return session;
}

describe('a schedule runs with its creator’s rights as they are now', { timeout: 90_000 }, () => {
  it('fails with PERMISSION_DENIED, recorded in its history, once its admin creator is made a viewer', async () => {
    const olga = await signedIn('olga', 'owner');
    const adele = await signedIn('adele', 'admin');
    const verify = await call<Schedule>(adele, 'POST', 'api/v1/schedules', schedule('audit.verify'));
    expect(verify.status).toBe(200);
    expect(verify.body.createdBy).toBe(`user:${adele.me.id}`);
    // While she is an admin, it runs.
    const first = await call<Job>('owner', 'POST', `api/v1/schedules/${verify.body.id}/run`, {});
    expect(first.status).toBe(200);
    expect((await finished(first.body.id)).status).toBe('succeeded');

    expect((await call(olga, 'PATCH', `api/v1/users/${adele.me.id}`, { role: 'viewer' })).status).toBe(200);

    const refused = await call('owner', 'POST', `api/v1/schedules/${verify.body.id}/run`, {});
    expect(refused.status).toBe(403);
    expect(errorOf(refused)).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining(`user:${adele.me.id}`) as string });
    const runs = (await call<{ items: ScheduleRun[] }>('owner', 'GET', `api/v1/schedules/${verify.body.id}/runs`)).body.items;
    expect(runs.map((run) => [run.outcome, run.errorCode, run.trigger, run.jobId === null])).toEqual([
      ['failed', 'PERMISSION_DENIED', 'manual', true],
      ['succeeded', null, 'manual', false],
    ]);
  });
});

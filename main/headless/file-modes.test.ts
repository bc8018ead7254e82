import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isFinished, type Job } from '@shared/api/jobs';
import type { Schedule } from '@shared/api/schedules';
import { cleanUp, CLI_TEST_TIMEOUT_MS, type Guardian, pollUntil, startGuardian, tempDir } from './testing/guardian';

// The data folder holds password hashes, TOTP secrets and the sealed vault: after a real
// `guardian serve` has written everything it writes, nobody but its user may read any of it.

afterAll(cleanUp);

/** Every folder and file under `root` (root included) with its permission bits, as `0755`. */
function modesUnder(root: string): Map<string, string> {
  const modes = new Map<string, string>();
  const visit = (path: string) => {
    const stat = statSync(path);
    modes.set(path, (stat.mode & 0o777).toString(8).padStart(4, '0'));
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
  };
  visit(root);
  return modes;
}

async function finished(guardian: Guardian, started: { status: number; body: Job }): Promise<Job> {
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  return pollUntil(async () => (await guardian.request<Job>('GET', `api/v1/jobs/${started.body.id}`)).body, isFinished, {
    what: `job ${started.body.id} to finish`,
    timeoutMs: 30_000,
  });
}

// Windows has no POSIX file modes (its ACLs are another test's matter): 0600/0700 cannot be checked there.
describe.skipIf(process.platform === 'win32')('file modes in the data folder', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('after a start, a report, an audit export, a scheduled report and a stop: folders 0700, files 0600, nothing for group or others', async () => {
    const guardian = await startGuardian();
    await guardian.request('POST', 'api/v1/servers', { name: 'modes-web', host: 'modes.test' });
    const report = await finished(
      guardian,
      await guardian.request<Job>('POST', 'api/v1/reports', { type: 'inventory', period: { preset: '7d' }, format: 'json' }),
    );
    const exported = await finished(guardian, await guardian.request<Job>('POST', 'api/v1/audit/export', { format: 'jsonl' }));
    const schedule = await guardian.request<Schedule>('POST', 'api/v1/schedules', {
      name: 'nightly inventory',
      task: 'report.generate',
      params: { type: 'inventory', period: { preset: '7d' }, format: 'csv' },
      cron: '0 3 * * *',
      timezone: 'UTC',
    });
    const scheduled = await finished(guardian, await guardian.request<Job>('POST', `api/v1/schedules/${schedule.body.id}/run`, {}));
    expect([report.status, exported.status, scheduled.status], JSON.stringify([report.error, exported.error, scheduled.error])).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    expect(await guardian.stop()).toEqual({ code: 0, signal: null });

    const modes = modesUnder(guardian.dataDir);
    const wrote = [...modes.keys()].map((path) => path.slice(guardian.dataDir.length + 1));
    // What the test means to cover was written.
    expect(wrote).toEqual(expect.arrayContaining(['guardian.db', 'logs', 'logs/guardian.1.log', 'artifacts', 'reports']));
    expect(wrote.filter((path) => path.startsWith('reports/'))).toHaveLength(1);
    expect(wrote.filter((path) => path.startsWith('artifacts/') && path.split('/').length === 3)).toHaveLength(3);

    const open = [...modes].filter(([, mode]) => (parseInt(mode, 8) & 0o077) !== 0);
    expect(open).toEqual([]);
    for (const [path, mode] of modes) expect(mode, path).toBe(statSync(path).isDirectory() ? '0700' : '0600');
  });

  it('warns at start about an existing data folder that others may read, naming it', async () => {
    const dataDir = tempDir();
    mkdirSync(join(dataDir, 'logs'));
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'logs'), 0o750);
    const guardian = await startGuardian({ dataDir, apiKey: false });
    await guardian.waitForStderr('may be read by other users');
    const warnings = guardian
      .stderr()
      .split('\n')
      .filter((line) => line.includes('may be read by other users'))
      .map((line) => JSON.parse(line) as { level: number; folder: string; mode: string });
    expect(warnings.map(({ folder, mode }) => [folder, mode])).toEqual(
      expect.arrayContaining([
        [dataDir, '0755'],
        [join(dataDir, 'logs'), '0750'],
      ]),
    );
    // The database inside is still its user's alone.
    expect((statSync(join(dataDir, 'guardian.db')).mode & 0o777).toString(8)).toBe('600');
  });
});

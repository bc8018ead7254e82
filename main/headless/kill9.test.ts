import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isFinished, type Job } from '@shared/api/jobs';
import type { ImportSummary, Server } from '@shared/api/servers';
import { IMPORT_BATCH } from '@core/servers/import-job';
import { fleetCsv } from './testing/fleet';
import { cleanUp, CLI_TEST_TIMEOUT_MS, type Guardian, pollUntil, startGuardian } from './testing/guardian';

// `kill -9` in the middle of a big import: the database must stay sound, hold whole batches
// only, and the next start must say the job was interrupted.

// Sixteen batches: enough that each kill lands between batches well before the end (a batch takes
// far longer than the poll and the kill), without importing tens of thousands of rows each time.
const ROWS = 16 * IMPORT_BATCH;
const csv = fleetCsv(ROWS, 'k9');

afterEach(cleanUp);
afterAll(cleanUp);

function inspect(dataDir: string) {
  const db = new Database(join(dataDir, 'guardian.db'), { fileMustExist: true });
  try {
    return {
      integrity: db.pragma('integrity_check', { simple: true }) as string,
      servers: db.prepare('SELECT count(*) FROM servers').pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

async function startImport(guardian: Guardian): Promise<Job> {
  const { status, body } = await guardian.request<Job>('POST', 'api/v1/servers/import', { format: 'csv', content: csv, fileName: 'k9.csv' });
  expect(status).toBe(200);
  return body;
}

const getJob = async (guardian: Guardian, id: string) => {
  const { status, body } = await guardian.request<Job>('GET', `api/v1/jobs/${id}`);
  expect(status).toBe(200);
  return body;
};

describe('SIGKILL during an import', () => {
  it.each([
    { point: 'after the first progress report', atLeast: 1 },
    { point: 'about a fifth of the way', atLeast: ROWS / 5 },
    { point: 'about half way', atLeast: ROWS / 2, resume: true },
  ])('$point: sound database, whole batches, job reported as interrupted', { timeout: CLI_TEST_TIMEOUT_MS }, async ({ atLeast, resume }) => {
    const guardian = await startGuardian({ args: ['--log-level', 'warn'] });
    const job = await startImport(guardian);
    const seen = await pollUntil(
      () => getJob(guardian, job.id),
      (current) => current.done >= atLeast || isFinished(current),
      { what: `the import to pass ${atLeast} rows`, timeoutMs: 90_000, intervalMs: 10 },
    );
    expect(seen.status, 'the import finished before it could be killed').toBe('running');

    expect(await guardian.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

    const after = inspect(guardian.dataDir);
    expect(after.integrity).toBe('ok');
    expect(after.servers % IMPORT_BATCH === 0 || after.servers === ROWS, `${after.servers} servers`).toBe(true);
    expect(after.servers).toBeGreaterThanOrEqual(seen.done);

    const restarted = await startGuardian({ dataDir: guardian.dataDir, args: ['--log-level', 'warn'] });
    const reported = await getJob(restarted, job.id);
    expect(reported).toMatchObject({ status: 'failed', error: { code: 'INTERRUPTED' } });
    expect(reported.error?.hint).toMatch(/run the job again/);
    expect(reported.finishedAt).not.toBeNull();
    const page = await restarted.request<{ items: Server[]; total: number }>('GET', 'api/v1/servers?limit=1');
    expect(page.body.total).toBe(after.servers);

    if (resume) {
      // What the hint promises: running the same file again finishes the rest, with no duplicates.
      const again = await startImport(restarted);
      const finished = await pollUntil(() => getJob(restarted, again.id), isFinished, {
        what: 'the second import to finish',
        timeoutMs: 100_000,
        intervalMs: 100,
      });
      expect(finished.status).toBe('succeeded');
      expect(finished.result as ImportSummary).toMatchObject({
        rows: ROWS,
        created: ROWS - after.servers,
        unchanged: after.servers,
        updated: 0,
        rejected: [],
      });
    }
    expect(await restarted.stop()).toEqual({ code: 0, signal: null });
  });
});

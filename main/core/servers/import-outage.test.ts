import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Job } from '@shared/api/jobs';
import type { ImportSummary } from '@shared/api/servers';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { read } from '../db/engine';
import { createLogger } from '../logging/logger';
import { useEngines } from '../testing/engines';
import { success, useTempCore } from '../testing/harness';
import { IMPORT_BATCH } from './import-job';
import { ServerService } from './service';

/**
 * PostgreSQL killed in the middle of a servers import (docs/storage.md "While the database is
 * away"): the import writes batches of IMPORT_BATCH rows, one transaction each. The server is
 * stopped as a crash would stop it while the third batch is being written: the job fails with a
 * retryable DB_UNAVAILABLE, the two batches committed before stay whole (each server with its
 * default check), the third left nothing, and the same import run again once the server is back
 * completes it, every server there exactly once.
 */

const engines = useEngines('guardian-import-outage-', { ownServer: true });
const env = useTempCore({ prefix: 'guardian-import-outage-', engine: 'postgres', postgresServer: () => engines.server, lazy: true });

const CALL = { origin: 'test' };
const ROWS = 4 * IMPORT_BATCH;
const name = (row: number) => `node-${String(row).padStart(4, '0')}`;
const CSV = `name,host,tags\n${Array.from({ length: ROWS }, (_, row) => `${name(row)},${name(row)}.example.net,imported`).join('\n')}\n`;

afterEach(() => {
  vi.restoreAllMocks();
  // A test that failed with the server stopped leaves it running for the next.
  engines.server.restart();
});

const call = async <T>(core: Core, method: string, input: unknown) => success<T>(await core.router.call(LOCAL_OWNER, method, input, CALL));

/** The servers stored, by name, and how many checks each has. */
const stored = (core: Core) =>
  core.data.all(sql`SELECT s.name AS name, (SELECT count(*) FROM checks c WHERE c.server_id = s.id) AS checks FROM servers s ORDER BY s.name`, (row) => ({
    name: read.text(row, 'name'),
    checks: read.number(row, 'checks'),
  }));

describe('PostgreSQL stopped in the middle of a servers import', () => {
  it('fails the job retryable, keeps the batches committed before whole, leaves nothing of the one it broke, and a second run completes it', async () => {
    const lines: { msg: string; jobId?: string }[] = [];
    const core = await env.start({ logger: createLogger('warn', { write: (line: string) => void lines.push(JSON.parse(line)) }) });
    // The crash comes in the middle of the third batch: its first half written, in its transaction, the rest not.
    const upsert = ServerService.prototype.upsertByName;
    let upserts = 0;
    vi.spyOn(ServerService.prototype, 'upsertByName').mockImplementation(function (this: ServerService, ...args) {
      upserts += 1;
      if (upserts === 2 * IMPORT_BATCH + IMPORT_BATCH / 2) engines.server.stop('immediate');
      return upsert.apply(this, args);
    });

    const started = await call<Job>(core, 'servers.import', { format: 'csv', content: CSV });
    // The job has stopped at the broken batch and waits for the database to store its end.
    const deadline = Date.now() + 15_000;
    while (!lines.some((line) => line.jobId === started.id && /did not take the end of a job/.test(line.msg))) {
      if (Date.now() > deadline) throw new Error(`the job did not stop at the broken batch: ${JSON.stringify(lines)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    engines.server.restart();
    const failed = await core.jobs.waitFor(started.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'DB_UNAVAILABLE', retryable: true, hint: expect.stringContaining('PostgreSQL') });
    // What the caller was told was done is there, whole: two batches of servers, each with its default check.
    expect(await call<Job>(core, 'jobs.get', { id: started.id })).toMatchObject({
      status: 'failed',
      done: 2 * IMPORT_BATCH,
      error: { code: 'DB_UNAVAILABLE' },
    });
    const kept = await stored(core);
    expect(kept.map((server) => server.name)).toEqual(Array.from({ length: 2 * IMPORT_BATCH }, (_, row) => name(row)));
    expect(kept.every((server) => server.checks === 1)).toBe(true);

    // The same file again: the rest created, what was there left as it is, every server once.
    vi.restoreAllMocks();
    const again = await core.jobs.waitFor((await call<Job>(core, 'servers.import', { format: 'csv', content: CSV })).id);
    expect(again.status).toBe('succeeded');
    expect(again.result).toMatchObject({
      rows: ROWS,
      created: 2 * IMPORT_BATCH,
      unchanged: 2 * IMPORT_BATCH,
      updated: 0,
      rejected: [],
    } satisfies Partial<ImportSummary>);
    const all = await stored(core);
    expect(all.map((server) => server.name)).toEqual(Array.from({ length: ROWS }, (_, row) => name(row)));
    expect(all.every((server) => server.checks === 1)).toBe(true);
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent, VerifyReport } from '@shared/api/audit';
import type { Job } from '@shared/api/jobs';
import { LOCAL_OWNER, type Principal } from '@shared/permissions';
import type { Core } from '../app';
import { fromCsvCell } from '../csv';
import { failure, ON_POSTGRES, success, useTempCore } from '../testing/harness';
import { GENESIS } from './chain';
import { chainRow, storedEvent } from './rows';
import { verifyJsonLines } from './verify-file';
import { rowsOf } from '../testing/rows';

/**
 * The tamper-evident audit log on a real database file: every way of changing history is found
 * and named by sequence number; retention keeps what remains verifiable; exports round-trip and
 * a JSON Lines export verifies on its own.
 */

const env = useTempCore({ prefix: 'guardian-audit-' });
const ALICE: Principal = { kind: 'user', id: 'alice-1', name: 'alice', role: 'owner' };

const call = async <T>(core: Core, name: string, input: unknown, who: Principal = LOCAL_OWNER) =>
  success<T>(await core.router.call(who, name, input, { origin: 'test' }));

async function runJob<T>(core: Core, name: string, input: unknown = {}): Promise<{ job: Job; result: T }> {
  const started = await call<Job>(core, name, input);
  const job = await core.jobs.waitFor(started.id);
  if (job.status !== 'succeeded') throw new Error(`${name} ended ${job.status}: ${JSON.stringify(job.error)}`);
  return { job, result: job.result as T };
}

const verify = async (core: Core, input: unknown = {}) => (await runJob<VerifyReport>(core, 'audit.verify', input)).result;

/** Ten audited changes by alice: servers created and renamed. */
async function history(core: Core): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const server = await call<{ id: string }>(core, 'servers.create', { name: `web-${i}`, host: `web-${i}.example.net` }, ALICE);
    await call(core, 'servers.update', { id: server.id, notes: `rack ${i}` }, ALICE);
  }
}

/** Runs each statement on the core's database, as someone with the database's password could. */
const sql = async (core: Core, ...statements: string[]) => {
  for (const statement of statements) await rowsOf(core).run(statement);
};
/** The events in `where`, as the chain reads them (on PostgreSQL, jsonb details made canonical text again). */
const chainRows = async (core: Core, where: string) =>
  (await rowsOf(core).all(`SELECT * FROM audit_events ${where} ORDER BY seq`)).map(chainRow(core.data.dialect));
/** An event's details as JSON text (SQLite keeps the text, PostgreSQL a jsonb value), to edit and write back. */
const detailsText = async (core: Core, seq: number) => {
  const details = await rowsOf(core).value(`SELECT details FROM audit_events WHERE seq = ?`, seq);
  return typeof details === 'string' ? details : JSON.stringify(details);
};

beforeEach(async () => {
  await history(env.core);
});

describe('the audit chain', () => {
  it('verifies intact, naming the event count and the head hash', async () => {
    const report = await verify(env.core);
    // Ten changes, and the verification's own start (its end is written after it finished walking).
    expect(report).toMatchObject({ intact: true, events: 11, headSeq: 11, broken: null, anchor: { seq: 0, hash: GENESIS } });
    expect(report.summary).toBe(`11 events, chain intact, head hash ${report.headHash}`);
    expect((await call<AuditEvent>(env.core, 'audit.get', { seq: 11 })).hash).toBe(report.headHash);
    const tenth = await call<AuditEvent>(env.core, 'audit.get', { seq: 10 });
    expect(tenth).toMatchObject({
      action: 'servers.update',
      actor: 'user:alice-1',
      actorName: 'alice',
      outcome: 'ok',
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('names an edited detail', async () => {
    await rowsOf(env.core).run('UPDATE audit_events SET details = ? WHERE seq = 6', (await detailsText(env.core, 6)).replace('rack 2', 'rack 9'));
    const report = await verify(env.core);
    expect(report).toMatchObject({ intact: false, broken: { seq: 6, kind: 'edited' } });
    expect(report.summary).toBe('chain broken at event 6: event 6 was edited: its content no longer matches its hash');
  });

  it('names a deleted event', async () => {
    await sql(env.core, 'DELETE FROM audit_events WHERE seq = 4');
    expect((await verify(env.core)).broken).toMatchObject({ seq: 4, kind: 'removed', message: 'event 4 is missing: removed from the log' });
  });

  it('names two swapped events', async () => {
    await sql(
      env.core,
      'UPDATE audit_events SET seq = -1 WHERE seq = 3',
      'UPDATE audit_events SET seq = 3 WHERE seq = 4',
      'UPDATE audit_events SET seq = 4 WHERE seq = -1',
    );
    expect((await verify(env.core)).broken).toMatchObject({
      seq: 3,
      kind: 'reordered',
      message: 'event 3 holds the event recorded as 4: events were reordered',
    });
  });

  it('names an altered hash', async () => {
    await sql(env.core, `UPDATE audit_events SET hash = '${'f'.repeat(64)}' WHERE seq = 7`);
    expect((await verify(env.core)).broken).toMatchObject({ seq: 7, kind: 'hash-altered' });
  });

  it('names an event rewritten and re-hashed by someone who knows the formula', async () => {
    // Re-hashing event 5 after editing it is consistent in itself; event 6 still points at the old hash.
    const { canonicalEvent, hashEvent } = await import('./chain');
    const [row] = await chainRows(env.core, 'WHERE seq = 5');
    if (!row) throw new Error('event 5 is missing');
    const event = { ...storedEvent(row), origin: 'forged' };
    expect(canonicalEvent(event)).toContain('"origin":"forged"');
    await rowsOf(env.core).run('UPDATE audit_events SET origin = ?, hash = ? WHERE seq = 5', 'forged', hashEvent(row.prev_hash ?? GENESIS, event));
    expect((await verify(env.core)).broken).toMatchObject({ seq: 6, kind: 'relinked' });
  });

  it('proves a head hash kept elsewhere is still in the chain, and that a truncated tail is not', async () => {
    const head = (await verify(env.core)).headHash;
    await call(env.core, 'servers.create', { name: 'later', host: 'later.example.net' }, ALICE);
    expect(await verify(env.core, { expectHead: head })).toMatchObject({ intact: true, expectedHead: { hash: head, foundAt: 11 } });
    await sql(env.core, 'DELETE FROM audit_events WHERE seq >= 10');
    const cut = await verify(env.core, { expectHead: head });
    expect(cut).toMatchObject({ intact: false, expectedHead: { foundAt: null } });
    expect(cut.summary).toContain('the head you kept is NOT in the chain');
  });

  it('chains events from two processes on one data dir into one chain', async () => {
    const { createCore } = await import('../app');
    const { silentLogger } = await import('../logging/logger');
    // On PostgreSQL the two share the database rather than the data dir's file.
    const database = env.databaseUrl ? { database: { url: env.databaseUrl, source: 'environment' as const } } : {};
    const other = await createCore({ dataDir: env.dataDir, logger: silentLogger(), mode: 'headless', ...database });
    try {
      for (let i = 0; i < 5; i++) {
        await call(other, 'servers.create', { name: `cli-${i}`, host: `cli-${i}.example.net` });
        await call(env.core, 'servers.create', { name: `app-${i}`, host: `app-${i}.example.net` });
      }
    } finally {
      await other.close();
    }
    const written = await rowsOf(env.core).value('SELECT count(*) AS n FROM audit_events');
    expect(written).toBe(20);
    expect(await verify(env.core)).toMatchObject({ intact: true, events: 21 });
  });
});

describe('one event per change, in the same transaction', () => {
  it('leaves neither the change nor an "ok" event when the event cannot be written', async () => {
    if (ON_POSTGRES) {
      await sql(
        env.core,
        `CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$`,
        `CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW WHEN (new.action = 'servers.create') EXECUTE FUNCTION refuse_audit()`,
      );
    } else {
      await sql(
        env.core,
        `CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events WHEN new.action = 'servers.create' BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
      );
    }
    const refused = await env.core.router.call(ALICE, 'servers.create', { name: 'ghost', host: 'ghost.example.net' }, { origin: 'test' });
    expect(failure(refused).code).toBe('INTERNAL');
    expect(await env.core.servers.findByName('ghost')).toBeUndefined();
  });

  it('records a failed change with its error code and nothing changed', async () => {
    const before = await rowsOf(env.core).get('SELECT count(*) AS n FROM servers');
    const duplicate = failure(await env.core.router.call(ALICE, 'servers.create', { name: 'web-1', host: 'x.example.net' }, { origin: 'test' }));
    expect(duplicate.code).toBe('CONFLICT');
    expect(await rowsOf(env.core).get('SELECT count(*) AS n FROM servers')).toEqual(before);
    const page = await call<{ items: AuditEvent[] }>(env.core, 'audit.list', { limit: 1 });
    expect(page.items[0]).toMatchObject({ action: 'servers.create', outcome: 'CONFLICT' });
  });

  it('records a refused input holding an array with holes, and the log still reads and verifies', async () => {
    // IPC's structured clone keeps an array's holes; JSON never makes one.
    // eslint-disable-next-line no-sparse-arrays -- the input under test
    const refused = failure(await env.core.router.call(ALICE, 'servers.create', { name: 'holes', host: 'h.example.net', tags: [, 'web'] }, { origin: 'ipc' }));
    expect(refused.code).toBe('VALIDATION_FAILED');
    const page = await call<{ items: AuditEvent[] }>(env.core, 'audit.list', { limit: 1 });
    expect(page.items[0]).toMatchObject({ action: 'servers.create', outcome: 'VALIDATION_FAILED', details: { tags: [null, 'web'] } });
    expect(await verify(env.core)).toMatchObject({ intact: true, broken: null });
  });

  it('records the end of every job', async () => {
    const { job } = await runJob<VerifyReport>(env.core, 'audit.verify');
    const ends = await call<{ items: AuditEvent[] }>(env.core, 'audit.list', { action: 'job.finished' });
    expect(ends.items[0]).toMatchObject({ actor: 'system:jobs', target: `job:${job.id}`, outcome: 'ok', details: { kind: 'audit.verify' } });
  });
});

describe('browsing', () => {
  it('filters by actor, action, outcome, time and words, and pages by sequence', async () => {
    await env.core.router.call(ALICE, 'servers.create', { name: 'web-1', host: 'dup.example.net' }, { origin: 'test' });
    const byAction = await call<{ items: AuditEvent[]; nextBefore: number | null }>(env.core, 'audit.list', { action: 'servers.update', limit: 3 });
    expect(byAction.items.map((e) => e.seq)).toEqual([10, 8, 6]);
    expect(byAction.nextBefore).toBe(6);
    const next = await call<{ items: AuditEvent[]; nextBefore: number | null }>(env.core, 'audit.list', { action: 'servers.update', limit: 3, before: 6 });
    expect(next).toMatchObject({ items: [{ seq: 4 }, { seq: 2 }], nextBefore: null });
    expect((await call<{ items: AuditEvent[] }>(env.core, 'audit.list', { outcome: 'error' })).items.map((e) => e.outcome)).toEqual(['CONFLICT']);
    expect((await call<{ items: AuditEvent[] }>(env.core, 'audit.list', { actor: 'alice', q: 'rack 3' })).items.map((e) => e.seq)).toEqual([8]);
    expect((await call<{ items: AuditEvent[] }>(env.core, 'audit.list', { from: Date.now() + 60_000 })).items).toEqual([]);
  });

  it('combines filters with a time range and finds words written with punctuation', async () => {
    const seqs = async (filter: Record<string, unknown>) => (await call<{ items: AuditEvent[] }>(env.core, 'audit.list', filter)).items.map((e) => e.seq);
    const sixth = await call<AuditEvent>(env.core, 'audit.get', { seq: 6 });
    await sql(env.core, `UPDATE audit_events SET at = at + 60000 WHERE seq > 6`);
    expect(await seqs({ actor: 'alice', action: 'servers.update', to: sixth.at + 1 })).toEqual([6, 4, 2]);
    expect(await seqs({ actor: 'user:alice-1', action: 'servers.update', from: sixth.at + 1 })).toEqual([10, 8]);
    expect(await seqs({ actor: 'alice', outcome: 'ok', action: 'servers.create', before: 5 })).toEqual([3, 1]);
    expect(await seqs({ q: 'web-3.example.net' })).toEqual([7]);
    expect(await seqs({ actor: 'alice', action: 'auth.login' })).toEqual([]);
  });

  it('keeps the log to those who may read it', async () => {
    const viewer: Principal = { kind: 'user', id: 'v', name: 'v', role: 'viewer' };
    expect(failure(await env.core.router.call(viewer, 'audit.list', {}, { origin: 'test' })).code).toBe('PERMISSION_DENIED');
    const auditor: Principal = { kind: 'user', id: 'a', name: 'a', role: 'auditor' };
    expect((await call<{ items: unknown[] }>(env.core, 'audit.list', {}, auditor)).items.length).toBeGreaterThan(0);
  });
});

describe('export', () => {
  it('writes JSON Lines that verify on their own, and names an edit in the file', async () => {
    const { job, result } = await runJob<{ events: number }>(env.core, 'audit.export', { format: 'jsonl' });
    const { path } = env.core.artifacts.file(job);
    const verdict = await verifyJsonLines(path);
    expect(verdict).toMatchObject({ events: result.events, anchor: GENESIS, gaps: 0, broken: null });
    expect(verdict.headHash).toBe((await call<AuditEvent>(env.core, 'audit.get', { seq: verdict.headSeq })).hash);

    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    lines[4] = lines[4]?.replace('"origin":"test"', '"origin":"elsewhere"') ?? '';
    const edited = join(env.dataDir, 'edited.jsonl');
    writeFileSync(edited, `${lines.join('\n')}\n`);
    expect((await verifyJsonLines(edited)).broken).toMatchObject({ line: 5, seq: 5, message: 'event 5 was edited: its content no longer matches its hash' });
  });

  it('writes CSV a standard parser reads back to the same events', async () => {
    const { job } = await runJob(env.core, 'audit.export', { format: 'csv', actor: 'alice' });
    const rows = parse(readFileSync(env.core.artifacts.file(job).path, 'utf8'), { columns: true }) as Record<string, string>[];
    const events = (await call<{ items: AuditEvent[] }>(env.core, 'audit.list', { actor: 'alice' })).items.reverse();
    expect(
      rows.map((row) => ({
        seq: Number(row.seq),
        action: row.action,
        details: JSON.parse(fromCsvCell(row.details ?? '')),
        hash: row.hash,
        prevHash: row.prevHash,
      })),
    ).toEqual(events.map((e) => ({ seq: e.seq, action: e.action, details: e.details, hash: e.hash, prevHash: e.prevHash })));
  });
});

describe('retention', () => {
  it('removes old events at a checkpoint, and what remains still verifies', async () => {
    await call(env.core, 'audit.updateSettings', { retentionDays: 30 });
    // The first six events are made two months old.
    await sql(env.core, `UPDATE audit_events SET at = at - ${60 * 86_400_000} WHERE seq <= 6`);
    // Backdating edits those events: re-hash the chain as if they had been written then.
    const { hashEvent } = await import('./chain');
    const rows = await chainRows(env.core, '');
    let prev = GENESIS;
    for (const row of rows) {
      const hash = hashEvent(prev, storedEvent(row));
      await rowsOf(env.core).run('UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?', prev, hash, row.seq);
      prev = hash;
    }
    const sixth = rows[5]?.seq;
    expect(sixth).toBe(6);
    const { result } = await runJob<{ removed: number; checkpoint: { lastSeq: number } }>(env.core, 'audit.prune');
    expect(result).toMatchObject({ removed: 6, checkpoint: { lastSeq: 6 } });
    const report = await verify(env.core);
    expect(report).toMatchObject({ intact: true, anchor: { seq: 6, checkpoint: true } });
    expect(report.events).toBeGreaterThanOrEqual(5);
    const settings = await call<{ checkpoints: { lastSeq: number }[] }>(env.core, 'audit.settings', {});
    expect(settings.checkpoints[0]?.lastSeq).toBe(6);
  });

  it('keeps everything when retention is off', async () => {
    expect((await runJob<{ removed: number }>(env.core, 'audit.prune')).result.removed).toBe(0);
  });
});

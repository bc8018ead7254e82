import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Principal } from '@shared/permissions';
import { type AsyncDatabase } from '../db/engine';
import { useEngines } from '../testing/engines';
import { ChainWalker, GENESIS, type StoredEvent } from './chain';
import type { AuditEntry } from './log';
import { chainRow, storedEvent } from './rows';
import { AuditStore, chainHead } from './store';

/**
 * Appending to the audit chain on both engines: every event links to the one before, details are
 * redacted before they are hashed and stored, and writers on separate connections (two processes
 * on one SQLite file, two nodes on one PostgreSQL) take turns at the head instead of forking it.
 */

const CANARY = 'canary-secret-7f3a9c';
const ALICE: Principal = { kind: 'user', id: 'u-alice', name: 'Alice Müller', role: 'admin' };
const clock = { now: () => 1_767_225_600_000 };

const engines = useEngines('guardian-audit-store-');

/** Opens `count` engines on one fresh database: each stands for a process of its own. */
async function opened(engine: 'sqlite' | 'postgres', count: number): Promise<AsyncDatabase[]> {
  const fresh = await engines.fresh(engine);
  return [fresh.db, ...Array.from({ length: count - 1 }, () => fresh.another())];
}

const entry = (n: number, details: unknown = { n }): AuditEntry => ({
  actor: ALICE,
  origin: 'test',
  action: 'servers.create',
  target: `server:${n}`,
  outcome: 'ok',
  correlationId: `c-${n}`,
  details,
});

async function chain(db: AsyncDatabase): Promise<{ events: StoredEvent[]; walker: ChainWalker }> {
  const events = await db.all(
    sql`SELECT seq, at, actor, actor_name, origin, action, target, outcome, correlation_id, details, prev_hash, hash FROM audit_events ORDER BY seq`,
    // The details as the chain hashes them, whatever text the engine returns (jsonb reorders keys).
    (row) => storedEvent(chainRow(db.dialect)(row)),
  );
  const walker = new ChainWalker({ seq: 0, hash: GENESIS });
  for (const event of events) walker.push(event);
  walker.finish();
  return { events, walker };
}

describe.each(['sqlite', 'postgres'] as const)('the audit store on %s', (engine) => {
  it('links every event to the one before, in order, from genesis, and the head is the last of them', async () => {
    const [db] = await opened(engine, 1);
    if (!db) throw new Error('no engine');
    try {
      expect(await chainHead(db)).toEqual({ seq: 0, hash: GENESIS });
      await new AuditStore(db, clock).append([entry(1), entry(2, { nested: { z: 1, a: [true, null, 'x'] }, émoji: '🔑' })]);
      const head = await new AuditStore(db, clock).append([entry(3)]);
      const { events, walker } = await chain(db);
      expect(events.map((event) => event.seq)).toEqual([1, 2, 3]);
      expect(walker.broken).toBeNull();
      expect(head).toEqual({ seq: 3, hash: events[2]?.hash });
      expect(await chainHead(db)).toEqual(head);
      expect(events[1]).toMatchObject({ actor: 'user:u-alice', actorName: 'Alice Müller', target: 'server:2', correlationId: 'c-2' });
    } finally {
      await db.close();
    }
  });

  it('redacts secrets in the details before they are hashed and stored', async () => {
    const [db] = await opened(engine, 1);
    if (!db) throw new Error('no engine');
    try {
      await new AuditStore(db, clock).append([entry(1, { name: 'db-1', password: CANARY, nested: { token: CANARY } })]);
      const raw = await db.all(sql`SELECT details, hash FROM audit_events`, (row) => JSON.stringify(row));
      expect(raw.join('\n')).not.toContain(CANARY);
      expect((await chain(db)).walker.broken).toBeNull();
    } finally {
      await db.close();
    }
  });

  it('writes nothing when the caller’s transaction rolls back, and the chain goes on from the last committed event', async () => {
    const [db] = await opened(engine, 1);
    if (!db) throw new Error('no engine');
    try {
      const store = new AuditStore(db, clock);
      await store.append([entry(1)]);
      await expect(
        db.transaction(async () => {
          await store.append([entry(2)]);
          throw new Error('the change failed');
        }),
      ).rejects.toThrow('the change failed');
      await store.append([entry(3)]);
      const { events, walker } = await chain(db);
      expect(events.map((event) => event.correlationId)).toEqual(['c-1', 'c-3']);
      expect(walker.broken).toBeNull();
    } finally {
      await db.close();
    }
  });

  // On SQLite, separate processes take turns at the file's write lock (BEGIN IMMEDIATE); engines in
  // one test process cannot stand for them, as one waiting for the lock blocks the thread the other
  // needs to finish. Two cores on one data dir, taking turns, prove the one chain there
  // (main/core/audit/audit.test.ts).
  it.runIf(engine === 'postgres')('keeps one chain when writers on separate connections append at the same time', async () => {
    const writers = await opened(engine, 3);
    try {
      const stores = writers.map((db) => new AuditStore(db, clock));
      await Promise.all(stores.map((store, w) => Promise.all(Array.from({ length: 15 }, (_, i) => store.append([entry(w * 100 + i)])))));
      const first = writers[0];
      if (!first) throw new Error('no engine');
      const { events, walker } = await chain(first);
      expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
      expect(walker.broken).toBeNull();
      expect(new Set(events.map((event) => event.correlationId)).size).toBe(45);
    } finally {
      await Promise.all(writers.map((db) => db.close()));
    }
  });
});

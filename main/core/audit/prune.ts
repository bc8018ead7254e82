import { sql } from 'drizzle-orm';
import { read, type AsyncDatabase, type Queryable } from '../db/engine';
import type { Clock } from '../clock';
import type { JobContext } from '../jobs';
import { CHUNK, yieldToLoop } from './rows';
import { lockChain } from './store';
import { chainAnchor } from './verify';

/** The checkpoints retention left, newest first. */
export function checkpoints(db: Queryable) {
  return db.all(sql`SELECT at, last_seq, last_hash, removed, "by" FROM audit_checkpoints ORDER BY id DESC LIMIT 100`, (row) => ({
    at: read.number(row, 'at'),
    lastSeq: read.number(row, 'last_seq'),
    lastHash: read.text(row, 'last_hash'),
    removed: read.number(row, 'removed'),
    by: read.text(row, 'by'),
  }));
}

/**
 * Removes events older than the retention period, on either engine. The checkpoint (the last
 * removed event's sequence and hash) is written first, in its own transaction, under the lock the
 * chain's writers take (main/core/audit/store.ts): SQLite's write lock, PostgreSQL's advisory lock,
 * so no append and no other prune runs between reading the chain and writing the checkpoint.
 * Deletion follows in chunks, each a transaction of its own (on SQLite, a turn of its own among the
 * writers, docs/architecture.md §4). A stop half-way leaves old events behind the checkpoint, which
 * verification skips and the next run removes.
 */
export async function pruneEvents(
  { data, clock }: { data: AsyncDatabase; clock: Clock },
  retentionDays: number | null,
  by: string,
  job: Pick<JobContext, 'signal' | 'progress'>,
) {
  if (retentionDays === null) return { kind: 'audit.prune' as const, removed: 0, checkpoint: null, reason: 'retention is off: every event is kept' };
  const cutoff = clock.now() - retentionDays * 86_400_000;
  const checkpoint = await data.transaction(async (tx) => {
    await lockChain(tx);
    const anchor = await chainAnchor(tx);
    const last = await tx.get(sql`SELECT seq, hash FROM audit_events WHERE at < ${cutoff} ORDER BY seq DESC LIMIT 1`, (row) => ({
      seq: read.number(row, 'seq'),
      hash: read.text(row, 'hash'),
    }));
    if (!last || last.seq <= anchor.seq) return null;
    const count =
      (await tx.get(sql`SELECT count(*) AS n FROM audit_events WHERE seq > ${anchor.seq} AND seq <= ${last.seq}`, (row) => read.number(row, 'n'))) ?? 0;
    await tx.run(
      sql`INSERT INTO audit_checkpoints (at, last_seq, last_hash, removed, "by") VALUES (${clock.now()}, ${last.seq}, ${last.hash}, ${count}, ${by})`,
    );
    return { lastSeq: last.seq, lastHash: last.hash };
  });
  const upTo = (await chainAnchor(data)).seq;
  const total = (await data.get(sql`SELECT count(*) AS n FROM audit_events WHERE seq <= ${upTo}`, (row) => read.number(row, 'n'))) ?? 0;
  let removed = 0;
  for (;;) {
    if (job.signal.aborted) break;
    const { changes } = await data.run(
      sql`DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events WHERE seq <= ${upTo} ORDER BY seq LIMIT ${CHUNK})`,
    );
    if (changes === 0) break;
    removed += changes;
    job.progress(removed, total);
    await yieldToLoop();
  }
  return { kind: 'audit.prune' as const, removed, checkpoint, reason: null };
}

import type Database from 'better-sqlite3';
import type { WriterTurns } from '../db/sqlite-engine';
import type { Clock } from '../clock';
import type { JobContext } from '../jobs';
import { CHUNK, yieldToLoop } from './rows';
import { chainAnchor } from './verify';

/** The checkpoints retention left, newest first. */
export function checkpoints(sqlite: Database.Database) {
  return sqlite
    .prepare<[], { at: number; last_seq: number; last_hash: string; removed: number; by: string }>(
      'SELECT at, last_seq, last_hash, removed, by FROM audit_checkpoints ORDER BY id DESC LIMIT 100',
    )
    .all()
    .map((row) => ({ at: row.at, lastSeq: row.last_seq, lastHash: row.last_hash, removed: row.removed, by: row.by }));
}

/**
 * Removes events older than the retention period. The checkpoint (the last removed event's
 * sequence and hash) is written first, in its own transaction; deletion follows in chunks. A
 * stop half-way leaves old events behind the checkpoint, which verification skips and the next
 * run removes.
 */
export async function pruneEvents(
  { sqlite, turns, clock }: { sqlite: Database.Database; turns: WriterTurns; clock: Clock },
  retentionDays: number | null,
  by: string,
  job: Pick<JobContext, 'signal' | 'progress'>,
) {
  const anchor = chainAnchor(sqlite);
  if (retentionDays === null) return { kind: 'audit.prune' as const, removed: 0, checkpoint: null, reason: 'retention is off: every event is kept' };
  const cutoff = clock.now() - retentionDays * 86_400_000;
  const last = sqlite.prepare<[number], { seq: number; hash: string }>('SELECT seq, hash FROM audit_events WHERE at < ? ORDER BY seq DESC LIMIT 1').get(cutoff);
  let checkpoint: { lastSeq: number; lastHash: string } | null = null;
  if (last && last.seq > anchor.seq) {
    const count = (sqlite.prepare('SELECT count(*) AS n FROM audit_events WHERE seq > ? AND seq <= ?').get(anchor.seq, last.seq) as { n: number }).n;
    const at = clock.now();
    await turns.apart(() =>
      sqlite.prepare('INSERT INTO audit_checkpoints (at, last_seq, last_hash, removed, by) VALUES (?, ?, ?, ?, ?)').run(at, last.seq, last.hash, count, by),
    );
    checkpoint = { lastSeq: last.seq, lastHash: last.hash };
  }
  const upTo = chainAnchor(sqlite).seq;
  const total = (sqlite.prepare('SELECT count(*) AS n FROM audit_events WHERE seq <= ?').get(upTo) as { n: number }).n;
  const drop = sqlite.prepare('DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events WHERE seq <= ? ORDER BY seq LIMIT ?)');
  let removed = 0;
  for (;;) {
    if (job.signal.aborted) break;
    const { changes } = await turns.apart(() => drop.run(upTo, CHUNK));
    if (changes === 0) break;
    removed += changes;
    job.progress(removed, total);
    await yieldToLoop();
  }
  return { kind: 'audit.prune' as const, removed, checkpoint, reason: null };
}

import type Database from 'better-sqlite3';
import { AppError } from '@shared/api/errors';
import type { VerifyReport } from '@shared/api/audit';
import type { JobContext } from '../jobs';
import { ChainWalker, GENESIS } from './chain';
import { CHUNK, COLUMNS, storedEvent, yieldToLoop, type AuditRow } from './rows';

/**
 * Verifying the chain in the database (docs/architecture.md §9): from the last checkpoint retention
 * left (or genesis), in chunks, reporting progress; optionally proving that a head hash kept
 * elsewhere is still in the chain.
 */

/** Where verification starts: the last checkpoint retention left, or genesis. */
export function chainAnchor(sqlite: Database.Database): { seq: number; hash: string; checkpoint: boolean } {
  const checkpoint = sqlite.prepare('SELECT last_seq, last_hash FROM audit_checkpoints ORDER BY id DESC LIMIT 1').get() as
    { last_seq: number; last_hash: string } | undefined;
  return checkpoint ? { seq: checkpoint.last_seq, hash: checkpoint.last_hash, checkpoint: true } : { seq: 0, hash: GENESIS, checkpoint: false };
}

/** Walks the chain from its anchor, in chunks, reporting progress. */
export async function verifyChain(sqlite: Database.Database, job: Pick<JobContext, 'signal' | 'progress'>, expectHead?: string): Promise<VerifyReport> {
  const anchor = chainAnchor(sqlite);
  const walker = new ChainWalker(anchor);
  const total = (sqlite.prepare('SELECT count(*) AS n FROM audit_events WHERE seq > ?').get(anchor.seq) as { n: number }).n;
  const chunk = sqlite.prepare<[number, number], AuditRow>(`SELECT ${COLUMNS} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`);
  let foundAt: number | null = expectHead === anchor.hash ? anchor.seq : null;
  let after = anchor.seq;
  let seen = 0;
  for (;;) {
    if (job.signal.aborted) throw new AppError('CANCELLED', 'Verification was cancelled.', { hint: 'Start it again to check the whole chain.' });
    const rows = chunk.all(after, CHUNK);
    if (rows.length === 0) break;
    for (const row of rows) {
      walker.push(storedEvent(row));
      if (expectHead && foundAt === null && row.hash === expectHead) foundAt = row.seq;
    }
    after = rows[rows.length - 1]?.seq ?? after;
    seen += rows.length;
    job.progress(seen, total);
    if (walker.broken) break;
    await yieldToLoop();
  }
  walker.finish();
  const broken = walker.broken;
  const expectedHead = expectHead ? { hash: expectHead, foundAt: broken && foundAt !== null && foundAt >= broken.seq ? null : foundAt } : null;
  const summary = broken
    ? `chain broken at event ${broken.seq}: ${broken.message}`
    : `${walker.count} events, chain intact, head hash ${walker.head}` +
      (expectedHead
        ? expectedHead.foundAt !== null
          ? `; the head you kept is event ${expectedHead.foundAt}: nothing up to it changed`
          : '; the head you kept is NOT in the chain'
        : '');
  return {
    kind: 'audit.verify',
    intact: broken === null && (expectedHead === null || expectedHead.foundAt !== null),
    events: walker.count,
    headSeq: walker.headSeq,
    headHash: walker.head,
    anchor,
    broken,
    expectedHead,
    summary,
  };
}

import { sql } from 'drizzle-orm';
import { AppError } from '@shared/api/errors';
import type { VerifyReport } from '@shared/api/audit';
import { read, type Queryable } from '../db/engine';
import type { JobContext } from '../jobs';
import { ChainWalker, GENESIS } from './chain';
import { CHUNK, chainRow, COLUMNS, storedEvent, yieldToLoop } from './rows';

/**
 * Verifying the chain in the database (docs/architecture.md §9), on either engine: from the last
 * checkpoint retention left (or genesis), in chunks read in sequence order that yield to the event
 * loop between them, reporting progress; optionally proving that a head hash kept elsewhere is
 * still in the chain.
 */

export interface ChainAnchor {
  seq: number;
  hash: string;
  checkpoint: boolean;
}

/** Where verification starts: the last checkpoint retention left, or genesis. */
export async function chainAnchor(db: Queryable): Promise<ChainAnchor> {
  const checkpoint = await db.get(sql`SELECT last_seq, last_hash FROM audit_checkpoints ORDER BY id DESC LIMIT 1`, (row) => ({
    seq: read.number(row, 'last_seq'),
    hash: read.text(row, 'last_hash'),
    checkpoint: true,
  }));
  return checkpoint ?? { seq: 0, hash: GENESIS, checkpoint: false };
}

/** Walks the chain from its anchor, in chunks, reporting progress. */
export async function verifyChain(db: Queryable, job: Pick<JobContext, 'signal' | 'progress'>, expectHead?: string): Promise<VerifyReport> {
  const anchor = await chainAnchor(db);
  const walker = new ChainWalker(anchor);
  const total = (await db.get(sql`SELECT count(*) AS n FROM audit_events WHERE seq > ${anchor.seq}`, (row) => read.number(row, 'n'))) ?? 0;
  const mapRow = chainRow(db.dialect);
  let foundAt: number | null = expectHead === anchor.hash ? anchor.seq : null;
  let after = anchor.seq;
  let seen = 0;
  for (;;) {
    if (job.signal.aborted) throw new AppError('CANCELLED', 'Verification was cancelled.', { hint: 'Start it again to check the whole chain.' });
    const rows = await db.all(sql`SELECT ${sql.raw(COLUMNS)} FROM audit_events WHERE seq > ${after} ORDER BY seq LIMIT ${CHUNK}`, mapRow);
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

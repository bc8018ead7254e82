import type Database from 'better-sqlite3';
import { count, eq, ne } from 'drizzle-orm';
import type { Job } from '@shared/api/jobs';
import type { Db } from '../db/open';
import type { WriterTurns } from '../db/sqlite-engine';
import type { JobService } from '../jobs';
import { seal } from './crypto';
import type { Keyring } from './keyring';
import { openSecretRow, secretAad } from './secrets';
import { secretsTable, vaultStateTable } from './table';

/** Secrets re-sealed per transaction during a rotation. */
export const ROTATE_BATCH = 200;

interface ReSealDeps {
  db: Db;
  sqlite: Database.Database;
  turns: WriterTurns;
  jobs: JobService;
  keyring: Keyring;
}

/**
 * The job that moves every secret to the pending data key `generation`, in batches of one
 * transaction each, then makes that key the current one in a last transaction and forgets the
 * old one. Cancelled or killed, it leaves every secret readable and resumes where it stopped.
 */
export function startReSealing(deps: ReSealDeps, generation: number, job: { title: string; createdBy: string }): Promise<Job> {
  const { db, sqlite, keyring, turns } = deps;
  const state = () => db.select().from(vaultStateTable).where(eq(vaultStateTable.id, 1)).get();
  return deps.jobs.start({ kind: 'vault.rotate', ...job }, async (run) => {
    const total = db.select({ n: count() }).from(secretsTable).where(ne(secretsTable.keyGeneration, generation)).get()?.n ?? 0;
    let done = 0;
    run.progress(0, total);
    const moveBatch = sqlite.transaction(() => {
      const rows = db.select().from(secretsTable).where(ne(secretsTable.keyGeneration, generation)).limit(ROTATE_BATCH).all();
      const next = keyring.requireDek(generation);
      for (const row of rows) {
        const plain = Buffer.from(JSON.stringify(openSecretRow(keyring, row)), 'utf8');
        db.update(secretsTable)
          .set({ sealed: seal(next, plain, secretAad(row.id, row.kind)).toString('base64'), keyGeneration: generation })
          .where(eq(secretsTable.id, row.id))
          .run();
        plain.fill(0);
      }
      return rows.length;
    });
    for (;;) {
      if (run.signal.aborted) return { kind: 'vault.rotate', reSealed: done, finished: false };
      const moved = await turns.apart(() => moveBatch());
      if (moved === 0) break;
      done += moved;
      run.progress(done, total);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const finish = sqlite.transaction(() => {
      const now = state();
      if (!now || now.pendingGeneration !== generation || !now.pendingWrappedDek) return now?.generation ?? generation;
      db.update(vaultStateTable)
        .set({ generation, wrappedDek: now.pendingWrappedDek, pendingGeneration: null, pendingWrappedDek: null })
        .where(eq(vaultStateTable.id, 1))
        .run();
      return now.generation;
    });
    const previous = await turns.apart(() => finish());
    if (previous !== generation) keyring.dropDek(previous);
    return { kind: 'vault.rotate', reSealed: done, finished: true };
  });
}

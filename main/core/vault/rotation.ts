import type { Job } from '@shared/api/jobs';
import type { AsyncDatabase } from '../db/engine';
import type { JobService } from '../jobs';
import { seal } from './crypto';
import type { Keyring } from './keyring';
import { openSecretRow, secretAad } from './secrets';
import type { VaultStore } from './store';

/** Secrets re-sealed per transaction during a rotation. */
export const ROTATE_BATCH = 200;

interface ReSealDeps {
  data: Pick<AsyncDatabase, 'transaction'>;
  store: VaultStore;
  jobs: JobService;
  keyring: Keyring;
  /** The data key of a generation (VaultService.dek). */
  dek: (generation: number) => Promise<Buffer>;
}

/**
 * The job that moves every secret to the pending data key `generation`, in batches of one
 * transaction each, then makes that key the current one in a last transaction and forgets the
 * old one. Cancelled or killed, it leaves every secret readable and resumes where it stopped.
 */
export function startReSealing(deps: ReSealDeps, generation: number, job: { title: string; createdBy: string }): Promise<Job> {
  const { data, store, keyring, dek } = deps;
  return deps.jobs.start({ kind: 'vault.rotate', ...job }, async (run) => {
    const total = await store.countNotAt(generation);
    let done = 0;
    run.progress(0, total);
    const moveBatch = () =>
      data.transaction(async () => {
        const rows = await store.notAt(generation, ROTATE_BATCH);
        const next = await dek(generation);
        for (const row of rows) {
          const plain = Buffer.from(JSON.stringify(openSecretRow(await dek(row.keyGeneration), row)), 'utf8');
          const sealed = seal(next, plain, secretAad(row.id, row.kind)).toString('base64');
          plain.fill(0);
          // A secret changed meanwhile (by another node) was sealed with this key already.
          await store.reseal(row.id, row.sealed, sealed, generation);
        }
        return rows.length;
      });
    for (;;) {
      if (run.signal.aborted) return { kind: 'vault.rotate', reSealed: done, finished: false };
      const moved = await moveBatch();
      if (moved === 0) break;
      done += moved;
      run.progress(done, total);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const previous = await data.transaction(async () => {
      const now = await store.lockKeys();
      if (!now || now.pendingGeneration !== generation || !now.pendingWrappedDek) return now?.generation ?? generation;
      await store.finishRotation(generation, now.pendingWrappedDek);
      return now.generation;
    });
    if (previous !== generation) keyring.dropDek(previous);
    return { kind: 'vault.rotate', reSealed: done, finished: true };
  });
}

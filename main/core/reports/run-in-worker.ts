import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AppError, type AppErrorShape } from '@shared/api/errors';
import type { JobContext } from '../jobs';
import { packageRoot } from '../paths';
import type { ReportTask } from './generate';

/**
 * Runs a report in a worker thread (docs/architecture.md §4): pdfkit loads and embeds its font in steps of
 * 50 to 140 ms that cannot be split, which would stall the main process's event loop (the UI,
 * the API, the health engine). The worker (report-worker.ts) reads the database through a
 * connection of its own, read-only (WAL lets it read beside the main thread's writes), writes
 * the file and says how far it got. Cancelling the job terminates the thread at once; the caller
 * then discards the file.
 *
 * Where the worker's code is:
 * - from source (tsx, vitest): report-worker.ts, with tsx's loader registered in the thread
 *   first (Node 20 does not apply a parent's `--import tsx` hooks to a worker's entry);
 * - built (electron-vite): out/main/report-worker.js, an entry of its own in
 *   electron.vite.config.ts, found from the package root (the calling code lands in a shared chunk
 *   whose folder depends on rollup);
 * - in the packaged app that path is inside app.asar, and the worker loads from it as it is:
 *   Electron initialises its asar support in worker threads too (since 17.3, electron#33216) and
 *   its ESM loader reads through the asar-aware fs. The worker's imports (pdfkit, the DejaVu
 *   font, better-sqlite3) resolve in app.asar/node_modules as the main process's do; the one
 *   native file, better-sqlite3's .node, is unpacked already (electron-builder.yml) and the same
 *   asar support sends its load to app.asar.unpacked. So the worker needs no asarUnpack,
 *   which also keeps its code under the asar integrity check (deploy/electron-fuses.cjs).
 */

/** What the worker posts: progress, then one outcome (`detail`: an unexpected error's stack, for the log). */
export type ReportWorkerMessage =
  { type: 'progress'; done: number } | { type: 'done' } | { type: 'failed'; error: Omit<AppErrorShape, 'correlationId'>; detail?: string };

const fromSource = import.meta.url.endsWith('.ts');

function startWorker(task: ReportTask): Worker {
  if (!fromSource) return new Worker(join(packageRoot, 'out', 'main', 'report-worker.js'), { workerData: task });
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./report-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: task });
}

/** Makes the report's file in a worker thread; settles once the thread has ended (its file closed). */
export function runReportInWorker(task: ReportTask, job: Pick<JobContext, 'signal' | 'progress'>): Promise<void> {
  const { signal } = job;
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const worker = startWorker(task);
    let outcome: { ok: true } | { ok: false; error: unknown } | undefined;
    const cancel = () => void worker.terminate();
    signal.addEventListener('abort', cancel, { once: true });
    worker.on('message', (message: ReportWorkerMessage) => {
      switch (message.type) {
        case 'progress':
          job.progress(message.done);
          return;
        case 'done':
          outcome = { ok: true };
          return;
        case 'failed':
          outcome = { ok: false, error: rebuild(message) };
          return;
      }
    });
    // An error the worker did not catch (its code failed to load, or it ran out of memory).
    worker.on('error', (error) => {
      outcome ??= { ok: false, error };
    });
    worker.on('exit', (code) => {
      signal.removeEventListener('abort', cancel);
      if (signal.aborted) reject(signal.reason);
      else if (outcome?.ok) resolve();
      else reject(outcome?.error ?? new Error(`The report worker stopped (exit code ${code}) without a result.`));
    });
  });
}

/** The worker's error as the AppError it was, with an unexpected error's stack kept for the log. */
function rebuild({ error, detail }: Extract<ReportWorkerMessage, { type: 'failed' }>): AppError {
  const cause = detail === undefined ? undefined : Object.assign(new Error(error.message), { stack: detail });
  return new AppError(error.code, error.message, { hint: error.hint, retryable: error.retryable, issues: error.issues, cause });
}

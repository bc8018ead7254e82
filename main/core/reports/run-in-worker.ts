import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BuildOptions, Metafile } from 'esbuild';
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
 * - from source (tsx, vitest): report-worker.ts bundled by esbuild (which tsx and Vite run on)
 *   into one ES module per process, made again when a file it was made from changes (Node 20
 *   does not apply a parent's `--import tsx` hooks to a worker's entry, and a thread that
 *   registered tsx's loader itself spent about a second on it, several times the report);
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
  return new Worker(sourceBundle(), { workerData: task });
}

/** From source: this process's bundle of the worker, and the files it was made from with their times then. */
let bundle: { entry: string; inputs: Map<string, number> } | undefined;

/**
 * The worker's code from source as one ES module (its lazily loaded parts in chunks of their
 * own), under node_modules/.cache so its packages resolve as the source's do; made once per
 * process, and again when a file it was made from has changed since. Removed when the process exits.
 */
function sourceBundle(): string {
  if (bundle && [...bundle.inputs].every(([file, mtime]) => modifiedAt(file) === mtime)) return bundle.entry;
  // esbuild is a tool of the source checkout (tsx and Vite run on it), never loaded by the built app.
  const esbuild = createRequire(import.meta.url)('esbuild') as { buildSync(options: BuildOptions): { metafile?: Metafile } };
  const cache = join(packageRoot, 'node_modules', '.cache', 'guardian-report-worker');
  const outdir = join(cache, String(process.pid));
  if (!bundle) {
    process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
    // Those of processes that ended without their exit handlers (a test runner's killed workers).
    for (const pid of existsSync(cache) ? readdirSync(cache) : []) if (!isRunning(Number(pid))) rmSync(join(cache, pid), { recursive: true, force: true });
  }
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const times = new Map<string, number>();
  const { metafile } = esbuild.buildSync({
    entryPoints: [fileURLToPath(new URL('./report-worker.ts', import.meta.url))],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    absWorkingDir: packageRoot,
    tsconfig: join(packageRoot, 'tsconfig.json'),
    outdir,
    metafile: true,
    logLevel: 'silent',
  });
  for (const input of Object.keys(metafile?.inputs ?? {})) {
    const file = join(packageRoot, input);
    times.set(file, modifiedAt(file));
  }
  bundle = { entry: join(outdir, 'report-worker.js'), inputs: times };
  return bundle.entry;
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function modifiedAt(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
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

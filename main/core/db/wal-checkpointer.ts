import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Checkpoints a SQLite file's write-ahead log from a worker thread (docs/architecture.md §4).
 *
 * SQLite's own checkpoint runs inside the COMMIT that pushes the log past 1,000 pages, on the
 * committing thread: it copies the log into the file and syncs it, 15-20 ms on a disk against
 * half a millisecond for a plain commit, and at 10,000 checks every 20 s it was the event loop's
 * longest stall. So the writer's automatic checkpoint is off, and a worker with a connection of
 * its own runs PASSIVE checkpoints (which never wait for, nor hold up, the writer or readers)
 * once the log has grown past `thresholdBytes`. The log is then reused from its start, cut
 * back to that size (journal_size_limit), so it does not grow without bound.
 *
 * The worker starts only when a log first grows that far (a test core never does), and a worker
 * that cannot start or fails gives the writer its automatic checkpoint back.
 */

/** SQLite's own default: 1,000 pages of 4 KiB. */
const DEFAULT_THRESHOLD = 4 * 1024 * 1024;

/** The worker, whole (CommonJS, so it needs no build step of its own): one connection, a PASSIVE checkpoint per message. */
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, log: result.log, checkpointed: result.checkpointed });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
`;

/** What an error thrown in the worker says: SQLite's errors arrive with their code alone. */
function messageOf(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  if (typeof error === 'object' && error !== null && 'code' in error) return String(error.code);
  return String(error);
}

type Answer = { ok: true; log: number; checkpointed: number } | { ok: false; message: string };

/** The writer connection's two settings this takes over (better-sqlite3's `pragma`). */
export interface CheckpointedWriter {
  pragma(source: string): unknown;
}

export interface WalCheckpointerOptions {
  /** How big the log may grow before a checkpoint; also what it is cut back to. */
  thresholdBytes?: number;
  /** How often the log's size is looked at. */
  everyMs?: number;
  /** Told when the worker fails; the writer then checkpoints by itself again. */
  onError?: (error: Error) => void;
  /** Told after each checkpoint: frames in the log, and how many of them are in the file now. */
  onCheckpoint?: (result: { log: number; checkpointed: number }) => void;
}

export class WalCheckpointer {
  private worker: Worker | null = null;
  private inFlight = false;
  private failed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly threshold: number;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly file: string,
    private readonly writer: CheckpointedWriter,
    private readonly options: WalCheckpointerOptions = {},
  ) {
    this.threshold = options.thresholdBytes ?? DEFAULT_THRESHOLD;
    writer.pragma('wal_autocheckpoint = 0');
    writer.pragma(`journal_size_limit = ${this.threshold}`);
    this.timer = setInterval(() => void this.check(), options.everyMs ?? 1000);
    this.timer.unref();
  }

  /** Checkpoints now when the log is past the threshold; resolves once that checkpoint has run (at once when none is needed). */
  check(): Promise<void> {
    if (this.failed) return Promise.resolve();
    if (!this.inFlight) {
      const size = statSync(`${this.file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
      if (size <= this.threshold) return Promise.resolve();
      const worker = this.worker ?? this.startWorker();
      if (!worker) return Promise.resolve();
      this.inFlight = true;
      worker.postMessage('checkpoint');
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    // A worker that does not end by itself (stuck in a checkpoint) is ended.
    const timeout = setTimeout(() => void worker.terminate(), 5_000);
    await exited;
    clearTimeout(timeout);
    this.settle();
  }

  private startWorker(): Worker | null {
    try {
      const driver = createRequire(import.meta.url).resolve('better-sqlite3');
      const worker = new Worker(WORKER_CODE, { eval: true, workerData: { file: this.file, driver } });
      worker.unref();
      worker.on('message', (answer: Answer) => {
        if (answer.ok) this.options.onCheckpoint?.({ log: answer.log, checkpointed: answer.checkpointed });
        else this.fail(new Error(`the checkpoint failed: ${answer.message}`));
        this.settle();
      });
      worker.on('error', (error: unknown) => this.fail(new Error(`the checkpoint worker failed: ${messageOf(error)}`)));
      worker.on('exit', () => {
        if (this.worker === worker) this.fail(new Error('the checkpoint worker stopped'));
      });
      this.worker = worker;
      return worker;
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
      return null;
    }
  }

  /** The writer checkpoints by itself again, as SQLite does by default. */
  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.worker = null;
    clearInterval(this.timer);
    try {
      this.writer.pragma('wal_autocheckpoint = 1000');
    } catch {
      // The writer is closed already: nothing left to checkpoint.
    }
    this.options.onError?.(error);
    this.settle();
  }

  private settle(): void {
    this.inFlight = false;
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}

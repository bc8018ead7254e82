import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '@shared/api/errors';
import { toAppError } from '../api/errors';
import { readSnapshot } from '../db/sqlite-engine';
import { generateReport, type ReportTask } from './generate';
import type { ReportWorkerMessage } from './run-in-worker';

/**
 * The worker thread that makes one report's file (started by run-in-worker.ts, which explains
 * why; built as out/main/report-worker.js). It reads the database on one snapshot, through a
 * read-only connection of its own, and posts its progress, then `done` or the error the job should
 * end with.
 */

const port = parentPort;
if (!port) throw new Error('report-worker runs as a worker thread: see run-in-worker.ts');
const post = (message: ReportWorkerMessage) => port.postMessage(message);
const task = workerData as ReportTask;

/** A file that cannot be opened: said in the job's words. */
function unreadable(file: string, cause: unknown): AppError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new AppError('DB_UNREADABLE', `The report could not read the database file ${file} (${detail}).`, {
    hint: 'Check that the data folder is still there and readable, then make the report again.',
    cause,
  });
}

// Cancelling the job terminates this thread, so nothing here is ever aborted.
const signal = new AbortController().signal;
let opened = false;
try {
  await readSnapshot(task.database, (reads) => {
    opened = true;
    return generateReport(reads, task, signal, (done) => post({ type: 'progress', done }));
  });
  post({ type: 'done' });
} catch (cause) {
  const error = opened ? toAppError(cause) : unreadable(task.database, cause);
  post({ type: 'failed', error: error.toShape('report-worker'), detail: error.code === 'INTERNAL' && cause instanceof Error ? cause.stack : undefined });
}

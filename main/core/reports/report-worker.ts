import { parentPort, workerData } from 'node:worker_threads';
import { toAppError } from '../api/errors';
import { readSnapshotAt } from '../db/connect';
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

// Cancelling the job terminates this thread, so nothing here is ever aborted.
const signal = new AbortController().signal;
try {
  await readSnapshotAt(task.database, (reads) => generateReport(reads, task, signal, (done) => post({ type: 'progress', done })));
  post({ type: 'done' });
} catch (cause) {
  const error = toAppError(cause);
  post({ type: 'failed', error: error.toShape('report-worker'), detail: error.code === 'INTERNAL' && cause instanceof Error ? cause.stack : undefined });
}

import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { AppError } from '@shared/api/errors';
import { toAppError } from '../api/errors';
import { generateReport, type ReportTask } from './generate';
import type { ReportWorkerMessage } from './run-in-worker';

/**
 * The worker thread that makes one report's file (started by run-in-worker.ts, which explains
 * why; built as out/main/report-worker.js). It reads the database through a read-only connection
 * of its own and posts its progress, then `done` or the error the job should end with.
 */

const port = parentPort;
if (!port) throw new Error('report-worker runs as a worker thread: see run-in-worker.ts');
const post = (message: ReportWorkerMessage) => port.postMessage(message);
const task = workerData as ReportTask;

function openReadOnly(file: string): Database.Database {
  try {
    const sqlite = new Database(file, { readonly: true, fileMustExist: true });
    sqlite.pragma('busy_timeout = 5000');
    return sqlite;
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new AppError('DB_UNREADABLE', `The report could not read the database file ${file} (${detail}).`, {
      hint: 'Check that the data folder is still there and readable, then make the report again.',
      cause,
    });
  }
}

// Cancelling the job terminates this thread, so nothing here is ever aborted.
const signal = new AbortController().signal;
let sqlite: Database.Database | undefined;
try {
  sqlite = openReadOnly(task.database);
  await generateReport(sqlite, task, signal, (done) => post({ type: 'progress', done }));
  post({ type: 'done' });
} catch (cause) {
  const error = toAppError(cause);
  post({ type: 'failed', error: error.toShape('report-worker'), detail: error.code === 'INTERNAL' && cause instanceof Error ? cause.stack : undefined });
} finally {
  sqlite?.close();
}

import { SingleBar } from 'cli-progress';
import { isFinished, type Job } from '@shared/api/jobs';
import type { Core } from '@core/app';

/** Columns padded to their widest cell, as `ls -l` and `docker ps` print. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${[line(headers), ...rows.map(line)].join('\n')}\n`);
}

/**
 * Follows a job to its end: a progress bar on a terminal, a plain line per 10% otherwise
 * (logs and CI stay readable). Progress goes to standard error so standard output stays data.
 */
export async function showJobProgress(core: Core, job: Job, visible: boolean): Promise<Job> {
  const tty = visible && process.stderr.isTTY;
  const bar = tty ? new SingleBar({ stream: process.stderr, format: `${job.title} [{bar}] {percentage}% {value}/{total}`, hideCursor: true }) : null;
  let lastTenth = -1;
  const unsubscribe = core.events.subscribe((name, payload) => {
    if (name !== 'job.progress') return;
    const update = payload as Job;
    if (update.id !== job.id || !visible) return;
    const total = update.total ?? 0;
    if (bar) {
      if (!bar.isActive) bar.start(total, update.done);
      bar.setTotal(total);
      bar.update(update.done);
      return;
    }
    if (!total) return;
    const tenth = Math.floor((update.done / total) * 10);
    if (tenth !== lastTenth && !isFinished(update)) {
      lastTenth = tenth;
      process.stderr.write(`${job.title}: ${update.done}/${total}\n`);
    }
  });
  try {
    return await core.jobs.waitFor(job.id);
  } finally {
    unsubscribe();
    bar?.stop();
  }
}

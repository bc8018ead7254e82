import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { WalCheckpointer } from './wal-checkpointer';

/**
 * The write-ahead log is checkpointed by a worker thread, never inside the writer's COMMIT: on a
 * real SQLite file, the writer's own checkpoint is off, a log past the threshold is copied into
 * the file by the worker and then cut back, and a worker that fails gives the writer its own back.
 */

const THRESHOLD = 64 * 1024;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function writerOn(): { file: string; writer: Database.Database } {
  const dir = mkdtempSync(join(tmpdir(), 'guardian-wal-'));
  dirs.push(dir);
  const file = join(dir, 'guardian.db');
  const writer = new Database(file);
  writer.pragma('journal_mode = WAL');
  writer.pragma('synchronous = NORMAL');
  writer.exec('CREATE TABLE results (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  return { file, writer };
}

/** About `kb` KiB of rows, in transactions of 16 KiB. */
function write(writer: Database.Database, kb: number): void {
  const insert = writer.prepare('INSERT INTO results (body) VALUES (?)');
  for (let i = 0; i < kb / 16; i++) writer.transaction(() => insert.run('x'.repeat(16 * 1024)))();
}

const walSize = (file: string) => statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0;

describe('the WAL checkpointer', () => {
  it('turns the writer’s own checkpoint off, and copies a log past the threshold into the file from its worker', async () => {
    const { file, writer } = writerOn();
    const checkpoints: { log: number; checkpointed: number }[] = [];
    const checkpointer = new WalCheckpointer(file, writer, { thresholdBytes: THRESHOLD, everyMs: 60_000, onCheckpoint: (result) => checkpoints.push(result) });
    try {
      expect(writer.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      const fileBefore = statSync(file).size;
      write(writer, 1024);
      // Nothing checkpointed it meanwhile: the file holds none of the rows yet, the log all of them.
      expect(statSync(file).size).toBe(fileBefore);
      expect(walSize(file)).toBeGreaterThan(1024 * 1024);

      await checkpointer.check();
      expect(checkpoints).toHaveLength(1);
      expect(checkpoints[0]?.checkpointed).toBe(checkpoints[0]?.log);
      expect(statSync(file).size).toBeGreaterThan(fileBefore + 1024 * 1024);
      // The next write starts the log again from its beginning, and the file is cut back.
      write(writer, 16);
      expect(walSize(file)).toBeLessThanOrEqual(THRESHOLD);
      expect(new Database(file, { readonly: true }).prepare('SELECT count(*) AS n FROM results').get()).toEqual({ n: 65 });

      // Under the threshold, nothing is asked of the worker.
      await checkpointer.check();
      expect(checkpoints).toHaveLength(1);
    } finally {
      await checkpointer.close();
      writer.close();
    }
  });

  it('ends its worker on close, so the writer can truncate the log as it closes', async () => {
    const { file, writer } = writerOn();
    const checkpointer = new WalCheckpointer(file, writer, { thresholdBytes: THRESHOLD, everyMs: 60_000 });
    write(writer, 256);
    await checkpointer.check();
    await checkpointer.close();
    const [result] = writer.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    expect(result?.busy).toBe(0);
    expect(walSize(file)).toBe(0);
    writer.close();
  });

  it('checks by itself at its interval', async () => {
    const { file, writer } = writerOn();
    let resolve = () => undefined as void;
    const checkpointed = new Promise<void>((done) => (resolve = done));
    const checkpointer = new WalCheckpointer(file, writer, { thresholdBytes: THRESHOLD, everyMs: 50, onCheckpoint: () => resolve() });
    try {
      write(writer, 256);
      await checkpointed;
      expect(statSync(file).size).toBeGreaterThan(256 * 1024);
    } finally {
      await checkpointer.close();
      writer.close();
    }
  });

  it('gives the writer its own checkpoint back when the worker fails, and says so', async () => {
    const { writer } = writerOn();
    // A log past the threshold beside a file the worker cannot open.
    const missing = join(dirs[0] ?? tmpdir(), 'gone.db');
    writeFileSync(`${missing}-wal`, Buffer.alloc(THRESHOLD + 1));
    const errors: Error[] = [];
    let failed = () => undefined as void;
    const told = new Promise<void>((done) => (failed = done));
    const checkpointer = new WalCheckpointer(missing, writer, {
      thresholdBytes: THRESHOLD,
      everyMs: 60_000,
      onError: (error) => {
        errors.push(error);
        failed();
      },
    });
    try {
      void checkpointer.check();
      await told;
      expect(errors[0]?.message).toMatch(/checkpoint worker failed: SQLITE_CANTOPEN/);
      expect(writer.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
      // Failed once, it does not try again.
      await checkpointer.check();
      expect(errors).toHaveLength(1);
    } finally {
      await checkpointer.close();
      writer.close();
    }
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { CoreOptions } from '@core/app';
import { read, type AsyncDatabase } from '@core/db/engine';
import { createDatabaseOn, dropDatabasesOn, TestPostgres } from '@core/testing/postgres';
import { formatTable } from './measure';
import { treeCpuMs } from './proc';

/**
 * `--database sqlite|postgres|both` for the benches: which engines a run measures, one after the
 * other in the same process, and the table that prints them side by side. PostgreSQL is a
 * throwaway server started the way tests start one (initdb in a temp folder, stopped at the end),
 * or the server GUARDIAN_DATABASE_URL names; either way each core gets a fresh database of its own
 * (on a given server the role needs CREATEDB), dropped when the bench ends.
 */

export type EngineName = 'sqlite' | 'postgres';

export function enginesOf(value: string | undefined): EngineName[] {
  switch (value ?? 'sqlite') {
    case 'sqlite':
      return ['sqlite'];
    case 'postgres':
      return ['postgres'];
    case 'both':
      return ['sqlite', 'postgres'];
    default:
      throw new Error(`--database is sqlite, postgres or both, not ${value}`);
  }
}

export const databaseOption = { database: { type: 'string', default: 'sqlite' } } as const;

export class BenchDatabases {
  private readonly created: string[] = [];

  private constructor(
    private readonly server: { url(database?: string): string } | null,
    private readonly owned: TestPostgres | null,
  ) {}

  /** Starts a throwaway PostgreSQL (or reads GUARDIAN_DATABASE_URL) when `engines` has postgres. */
  static async open(engines: readonly EngineName[]): Promise<BenchDatabases> {
    if (!engines.includes('postgres')) return new BenchDatabases(null, null);
    const given = process.env.GUARDIAN_DATABASE_URL;
    if (given) {
      const server = {
        url: (database = new URL(given).pathname.slice(1) || 'postgres') => {
          const url = new URL(given);
          url.pathname = `/${database}`;
          return url.href;
        },
      };
      return new BenchDatabases(server, null);
    }
    const owned = await TestPostgres.start();
    process.stdout.write(`PostgreSQL: a throwaway server on 127.0.0.1:${owned.port} (fsync off, as the tests run it)\n`);
    return new BenchDatabases(owned, owned);
  }

  /** createCore's database option for a fresh database on `engine` (nothing for SQLite: the data folder's file). */
  async core(engine: EngineName): Promise<Pick<CoreOptions, 'database'>> {
    const url = await this.url(engine);
    return url ? { database: { url, source: 'environment' } } : {};
  }

  /** `guardian serve` arguments for a database already made by `url` (nothing for SQLite). */
  static serveArgs(url: string | undefined): string[] {
    return url ? ['--database', url] : [];
  }

  /** A fresh PostgreSQL database's URL, or undefined for SQLite. */
  async url(engine: EngineName): Promise<string | undefined> {
    if (engine === 'sqlite') return undefined;
    if (!this.server) throw new Error('no PostgreSQL server was opened for this run');
    const url = await createDatabaseOn(this.server);
    this.created.push(url);
    return url;
  }

  /** CPU time (ms) of our own PostgreSQL server's processes (postmaster and every backend), or 0 on a given server. */
  serverCpuMs(): number {
    if (!this.owned) return 0;
    const pid = Number(readFileSync(join(this.owned.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    return treeCpuMs(pid).cpuMs;
  }

  get ownsServer(): boolean {
    return this.owned !== null;
  }

  async close(): Promise<void> {
    try {
      if (this.server && !this.owned) await dropDatabasesOn(this.server, this.created);
    } finally {
      this.owned?.destroy();
    }
  }
}

/** `SELECT count(*)` of a table on either engine, as a number. */
export async function countRows(data: AsyncDatabase, table: string): Promise<number> {
  const row = await data.get(sql.raw(`SELECT CAST(count(*) AS INTEGER) AS n FROM ${table}`), (r) => read.number(r, 'n'));
  return row ?? 0;
}

/** The database's size in bytes: the SQLite file after a checkpoint, or PostgreSQL's pg_database_size. */
export async function databaseSize(data: AsyncDatabase, sqliteFile: () => number): Promise<number> {
  if (data.dialect === 'sqlite') return sqliteFile();
  const row = await data.get(sql`SELECT CAST(pg_database_size(current_database()) AS BIGINT) AS n`, (r) => Number(r.n));
  return row ?? 0;
}

export interface Figure {
  label: string;
  /** The value per engine, already formatted; missing when that engine was not run. */
  values: Partial<Record<EngineName, string>>;
  /** Raw numbers for the ratio column; no ratio without both. */
  raw?: Partial<Record<EngineName, number>>;
  goal?: string;
}

/** The figures with one column per engine run and, with both, postgres/sqlite. */
export function sideBySide(engines: readonly EngineName[], figures: readonly Figure[]): string {
  const both = engines.length === 2;
  const headers = ['figure', ...engines, ...(both ? ['postgres/sqlite'] : []), 'goal'];
  const rows = figures.map((figure) => {
    const sqlite = figure.raw?.sqlite;
    const postgres = figure.raw?.postgres;
    const ratio = sqlite !== undefined && postgres !== undefined && sqlite !== 0 ? `${(postgres / sqlite).toFixed(2)}x` : '';
    return [figure.label, ...engines.map((engine) => figure.values[engine] ?? ''), ...(both ? [ratio] : []), figure.goal ?? ''];
  });
  return formatTable(headers, rows);
}

/** A figure from a number per engine, formatted by `format`. */
export function numeric(label: string, values: Partial<Record<EngineName, number>>, format: (value: number) => string, goal?: string): Figure {
  const formatted: Partial<Record<EngineName, string>> = {};
  for (const [engine, value] of Object.entries(values) as [EngineName, number][]) formatted[engine] = format(value);
  return { label, values: formatted, raw: values, goal };
}

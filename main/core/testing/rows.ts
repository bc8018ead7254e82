import { sql, type SQL } from 'drizzle-orm';
import type { Core } from '../app';
import type { Row } from '../db/engine';

/**
 * Plants and inspects rows the API does not reach, in a test core on either engine: SQL written
 * once with `?` for each value (SQL both engines speak), run through the core's own data layer, so
 * it joins a transaction the test is inside. Rows come back as plain objects, a flag as 0 or 1 on
 * both engines (SQLite stores flags so, and most expectations were written against it), bytes as
 * Buffers, integers as numbers. Only tests import this module.
 */
export interface TestRows {
  all<T = Row>(text: string, ...params: unknown[]): Promise<T[]>;
  get<T = Row>(text: string, ...params: unknown[]): Promise<T | undefined>;
  /** The first column of the first row (undefined when there is none). */
  value<T = unknown>(text: string, ...params: unknown[]): Promise<T | undefined>;
  run(text: string, ...params: unknown[]): Promise<{ changes: number }>;
}

/** `text` with each `?` a parameter: the values travel apart from the text on both engines. */
function query(text: string, params: readonly unknown[]): SQL {
  const parts = text.split('?');
  if (parts.length - 1 !== params.length) throw new Error(`${parts.length - 1} placeholders but ${params.length} values in: ${text}`);
  const chunks: SQL[] = [sql.raw(parts[0] ?? '')];
  params.forEach((param, index) => chunks.push(sql`${param}`, sql.raw(parts[index + 1] ?? '')));
  return sql.join(chunks);
}

const plain = (row: Row): Row => Object.fromEntries(Object.entries(row).map(([column, value]) => [column, typeof value === 'boolean' ? Number(value) : value]));

export function rowsOf(core: Pick<Core, 'data'>): TestRows {
  return {
    all: <T>(text: string, ...params: unknown[]) => core.data.all(query(text, params), (row) => plain(row) as T),
    get: <T>(text: string, ...params: unknown[]) => core.data.get(query(text, params), (row) => plain(row) as T),
    value: async <T>(text: string, ...params: unknown[]) => {
      const row = await core.data.get(query(text, params), plain);
      return row === undefined ? undefined : (Object.values(row)[0] as T);
    },
    run: (text: string, ...params: unknown[]) => core.data.run(query(text, params)),
  };
}

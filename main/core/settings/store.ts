import { sql } from 'drizzle-orm';
import type { z } from 'zod';
import { jsonParam, read, type AsyncDatabase, type Row } from '../db/engine';

/** The one mapper of the settings table: a row's value, parsed from the JSON both engines hand back as text. */
const valueOf = (row: Row): unknown => read.json(row, 'value');

/**
 * Reads and writes installation settings on either engine (docs/architecture.md §4); a stored
 * value that no longer parses gives the fallback. Inside a call's transaction both join it, so a
 * change commits with the call's audit event or not at all.
 */
export class SettingsStore {
  constructor(private readonly db: AsyncDatabase) {}

  async get<T extends z.ZodType>(key: string, schema: T, fallback: z.output<T>): Promise<z.output<T>> {
    const stored = await this.db.get(sql`SELECT value FROM settings WHERE key = ${key}`, valueOf);
    if (stored === undefined) return fallback;
    const parsed = schema.safeParse(stored);
    return parsed.success ? parsed.data : fallback;
  }

  async set(key: string, value: unknown): Promise<void> {
    await this.db.run(sql`INSERT INTO settings (key, value) VALUES (${key}, ${jsonParam(value)}) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  }

  /** Runs `after` once the caller's transaction (with its `set`) has committed; never if it rolls back. */
  afterCommit(after: () => void): void {
    this.db.afterCommit(after);
  }
}

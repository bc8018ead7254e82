import { eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db } from '../db/open';
import { settingsTable } from './table';

/** Reads and writes installation settings; a stored value that no longer parses gives the fallback. */
export class SettingsStore {
  constructor(private readonly db: Db) {}

  get<T extends z.ZodType>(key: string, schema: T, fallback: z.output<T>): z.output<T> {
    const row = this.db.select().from(settingsTable).where(eq(settingsTable.key, key)).get();
    if (!row) return fallback;
    const parsed = schema.safeParse(row.value);
    return parsed.success ? parsed.data : fallback;
  }

  set(key: string, value: unknown): void {
    this.db.insert(settingsTable).values({ key, value }).onConflictDoUpdate({ target: settingsTable.key, set: { value } }).run();
  }
}

import { jsonb, pgTable, text } from 'drizzle-orm/pg-core';

/** Small named settings of the whole installation, as JSON values (PostgreSQL; the same as table.ts). */
export const settingsTable = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').$type<unknown>().notNull(),
});

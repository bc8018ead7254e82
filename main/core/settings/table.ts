import { sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Small named settings of the whole installation, as JSON values. */
export const settingsTable = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value', { mode: 'json' }).$type<unknown>().notNull(),
});

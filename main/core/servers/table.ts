import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const serversTable = sqliteTable(
  'servers',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    host: text('host').notNull(),
    port: integer('port').notNull(),
    user: text('user'),
    environment: text('environment').notNull(),
    /** JSON array of lower-case tags, kept sorted. */
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
    notes: text('notes').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (table) => [
    uniqueIndex('servers_name_nocase').on(sql`${table.name} COLLATE NOCASE`),
    index('servers_environment').on(table.environment),
    index('servers_host').on(table.host),
  ],
);

export type ServerRow = typeof serversTable.$inferSelect;

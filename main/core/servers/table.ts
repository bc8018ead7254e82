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
    /** The server SSH connections to this one go through (ProxyJump), or null. No foreign key: the service refuses a dangling one and a delete that would leave one. */
    jumpHostId: text('jump_host_id'),
    /**
     * The server this one sits behind (a router, a hypervisor), or null: while that one is down,
     * this one's alerts are held back (docs/alerts.md, "Dependencies"). No foreign key: removing
     * it clears the link in the same transaction.
     */
    dependsOnId: text('depends_on_id'),
    /** Whether operations' commands get Guardian's SSH agent forwarded (ssh -A); never its jump hosts. */
    agentForwarding: integer('agent_forwarding', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (table) => [
    uniqueIndex('servers_name_nocase').on(sql`${table.name} COLLATE NOCASE`),
    index('servers_environment').on(table.environment),
    index('servers_host').on(table.host),
    index('servers_jump_host').on(table.jumpHostId),
  ],
);

export type ServerRow = typeof serversTable.$inferSelect;

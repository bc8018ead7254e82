import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';

/** The inventory for PostgreSQL, the same as table.ts. */
export const serversTable = pgTable(
  'servers',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    host: text('host').notNull(),
    port: integer('port').notNull(),
    user: text('user'),
    environment: text('environment').notNull(),
    /** JSON array of lower-case tags, kept sorted. */
    tags: jsonb('tags').$type<string[]>().notNull(),
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
    agentForwarding: boolean('agent_forwarding').notNull().default(false),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
  },
  (table) => [
    // Names are unique whatever their case, as SQLite's COLLATE NOCASE index makes them.
    uniqueIndex('servers_name_nocase').on(sql`lower(${table.name})`),
    index('servers_environment').on(table.environment),
    index('servers_host').on(table.host),
    index('servers_jump_host').on(table.jumpHostId),
  ],
);

export type ServerRow = typeof serversTable.$inferSelect;

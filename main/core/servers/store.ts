import { sql, type SQL } from 'drizzle-orm';
import { AppError } from '@shared/api/errors';
import type { ServerSortField } from '@shared/api/servers';
import { jsonParam, read, type AsyncDatabase, type Dialect, type Row } from '../db/engine';
import type { DependencyLink } from '@shared/servers/dependencies';
import type { ServerRow } from './table';

/**
 * Every read and write of the inventory, on either engine (docs/architecture.md §4): each query
 * written once, the table read through its one mapper. Where the engines differ the store says so
 * in one place: names compare and sort whatever their case (SQLite's NOCASE, PostgreSQL's lower()),
 * text search ignores case (LIKE, ILIKE), tags are a JSON array (json_each, jsonb), and text sorts
 * byte by byte on both (PostgreSQL's "C" collation), so both give the same order.
 */

export type ServerFilter = { q?: string | undefined; tags?: string[] | undefined; environment?: string | undefined };

// `user` is a reserved word in PostgreSQL: quoted on both.
const COLUMNS = sql.raw('id, name, host, port, "user", environment, tags, notes, jump_host_id, depends_on_id, agent_forwarding, created_at, updated_at');

function tagsOf(row: Row): string[] {
  const value = read.json(row, 'tags');
  if (!Array.isArray(value) || !value.every((tag) => typeof tag === 'string')) {
    throw new AppError('INTERNAL', 'The database holds a server whose tags are not a list of words.', {
      hint: 'The database may have been changed by hand; set the server’s tags again.',
      retryable: false,
    });
  }
  return value as string[];
}

/** The servers table's mapper. */
function serverOf(row: Row): ServerRow {
  return {
    id: read.text(row, 'id'),
    name: read.text(row, 'name'),
    host: read.text(row, 'host'),
    port: read.number(row, 'port'),
    user: read.textOrNull(row, 'user'),
    environment: read.text(row, 'environment'),
    tags: tagsOf(row),
    notes: read.text(row, 'notes'),
    jumpHostId: read.textOrNull(row, 'jump_host_id'),
    dependsOnId: read.textOrNull(row, 'depends_on_id'),
    agentForwarding: read.boolean(row, 'agent_forwarding'),
    createdAt: read.number(row, 'created_at'),
    updatedAt: read.number(row, 'updated_at'),
  };
}

const count = (row: Row) => read.number(row, 'n');
const facet = (row: Row) => ({ value: read.text(row, 'value'), count: read.number(row, 'count') });

/** The dialect's spelling of what differs. */
function spelling(dialect: Dialect) {
  const sqlite = dialect === 'sqlite';
  return {
    /** Names in order whatever their case. */
    name: sqlite ? sql`name COLLATE NOCASE` : sql`lower(name) COLLATE "C"`,
    sameName: (name: string) => (sqlite ? sql`name = ${name} COLLATE NOCASE` : sql`lower(name) = lower(${name})`),
    /** Text containing `pattern` (a LIKE pattern escaped with \), whatever its case. */
    contains: (column: SQL, pattern: string) => (sqlite ? sql`${column} LIKE ${pattern} ESCAPE '\\'` : sql`${column} ILIKE ${pattern} ESCAPE '\\'`),
    tagsText: sqlite ? sql`tags` : sql`tags::text`,
    hasTag: (tag: string) => (sqlite ? sql`EXISTS (SELECT 1 FROM json_each(tags) WHERE json_each.value = ${tag})` : sql`tags @> ${jsonParam([tag])}::jsonb`),
    /** Byte order, as SQLite sorts text. */
    bytes: (column: SQL) => (sqlite ? column : sql`${column} COLLATE "C"`),
    tagFacets: sqlite
      ? sql`SELECT json_each.value AS value, count(*) AS count FROM servers, json_each(servers.tags) GROUP BY json_each.value ORDER BY json_each.value`
      : sql`SELECT t.value AS value, count(*) AS count FROM servers, jsonb_array_elements_text(servers.tags) AS t(value) GROUP BY t.value ORDER BY t.value COLLATE "C"`,
  };
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

export class ServerStore {
  private readonly say;

  constructor(private readonly db: AsyncDatabase) {
    this.say = spelling(db.dialect);
  }

  private where(filter: ServerFilter): SQL {
    const conditions: SQL[] = [];
    if (filter.q) {
      const pattern = likePattern(filter.q);
      const { contains } = this.say;
      conditions.push(
        sql`(${contains(sql`name`, pattern)} OR ${contains(sql`host`, pattern)} OR ${contains(sql`notes`, pattern)} OR ${contains(this.say.tagsText, pattern)})`,
      );
    }
    if (filter.environment) conditions.push(sql`environment = ${filter.environment}`);
    for (const tag of filter.tags ?? []) conditions.push(this.say.hasTag(tag));
    return conditions.length ? sql`WHERE ${sql.join(conditions, sql` AND `)}` : sql``;
  }

  private orderBy(sort: ServerSortField, order: 'asc' | 'desc'): SQL {
    const column: Record<ServerSortField, SQL> = {
      name: this.say.name,
      host: this.say.bytes(sql`host`),
      port: sql`port`,
      environment: this.say.bytes(sql`environment`),
      createdAt: sql`created_at`,
      updatedAt: sql`updated_at`,
    };
    return sql`ORDER BY ${column[sort]} ${sql.raw(order === 'desc' ? 'DESC' : 'ASC')}, id`;
  }

  /** One page of the servers matching `filter`, and how many match. */
  async page(filter: ServerFilter, sort: ServerSortField, order: 'asc' | 'desc', limit: number, offset: number): Promise<{ rows: ServerRow[]; total: number }> {
    const where = this.where(filter);
    const rows = await this.db.all(sql`SELECT ${COLUMNS} FROM servers ${where} ${this.orderBy(sort, order)} LIMIT ${limit} OFFSET ${offset}`, serverOf);
    const total = (await this.db.get(sql`SELECT count(*) AS n FROM servers ${where}`, count)) ?? 0;
    return { rows, total };
  }

  /** Every server matching `filter`, in name order. */
  all(filter: ServerFilter): Promise<ServerRow[]> {
    return this.db.all(sql`SELECT ${COLUMNS} FROM servers ${this.where(filter)} ORDER BY ${this.say.name}, id`, serverOf);
  }

  async facets(): Promise<{ tags: { value: string; count: number }[]; environments: { value: string; count: number }[] }> {
    const tags = await this.db.all(this.say.tagFacets, facet);
    const environment = this.say.bytes(sql`environment`);
    const environments = await this.db.all(
      sql`SELECT environment AS value, count(*) AS count FROM servers GROUP BY environment ORDER BY ${environment}`,
      facet,
    );
    return { tags, environments };
  }

  get(id: string): Promise<ServerRow | undefined> {
    return this.db.get(sql`SELECT ${COLUMNS} FROM servers WHERE id = ${id}`, serverOf);
  }

  /** Which of `ids` name a server that exists. */
  async existing(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const list = sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    );
    return new Set(await this.db.all(sql`SELECT id FROM servers WHERE id IN (${list})`, (row) => read.text(row, 'id')));
  }

  byName(name: string): Promise<ServerRow | undefined> {
    return this.db.get(sql`SELECT ${COLUMNS} FROM servers WHERE ${this.say.sameName(name)}`, serverOf);
  }

  async insert(row: ServerRow): Promise<void> {
    await this.db.run(sql`INSERT INTO servers (${COLUMNS}) VALUES (${row.id}, ${row.name}, ${row.host}, ${row.port}, ${row.user}, ${row.environment},
      ${jsonParam(row.tags)}, ${row.notes}, ${row.jumpHostId}, ${row.dependsOnId}, ${row.agentForwarding}, ${row.createdAt}, ${row.updatedAt})`);
  }

  /** Writes every field of `row` but its id and creation time. */
  async update(row: ServerRow): Promise<void> {
    await this.db.run(sql`UPDATE servers SET name = ${row.name}, host = ${row.host}, port = ${row.port}, "user" = ${row.user},
      environment = ${row.environment}, tags = ${jsonParam(row.tags)}, notes = ${row.notes}, jump_host_id = ${row.jumpHostId}, depends_on_id = ${row.dependsOnId}, agent_forwarding = ${row.agentForwarding}, updated_at = ${row.updatedAt} WHERE id = ${row.id}`);
  }

  /** Every server's jump link, for walking the jump hosts (shared/servers/jumps.ts). */
  jumpLinks(): Promise<{ id: string; name: string; jumpHostId: string | null }[]> {
    return this.db.all(sql`SELECT id, name, jump_host_id FROM servers`, (row) => ({
      id: read.text(row, 'id'),
      name: read.text(row, 'name'),
      jumpHostId: read.textOrNull(row, 'jump_host_id'),
    }));
  }

  /** The names of the servers that connect through `id` (their jump host), in name order: read by the jump host index. */
  jumpingThrough(id: string): Promise<string[]> {
    return this.db.all(sql`SELECT name FROM servers WHERE jump_host_id = ${id} ORDER BY ${this.say.name}`, (row) => read.text(row, 'name'));
  }

  /** Every server's dependency link, for walking them (shared/servers/dependencies.ts). */
  dependencyLinks(): Promise<DependencyLink[]> {
    return this.db.all(sql`SELECT id, name, depends_on_id FROM servers`, (row) => ({
      id: read.text(row, 'id'),
      name: read.text(row, 'name'),
      dependsOnId: read.textOrNull(row, 'depends_on_id'),
    }));
  }

  /** The servers that sat behind `id` no longer depend on anything: it is being removed. */
  async clearDependsOn(id: string): Promise<void> {
    await this.db.run(sql`UPDATE servers SET depends_on_id = NULL WHERE depends_on_id = ${id}`);
  }

  /** Whether there was such a server to delete. */
  async delete(id: string): Promise<boolean> {
    return (await this.db.run(sql`DELETE FROM servers WHERE id = ${id}`)).changes === 1;
  }
}

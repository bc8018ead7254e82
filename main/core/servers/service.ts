import { and, asc, desc, eq, sql, type Placeholder, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { z } from 'zod';
import { AppError } from '@shared/api/errors';
import type { Server, ServerListInput, ServerPatch, ServerSortField } from '@shared/api/servers';
import { SERVER_FIELDS, ServerInput } from '@shared/api/servers';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import type { EventBus } from '../events/bus';
import { serversTable, type ServerRow } from './table';

export type NewServer = z.output<typeof ServerInput>;
export type ServerFilter = { q?: string | undefined; tags?: string[] | undefined; environment?: string | undefined };
type ListQuery = z.output<typeof ServerListInput>;
type Patch = z.output<typeof ServerPatch>;

export interface ServerServiceDeps {
  db: Db;
  clock: Clock;
  events: EventBus;
  newId: () => string;
  /** Called, in the same transaction, when a server's host changes: the vault unlinks its secrets. */
  onHostChanged?: (serverId: string) => void;
}

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

const SORT_COLUMNS: Record<ServerSortField, SQLWrapper> = {
  name: sql`${serversTable.name} COLLATE NOCASE`,
  host: serversTable.host,
  port: serversTable.port,
  environment: serversTable.environment,
  createdAt: serversTable.createdAt,
  updatedAt: serversTable.updatedAt,
};

function toServer(row: ServerRow): Server {
  return { ...row };
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

function conflict(name: string): AppError {
  return new AppError('CONFLICT', `A server named "${name}" already exists.`, {
    hint: 'Choose another name, or edit the existing server.',
    issues: [{ path: ['name'], message: 'This name is already used by another server' }],
  });
}

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `There is no server with id ${id}.`, {
    hint: 'It may have been deleted; refresh the list.',
  });
}

/** A prepared statement's parameter for each column, named after it (an insert maps each value as its column does, e.g. tags to JSON). */
function placeholders<K extends string>(columns: readonly K[]): Record<K, Placeholder<K>> {
  return Object.fromEntries(columns.map((column) => [column, sql.placeholder(column)])) as Record<K, Placeholder<K>>;
}

/** The same for an update's SET, which takes SQL only: its values are passed as the driver stores them. */
function setPlaceholders<K extends string>(columns: readonly K[]): Record<K, SQL> {
  return Object.fromEntries(columns.map((column) => [column, sql`${sql.placeholder(column)}`])) as Record<K, SQL>;
}

function sameFields(row: ServerRow, next: NewServer): boolean {
  return SERVER_FIELDS.every((field) => (field === 'tags' ? row.tags.join(',') === next.tags.join(',') : row[field] === next[field]));
}

/** One page of the whole inventory in one order, its limit and offset bound at each call. */
function unfilteredPage(db: Db, sort: ServerSortField, order: ListQuery['order']) {
  const direction = order === 'desc' ? desc : asc;
  return db
    .select()
    .from(serversTable)
    .orderBy(direction(SORT_COLUMNS[sort]), asc(serversTable.id))
    .limit(sql.placeholder('limit'))
    .offset(sql.placeholder('offset'))
    .prepare();
}

/** The server inventory: the one place servers are read and written. */
export class ServerService {
  // Imports run these per row: built once, since building a query costs more than running it.
  private readonly byName;
  private readonly insertRow;
  private readonly updateRow;
  // The unfiltered list, what every client opens with (and scripts poll), is built once per sort and
  // order (at most 12 of them) for the same reason; filtered lists are built per call.
  private readonly pages = new Map<string, ReturnType<typeof unfilteredPage>>();
  private readonly countAll;

  constructor(private readonly deps: ServerServiceDeps) {
    const { db } = deps;
    this.byName = db
      .select()
      .from(serversTable)
      .where(sql`${serversTable.name} = ${sql.placeholder('name')} COLLATE NOCASE`)
      .prepare();
    this.insertRow = db
      .insert(serversTable)
      .values({ id: sql.placeholder('id'), ...placeholders(SERVER_FIELDS), createdAt: sql.placeholder('createdAt'), updatedAt: sql.placeholder('updatedAt') })
      .prepare();
    this.updateRow = db
      .update(serversTable)
      .set(setPlaceholders([...SERVER_FIELDS, 'updatedAt']))
      .where(eq(serversTable.id, sql.placeholder('id')))
      .prepare();
    this.countAll = db
      .select({ n: sql<number>`count(*)` })
      .from(serversTable)
      .prepare();
  }

  private where(filter: ServerFilter): SQL | undefined {
    const conditions: SQL[] = [];
    if (filter.q) {
      const pattern = likePattern(filter.q);
      conditions.push(
        sql`(${serversTable.name} LIKE ${pattern} ESCAPE '\\' OR ${serversTable.host} LIKE ${pattern} ESCAPE '\\' OR ${serversTable.notes} LIKE ${pattern} ESCAPE '\\' OR ${serversTable.tags} LIKE ${pattern} ESCAPE '\\')`,
      );
    }
    if (filter.environment) conditions.push(eq(serversTable.environment, filter.environment));
    for (const tag of filter.tags ?? []) {
      conditions.push(sql`EXISTS (SELECT 1 FROM json_each(${serversTable.tags}) WHERE json_each.value = ${tag})`);
    }
    return conditions.length ? and(...conditions) : undefined;
  }

  list(query: ListQuery): { items: Server[]; total: number } {
    const { db } = this.deps;
    const where = this.where(query);
    if (!where) {
      const key = `${query.sort} ${query.order}`;
      let page = this.pages.get(key);
      if (!page) this.pages.set(key, (page = unfilteredPage(db, query.sort, query.order)));
      const rows = page.all({ limit: query.limit, offset: query.offset });
      return { items: rows.map(toServer), total: this.countAll.get()?.n ?? 0 };
    }
    const column = SORT_COLUMNS[query.sort];
    const direction = query.order === 'desc' ? desc : asc;
    const rows = db.select().from(serversTable).where(where).orderBy(direction(column), asc(serversTable.id)).limit(query.limit).offset(query.offset).all();
    const total =
      db
        .select({ n: sql<number>`count(*)` })
        .from(serversTable)
        .where(where)
        .get()?.n ?? 0;
    return { items: rows.map(toServer), total };
  }

  /** Every matching server in name order, for exports. */
  all(filter: ServerFilter): Server[] {
    return this.deps.db
      .select()
      .from(serversTable)
      .where(this.where(filter))
      .orderBy(asc(sql`${serversTable.name} COLLATE NOCASE`))
      .all()
      .map(toServer);
  }

  facets() {
    const { db } = this.deps;
    const tags = db.all<{ value: string; count: number }>(
      sql`SELECT json_each.value AS value, count(*) AS count FROM servers, json_each(servers.tags) GROUP BY json_each.value ORDER BY json_each.value`,
    );
    const environments = db
      .select({ value: serversTable.environment, count: sql<number>`count(*)` })
      .from(serversTable)
      .groupBy(serversTable.environment)
      .orderBy(serversTable.environment)
      .all();
    return { tags, environments };
  }

  get(id: string): Server {
    const row = this.deps.db.select().from(serversTable).where(eq(serversTable.id, id)).get();
    if (!row) throw notFound(id);
    return toServer(row);
  }

  findByName(name: string): ServerRow | undefined {
    return this.byName.get({ name });
  }

  create(input: NewServer): Server {
    const server = this.insert(input);
    this.deps.events.emit('servers.changed', { change: 'created', ids: [server.id] });
    return server;
  }

  private insert(input: NewServer): Server {
    if (this.findByName(input.name)) throw conflict(input.name);
    const now = this.deps.clock.now();
    const row: ServerRow = { id: this.deps.newId(), ...input, createdAt: now, updatedAt: now };
    this.insertRow.run(row);
    return toServer(row);
  }

  update(patch: Patch): Server {
    const { id, ...fields } = patch;
    const current = this.get(id);
    if (fields.name !== undefined) {
      const other = this.findByName(fields.name);
      if (other && other.id !== id) throw conflict(fields.name);
    }
    const changes = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
    const next: Server = { ...current, ...changes, updatedAt: this.deps.clock.now() };
    this.deps.db.update(serversTable).set(next).where(eq(serversTable.id, id)).run();
    if (next.host !== current.host) this.deps.onHostChanged?.(id);
    this.deps.events.emit('servers.changed', { change: 'updated', ids: [id] });
    return next;
  }

  delete(id: string): { id: string } {
    const result = this.deps.db.delete(serversTable).where(eq(serversTable.id, id)).run();
    if (result.changes === 0) throw notFound(id);
    this.deps.events.emit('servers.changed', { change: 'deleted', ids: [id] });
    return { id };
  }

  /** Creates the server, or updates the one with the same name: what makes imports idempotent. */
  upsertByName(input: NewServer): { outcome: UpsertOutcome; id: string } {
    const existing = this.findByName(input.name);
    if (!existing) return { outcome: 'created', id: this.insert(input).id };
    if (sameFields(existing, input)) return { outcome: 'unchanged', id: existing.id };
    this.updateRow.run({ ...input, tags: JSON.stringify(input.tags), updatedAt: this.deps.clock.now(), id: existing.id });
    if (input.host !== existing.host) this.deps.onHostChanged?.(existing.id);
    return { outcome: 'updated', id: existing.id };
  }
}

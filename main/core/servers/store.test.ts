import { describe, expect, it } from 'vitest';
import { AppError } from '@shared/api/errors';
import { unlessTaken, type AsyncDatabase } from '../db/engine';
import { EventBus } from '../events/bus';
import { useEngines } from '../testing/engines';
import { ServerDirectory } from './directory';
import { ServerService, type NewServer } from './service';
import { ServerStore } from './store';

/**
 * The inventory on both engines: the same pages, orders, searches and facets from SQLite and
 * PostgreSQL for the same servers (names whatever their case, text byte by byte), names unique
 * whatever their case, and an import's upsert that changes only what differs.
 */

const engines = useEngines('guardian-servers-store-');
const NOW = 1_767_225_600_000;

const server = (name: string, fields: Partial<NewServer> = {}): NewServer => ({
  name,
  host: `${name.toLowerCase()}.example.net`,
  port: 22,
  user: null,
  environment: 'production',
  tags: [],
  notes: '',
  ...fields,
});

async function inventory(engine: 'sqlite' | 'postgres'): Promise<{ db: AsyncDatabase; servers: ServerService; hostChanged: string[] }> {
  const { db } = await engines.fresh(engine);
  let ids = 0;
  let t = NOW;
  const hostChanged: string[] = [];
  const servers = new ServerService({
    data: db,
    clock: { now: () => (t += 1000) },
    events: new EventBus(),
    newId: () => `s-${String(++ids).padStart(2, '0')}`,
    onHostChanged: async (id) => hostChanged.push(id),
  });
  for (const planted of [
    server('web-2', { tags: ['web', 'eu'], notes: 'Behind the 50% load balancer' }),
    server('Web-10', { tags: ['web'], environment: 'staging', port: 2222 }),
    server('db_main', { tags: ['db', 'eu'], user: 'postgres' }),
    server('Ünïcode-box', { environment: 'lab', notes: 'ÄÖÜ' }),
    server('_edge', { tags: ['edge'], host: 'edge.example.net' }),
  ]) {
    await servers.create(planted);
  }
  return { db, servers, hostChanged };
}

/** A service on `db` alone, as another process or node would have. */
const servers = (db: AsyncDatabase) => new ServerService({ data: db, clock: { now: () => NOW }, events: new EventBus(), newId: () => crypto.randomUUID() });

const names = (page: { items: { name: string }[] }) => page.items.map((item) => item.name);
const LIST = { sort: 'name', order: 'asc', limit: 50, offset: 0 } as const;

describe.each(['sqlite', 'postgres'] as const)('the inventory on %s', (engine) => {
  it('a name another writer took after the check is refused by the unique index as the check would refuse it: CONFLICT', async () => {
    const fresh = await engines.fresh(engine);
    const other = fresh.another();
    try {
      await servers(fresh.db).create(server('race'));
      const [row] = await new ServerStore(fresh.db).all({});
      if (!row) throw new Error('no server');
      const taken = new AppError('CONFLICT', 'taken', { hint: 'a test' });
      await expect(unlessTaken(new ServerStore(other).insert({ ...row, id: 'another-id', name: 'RACE' }), () => taken)).rejects.toBe(taken);
      await expect(servers(other).update({ id: row.id, name: 'race' })).resolves.toMatchObject({ name: 'race' });
    } finally {
      await other.close();
      await fresh.db.close();
    }
  });

  it('two processes adding the same name at once: one gets the server, the other CONFLICT, never an internal error', async () => {
    const fresh = await engines.fresh(engine);
    const other = fresh.another();
    try {
      // The other process has checked the name is free; the first adds the server before its write lands.
      const late: AsyncDatabase = {
        ...other,
        run: async (query) => {
          await servers(fresh.db).create(server('race'));
          return other.run(query);
        },
      };
      await expect(servers(late).create(server('RACE'))).rejects.toMatchObject({ code: 'CONFLICT', issues: [{ path: ['name'] }] });
      expect((await servers(fresh.db).list({ ...LIST })).items.map((item) => item.name)).toEqual(['race']);
    } finally {
      await other.close();
      await fresh.db.close();
    }
  });

  it('pages and sorts: names whatever their case, ties by id, totals over the whole match', async () => {
    const { db, servers } = await inventory(engine);
    try {
      expect(names(await servers.list(LIST))).toEqual(['_edge', 'db_main', 'Web-10', 'web-2', 'Ünïcode-box']);
      expect(names(await servers.list({ ...LIST, order: 'desc' }))).toEqual(['Ünïcode-box', 'web-2', 'Web-10', 'db_main', '_edge']);
      expect(await servers.list({ ...LIST, limit: 2, offset: 1 })).toMatchObject({ total: 5, items: [{ name: 'db_main' }, { name: 'Web-10' }] });
      expect(names(await servers.list({ ...LIST, sort: 'port', order: 'desc', limit: 1 }))).toEqual(['Web-10']);
      expect(names(await servers.list({ ...LIST, sort: 'environment' }))).toEqual(['Ünïcode-box', 'web-2', 'db_main', '_edge', 'Web-10']);
      expect(names(await servers.list({ ...LIST, sort: 'createdAt', order: 'desc', limit: 2 }))).toEqual(['_edge', 'Ünïcode-box']);
    } finally {
      await db.close();
    }
  });

  it('searches name, host, notes and tags whatever their case, taking % and _ literally; filters by tag and environment', async () => {
    const { db, servers } = await inventory(engine);
    try {
      expect(names(await servers.list({ ...LIST, q: 'WEB' }))).toEqual(['Web-10', 'web-2']);
      expect(names(await servers.list({ ...LIST, q: '50%' }))).toEqual(['web-2']);
      expect(names(await servers.list({ ...LIST, q: 'db_' }))).toEqual(['db_main']);
      expect(names(await servers.list({ ...LIST, q: 'edge.example' }))).toEqual(['_edge']);
      expect(names(await servers.list({ ...LIST, tags: ['eu'] }))).toEqual(['db_main', 'web-2']);
      expect(names(await servers.list({ ...LIST, tags: ['eu', 'web'] }))).toEqual(['web-2']);
      expect(await servers.list({ ...LIST, tags: ['we'] })).toEqual({ items: [], total: 0 });
      expect(await servers.list({ ...LIST, environment: 'staging' })).toMatchObject({ total: 1, items: [{ name: 'Web-10' }] });
      expect((await servers.all({ tags: ['web'] })).map((s) => s.name)).toEqual(['Web-10', 'web-2']);
    } finally {
      await db.close();
    }
  });

  it('counts tags and environments, in byte order', async () => {
    const { db, servers } = await inventory(engine);
    try {
      expect(await servers.facets()).toEqual({
        tags: [
          { value: 'db', count: 1 },
          { value: 'edge', count: 1 },
          { value: 'eu', count: 2 },
          { value: 'web', count: 2 },
        ],
        environments: [
          { value: 'lab', count: 1 },
          { value: 'production', count: 3 },
          { value: 'staging', count: 1 },
        ],
      });
    } finally {
      await db.close();
    }
  });

  it('tells other domains, through its directory, what they may know of a server and which linked servers still exist', async () => {
    const { db, servers } = await inventory(engine);
    try {
      const directory = new ServerDirectory(db);
      const web = await servers.findByName('web-2');
      expect(await directory.get(web?.id ?? '')).toEqual({
        id: web?.id,
        name: 'web-2',
        host: 'web-2.example.net',
        port: 22,
        environment: 'production',
        tags: ['web', 'eu'],
        user: null,
        jumpHostId: null,
        dependsOnId: null,
      });
      expect(await directory.get('s-99')).toBeUndefined();
      expect((await directory.all()).map((info) => info.name)).toEqual(['_edge', 'db_main', 'Web-10', 'web-2', 'Ünïcode-box']);
      expect(await directory.existing(['s-01', 's-99', 's-03'])).toEqual(new Set(['s-01', 's-03']));
      expect(await directory.existing([])).toEqual(new Set());
    } finally {
      await db.close();
    }
  });

  it('keeps names unique whatever their case, reads a server back as written, and upserts only what differs', async () => {
    const { db, servers, hostChanged } = await inventory(engine);
    try {
      await expect(servers.create(server('WEB-2'))).rejects.toMatchObject({ code: 'CONFLICT' });
      const db1 = await servers.findByName('DB_MAIN');
      expect(db1).toMatchObject({ name: 'db_main', user: 'postgres', tags: ['db', 'eu'], port: 22 });
      expect(await servers.get(db1?.id ?? '')).toEqual(db1);
      await expect(servers.get('s-99')).rejects.toMatchObject({ code: 'NOT_FOUND' });

      expect(await servers.upsertByName(server('db_main', { user: 'postgres', tags: ['db', 'eu'] }))).toEqual({ outcome: 'unchanged', id: db1?.id });
      expect(await servers.upsertByName(server('DB_MAIN', { user: 'postgres', tags: ['db'], host: 'db2.example.net' }))).toEqual({
        outcome: 'updated',
        id: db1?.id,
      });
      expect(hostChanged).toEqual([db1?.id]);
      expect(await servers.findByName('db_main')).toMatchObject({ name: 'DB_MAIN', tags: ['db'], host: 'db2.example.net' });
      expect((await servers.upsertByName(server('cache-1'))).outcome).toBe('created');

      await expect(servers.update({ id: db1?.id ?? '', name: 'web-10' })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await servers.update({ id: db1?.id ?? '', notes: 'moved' })).toMatchObject({ notes: 'moved', name: 'DB_MAIN' });
      expect(await servers.delete(db1?.id ?? '')).toEqual({ id: db1?.id });
      await expect(servers.delete(db1?.id ?? '')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await servers.list(LIST)).total).toBe(5);
    } finally {
      await db.close();
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppErrorShape } from '@shared/api/errors';
import { SERVER_SORT_FIELDS, type CreatedServer, type Server, type ServerInput, type ServerSortField } from '@shared/api/servers';
import { LOCAL_OWNER } from '@shared/permissions';
import type { CallResult } from '../api/router';
import { createCore, type Core } from '../app';
import { silentLogger } from '../logging/logger';

const START = 1_767_225_600_000;

let dataDir: string;
let core: Core;
let time: number;
let counter: number;
const clock = { now: () => time };
const newId = () => `00000000-0000-4000-8000-${(++counter).toString(16).padStart(12, '0')}`;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'guardian-servers-'));
  time = START;
  counter = 0;
  core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless', clock, newId });
});

afterEach(async () => {
  await core.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const call = (name: string, input: unknown): Promise<CallResult> => core.router.call(LOCAL_OWNER, name, input, { origin: 'test' });

async function ok<T>(name: string, input: unknown): Promise<T> {
  const result = await call(name, input);
  if (!result.ok) throw new Error(`${name} failed: ${JSON.stringify(result.error)}`);
  return result.value as T;
}

async function refused(name: string, input: unknown): Promise<AppErrorShape> {
  const result = await call(name, input);
  if (result.ok) throw new Error(`${name} succeeded with ${JSON.stringify(result.value)}`);
  return result.error;
}

/** The inventory alone: default checks are proven in default-check.test.ts. */
async function create(input: ServerInput): Promise<Server> {
  const { check, ...server } = await ok<CreatedServer>('servers.create', { ...input, monitor: false });
  expect(check).toBeNull();
  return server;
}
const list = (input: Record<string, unknown>) => ok<{ items: Server[]; total: number }>('servers.list', input);
const names = async (input: Record<string, unknown>) => (await list(input)).items.map((server) => server.name);

describe('servers: create, get, update, delete', () => {
  it('creates a server with the defaults filled in and finds it again', async () => {
    const changes: unknown[] = [];
    core.events.subscribe((name, payload) => changes.push({ name, payload }));

    const server = await create({ name: '  web-1 ', host: 'Web-1.Example.COM', tags: ['Web', 'eu', 'web'] });

    expect(server).toEqual({
      id: expect.any(String),
      name: 'web-1',
      host: 'web-1.example.com',
      port: 22,
      user: null,
      // No environment unless one is given: not every server is production.
      environment: '',
      tags: ['eu', 'web'],
      notes: '',
      // Reached directly unless it names a jump host.
      jumpHostId: null,
      dependsOnId: null,
      // Guardian's SSH agent is never forwarded unless someone turns it on.
      agentForwarding: false,
      createdAt: START,
      updatedAt: START,
    });
    expect(await ok('servers.get', { id: server.id })).toEqual(server);
    expect(changes).toEqual([{ name: 'servers.changed', payload: { change: 'created', ids: [server.id] } }]);
  });

  it('updates only the fields given, and moves updatedAt', async () => {
    const server = await create({ name: 'db-1', host: '10.0.0.5', port: 5432, user: 'postgres', notes: 'primary' });
    time += 60_000;

    const updated = await ok<Server>('servers.update', { id: server.id, port: 6432, user: null, tags: ['db'] });

    expect(updated).toEqual({ ...server, port: 6432, user: null, tags: ['db'], updatedAt: START + 60_000 });
    expect(await ok('servers.get', { id: server.id })).toEqual(updated);
  });

  it('lets a server be renamed to a different case of its own name', async () => {
    const server = await create({ name: 'web-1', host: 'a.example.com' });
    expect((await ok<Server>('servers.update', { id: server.id, name: 'WEB-1' })).name).toBe('WEB-1');
  });

  it('deletes a server; afterwards it is gone and a second delete is NOT_FOUND', async () => {
    const server = await create({ name: 'old-box', host: 'old.example.com' });
    expect(await ok('servers.delete', { id: server.id })).toEqual({ id: server.id });
    expect((await refused('servers.get', { id: server.id })).code).toBe('NOT_FOUND');
    expect((await refused('servers.delete', { id: server.id })).code).toBe('NOT_FOUND');
    expect((await refused('servers.update', { id: server.id, port: 23 })).code).toBe('NOT_FOUND');
    expect(await list({})).toEqual({ items: [], total: 0 });
  });
});

describe('servers: host and port validation', () => {
  it.each([
    ['db.example.com', 'db.example.com'],
    ['localhost', 'localhost'],
    ['10.0.0.1', '10.0.0.1'],
    ['2001:db8::1', '2001:db8::1'],
    ['[::1]', '::1'],
    ['::1', '::1'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
  ])('accepts the host %s (stored as %s)', async (host, stored) => {
    expect((await create({ name: 'h', host })).host).toBe(stored);
  });

  it.each(['999.1.1.1', 'host name with spaces', '-bad-.example', 'bad-.example', '10.0.0', 'http://web.example.com', '[web.example.com]', '[10.0.0.1]', ''])(
    'rejects the host %j with an issue on the host field',
    async (host) => {
      const error = await refused('servers.create', { name: 'h', host });
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.issues?.length).toBeGreaterThan(0);
      expect(error.issues?.every((issue) => issue.path.join('.') === 'host')).toBe(true);
      expect(await list({})).toEqual({ items: [], total: 0 });
    },
  );

  it.each([70000, 0, -1, 22.5, Number.NaN, '22'])('rejects the port %j with an issue at ["port"] for the form to show', async (port) => {
    const error = await refused('servers.create', { name: 'h', host: 'h.example.com', port });
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.issues).toEqual([{ path: ['port'], message: expect.stringMatching(/^SSH port /) }]);
  });

  it('says what is wrong with the port in words', async () => {
    const error = await refused('servers.create', { name: 'h', host: 'h.example.com', port: 70000 });
    expect(error.issues?.[0]?.message).toBe('SSH port must be between 1 and 65535');
    expect(error.message).toContain('port: SSH port must be between 1 and 65535');
  });

  it('names every bad field at once', async () => {
    const error = await refused('servers.create', { name: '', host: '999.1.1.1', port: 70000, environment: 'Prod Env!' });
    expect(error.issues?.map((issue) => issue.path[0]).sort()).toEqual(['environment', 'host', 'name', 'port']);
  });
});

describe('servers.list', () => {
  async function fleet() {
    await create({ name: 'web-eu-1', host: 'web-eu-1.example.com', environment: 'production', tags: ['web', 'eu'], notes: 'Frontend, 50% of traffic' });
    await create({ name: 'web-us-1', host: '10.1.0.4', environment: 'production', tags: ['web', 'us'], notes: 'Frontend, 500 req/s' });
    await create({ name: 'db-eu-1', host: 'db.internal', port: 5432, environment: 'production', tags: ['db', 'eu'], notes: 'primary_replica' });
    await create({ name: 'staging-web', host: 'staging.example.com', environment: 'staging', tags: ['web', 'eu'], notes: '' });
    await create({ name: 'ci-runner', host: 'ci.example.org', environment: 'dev', tags: [], notes: 'Builds. Ask Dana before rebooting.' });
  }

  it('searches name, host and notes, ignoring case', async () => {
    await fleet();
    expect(await names({ q: 'WEB-EU' })).toEqual(['web-eu-1']);
    expect(await names({ q: 'db.internal' })).toEqual(['db-eu-1']);
    expect(await names({ q: 'dana' })).toEqual(['ci-runner']);
    expect(await names({ q: 'frontend' })).toEqual(['web-eu-1', 'web-us-1']);
    expect(await names({ q: 'nothing like this' })).toEqual([]);
  });

  it('treats % and _ in a search as the characters themselves', async () => {
    await fleet();
    expect(await names({ q: '50%' })).toEqual(['web-eu-1']);
    expect(await names({ q: 'primary_' })).toEqual(['db-eu-1']);
    expect(await names({ q: '_' })).toEqual(['db-eu-1']);
  });

  it('filters by tags (all of them) and by environment', async () => {
    await fleet();
    expect(await names({ tags: ['web'] })).toEqual(['staging-web', 'web-eu-1', 'web-us-1']);
    expect(await names({ tags: ['web', 'eu'] })).toEqual(['staging-web', 'web-eu-1']);
    expect(await names({ tags: 'web,eu' })).toEqual(['staging-web', 'web-eu-1']);
    expect(await names({ tags: ['web', 'eu'], environment: 'production' })).toEqual(['web-eu-1']);
    expect(await names({ environment: 'dev' })).toEqual(['ci-runner']);
    expect(await names({ tags: ['db', 'us'] })).toEqual([]);
    expect((await list({ tags: ['web'], q: 'staging' })).total).toBe(1);
  });

  it('pages with limit and offset, reporting the total of all matches', async () => {
    for (let index = 0; index < 25; index++) await create({ name: `node-${String(index).padStart(2, '0')}`, host: `n${index}.example.com` });

    const page = await list({ limit: 10, offset: 20 });
    expect(page.total).toBe(25);
    expect(page.items.map((server) => server.name)).toEqual(['node-20', 'node-21', 'node-22', 'node-23', 'node-24']);

    const fromQueryString = await list({ limit: '3', offset: '3' });
    expect(fromQueryString.items.map((server) => server.name)).toEqual(['node-03', 'node-04', 'node-05']);
    expect(fromQueryString.total).toBe(25);

    expect(await list({ offset: 100 })).toEqual({ items: [], total: 25 });
    expect((await refused('servers.list', { limit: 0 })).issues?.[0]?.path).toEqual(['limit']);
    expect((await refused('servers.list', { sort: 'password' })).issues?.[0]?.path).toEqual(['sort']);
  });

  it('shows every create, rename and delete in the next unfiltered list, in each order', async () => {
    const first = await create({ name: 'beta', host: 'b.example.com' });
    expect(await names({})).toEqual(['beta']);
    expect(await names({ order: 'desc' })).toEqual(['beta']);

    await create({ name: 'alpha', host: 'a.example.com' });
    await ok('servers.update', { id: first.id, name: 'gamma' });
    expect(await list({})).toEqual({ items: [expect.objectContaining({ name: 'alpha' }), expect.objectContaining({ name: 'gamma' })], total: 2 });
    expect(await names({ order: 'desc' })).toEqual(['gamma', 'alpha']);
    expect(await list({ limit: 1, offset: 1 })).toEqual({ items: [expect.objectContaining({ name: 'gamma' })], total: 2 });

    await ok('servers.delete', { id: first.id });
    expect(await list({})).toEqual({ items: [expect.objectContaining({ name: 'alpha' })], total: 1 });
    expect(await names({ order: 'desc' })).toEqual(['alpha']);
  });

  it.each(SERVER_SORT_FIELDS.flatMap((field) => [[field, 'asc'] as const, [field, 'desc'] as const]))('sorts by %s %s', async (sort, order) => {
    const made: Server[] = [];
    const rows: ServerInput[] = [
      { name: 'delta', host: 'b.example.com', port: 8080, environment: 'staging' },
      { name: 'Alpha', host: 'd.example.com', port: 22, environment: 'production' },
      { name: 'charlie', host: '10.0.0.1', port: 443, environment: 'dev' },
      { name: 'bravo', host: 'a.example.com', port: 22, environment: 'production' },
    ];
    for (const row of rows) {
      time += 1000;
      made.push(await create(row));
    }
    // Touch them in another order so updatedAt differs from createdAt's order.
    for (const server of [made[2], made[0], made[3], made[1]]) {
      time += 1000;
      if (server) await ok('servers.update', { id: server.id, notes: 'touched' });
    }
    const current = (await list({ limit: 100 })).items;

    const key = (server: Server, field: ServerSortField) => (field === 'name' ? server.name.toLowerCase() : server[field]);
    const expected = [...current]
      .sort((a, b) => {
        const left = key(a, sort);
        const right = key(b, sort);
        const byField = left < right ? -1 : left > right ? 1 : 0;
        return (order === 'desc' ? -byField : byField) || (a.id < b.id ? -1 : 1);
      })
      .map((server) => server.name);

    expect(await names({ sort, order, limit: 100 })).toEqual(expected);
    expect(new Set(expected.slice(0, 2)).size).toBe(2);
  });
});

describe('servers.facets', () => {
  it('counts servers per tag and per environment', async () => {
    expect(await ok('servers.facets', {})).toEqual({ tags: [], environments: [] });
    await create({ name: 'a', host: 'a.example.com', tags: ['web', 'eu'] });
    await create({ name: 'b', host: 'b.example.com', tags: ['web'], environment: 'staging' });
    await create({ name: 'c', host: 'c.example.com', tags: ['db', 'eu'] });
    await create({ name: 'd', host: 'd.example.com', environment: 'staging' });

    expect(await ok('servers.facets', {})).toEqual({
      tags: [
        { value: 'db', count: 1 },
        { value: 'eu', count: 2 },
        { value: 'web', count: 2 },
      ],
      environments: [
        { value: '', count: 2 },
        { value: 'staging', count: 2 },
      ],
    });
  });
});

import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import type { SecretValue } from '@shared/api/vault';
import { AppError } from '@shared/api/errors';
import { read, stamper, type AsyncDatabase } from '../db/engine';
import { EventBus } from '../events/bus';
import { JobService } from '../jobs/service';
import { silentLogger } from '../logging/logger';
import { createMetrics } from '../metrics/registry';
import { ServerDirectory } from '../servers';
import { ServerStore } from '../servers/store';
import { CHEAP_SCRYPT } from '../testing/harness';
import { useEngines } from '../testing/engines';
import { serverRow } from '../testing/server-row';
import { exportVault, importVault, type BackupDeps } from './backup';
import { NO_KEY_FILE } from './keyfile';
import { Keyring } from './keyring';
import { ROTATE_BATCH } from './rotation';
import { SecretStore } from './secrets';
import { VaultService } from './service';
import { NO_OS_KEYCHAIN } from './slots';
import { VaultStore } from './store';
import type { SecretRow } from './table';

/**
 * The vault on both engines, through its store: what a user would notice of secrets, links, key
 * slots, rotations and imports, and what two processes (two nodes on one PostgreSQL, the CLI
 * beside `guardian serve` on one SQLite file) doing vault work at once leave behind.
 */

const PASSPHRASE = 'correct horse battery staple';
const SPARE = 'a spare passphrase for the ops team';
const HOUR = 3_600_000;
const clock = { now: () => Date.now() };

const engines = useEngines('guardian-vault-store-');

/** One process's vault over `db`: its own keyring, jobs and services, as createCore wires them. */
function node(db: AsyncDatabase, store = new VaultStore(db)) {
  const keyring = new Keyring(clock, HOUR);
  const events = new EventBus();
  const jobs = new JobService({ data: db, events, clock, logger: silentLogger(), metrics: createMetrics(), newId: randomUUID });
  const stampFailures: unknown[] = [];
  const stamp = stamper(db, (_what, error) => stampFailures.push(error));
  const vault = new VaultService({
    store,
    data: db,
    stamp,
    clock,
    newId: randomUUID,
    jobs,
    keyring,
    osKeys: NO_OS_KEYCHAIN,
    keyFile: NO_KEY_FILE,
    scryptCost: CHEAP_SCRYPT,
  });
  const directory = new ServerDirectory(db);
  const secrets = new SecretStore({ store, data: db, stamp, directory, clock, newId: randomUUID, vault });
  const backup: BackupDeps = { store, data: db, directory, clock, keyring, vault, scryptCost: CHEAP_SCRYPT };
  return { db, store, keyring, jobs, events, vault, secrets, backup, stampFailures };
}
type Node = ReturnType<typeof node>;

async function server(db: AsyncDatabase, name: string, host: string): Promise<string> {
  const id = randomUUID();
  const now = clock.now();
  await new ServerStore(db).insert(serverRow({ id, name, host, createdAt: now, updatedAt: now }));
  return id;
}

const password = (text: string): SecretValue => ({ kind: 'password', password: text });

/** `count` secrets in one transaction; their values by id. */
async function plant(n: Node, count: number): Promise<Map<string, SecretValue>> {
  const planted = new Map<string, SecretValue>();
  await n.db.transaction(async () => {
    for (let i = 0; i < count; i++) {
      const value = password(`planted-${i}-${randomUUID()}`);
      planted.set((await n.secrets.create({ name: `s${i}`, tags: [], serverIds: [], username: null, value }, 'test')).id, value);
    }
  });
  return planted;
}

async function expectIntact(n: Node, planted: Map<string, SecretValue>): Promise<void> {
  let mismatches = 0;
  for (const [id, value] of planted) if (JSON.stringify(await n.secrets.reveal(id)) !== JSON.stringify(value)) mismatches++;
  expect(mismatches).toBe(0);
}

const generations = (db: AsyncDatabase) =>
  db.all(sql`SELECT DISTINCT key_generation AS g FROM secrets ORDER BY key_generation`, (row) => read.number(row, 'g'));

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

describe.each(['sqlite', 'postgres'] as const)('the vault on %s', (engine) => {
  /**
   * A second process on the same database. On PostgreSQL a connection of its own; on SQLite the
   * same engine: separate processes take turns at the file's write lock (BEGIN IMMEDIATE), but two
   * engines in one test process cannot stand for them (one waiting for the lock blocks the thread
   * the other needs to finish), so there the two take turns at the engine's lock instead.
   */
  const secondOn = (fresh: { db: AsyncDatabase; another(): AsyncDatabase }) => (engine === 'sqlite' ? fresh.db : fresh.another());

  it('a secret is stored sealed, opens with the key, and is found by name, tag, kind and server, names in order whatever their case', async () => {
    const { db } = await engines.fresh(engine);
    const n = node(db);
    await n.vault.init({ kind: 'passphrase', passphrase: PASSPHRASE });
    const web = await server(db, 'web', 'web-1.example.com');
    const created = await n.secrets.create(
      { name: 'db root', tags: ['prod', 'eu'], serverIds: [web], username: 'root', value: password('hunter2-db-root-3f9a') },
      'user:alice',
    );
    await n.secrets.create(
      { name: 'Bravo token', tags: ['ci'], serverIds: [], username: null, value: { kind: 'api_token', token: 'ghp_token_7c1d' } },
      'user:alice',
    );
    await n.secrets.create(
      { name: 'alpha_note 100%', tags: [], serverIds: [], username: null, value: { kind: 'note', text: 'line one\nline two' } },
      'user:alice',
    );

    const row = await n.store.secret(created.id);
    expect(row).toMatchObject({ name: 'db root', tags: ['prod', 'eu'], serverIds: [web], username: 'root', keyGeneration: 1, createdBy: 'user:alice' });
    expect(row?.sealed).not.toContain('hunter2');
    expect(Buffer.from(row?.sealed ?? '', 'base64').toString('latin1')).not.toContain('hunter2');
    expect(created).not.toHaveProperty('sealed');
    expect(await n.secrets.reveal(created.id)).toEqual(password('hunter2-db-root-3f9a'));

    const names = async (filter: Parameters<SecretStore['list']>[0]) => (await n.secrets.list(filter)).map((secret) => secret.name);
    expect(await names({})).toEqual(['alpha_note 100%', 'Bravo token', 'db root']);
    expect(await names({ q: 'DB' })).toEqual(['db root']);
    expect(await names({ q: 'ROOT' })).toEqual(['db root']);
    expect(await names({ q: '100%' })).toEqual(['alpha_note 100%']);
    expect(await names({ q: '_' })).toEqual(['alpha_note 100%']);
    expect(await names({ tags: ['eu'] })).toEqual(['db root']);
    expect(await names({ tags: ['eu', 'ci'] })).toEqual([]);
    expect(await names({ kind: 'api_token' })).toEqual(['Bravo token']);
    expect(await names({ serverId: web })).toEqual(['db root']);

    // Locked: the list still answers, the value does not.
    n.vault.lock();
    expect(await names({ tags: ['prod'] })).toEqual(['db root']);
    expect((await rejection(n.secrets.reveal(created.id))).code).toBe('VAULT_LOCKED');
  });

  it('a secret goes only to a server it is linked to, at its host; its last use is recorded; a host change unlinks it', async () => {
    const { db } = await engines.fresh(engine);
    const n = node(db);
    await n.vault.init({ kind: 'passphrase', passphrase: PASSPHRASE });
    const web = await server(db, 'web', 'web-1.example.com');
    const dbServer = await server(db, 'db', '2001:db8::5');
    const { id } = await n.secrets.create({ name: 'deploy', tags: [], serverIds: [web, dbServer], username: 'deploy', value: password('pw-1') }, 'test');

    expect(await n.secrets.use(id, { usedBy: 'check:1', serverId: web, host: 'WEB-1.example.com.' })).toEqual({ value: password('pw-1'), username: 'deploy' });
    await vi.waitFor(async () => expect(await n.store.secret(id)).toMatchObject({ lastUsedBy: 'check:1', lastUsedAt: expect.any(Number) }));
    const elsewhere = await rejection(n.secrets.use(id, { usedBy: 'check:2', serverId: web, host: 'rogue.example.net' }));
    expect(elsewhere).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining('(web-1.example.com), not to rogue.example.net') });

    expect(await n.secrets.unlinkServer(web, 'system:server-host-changed')).toBe(1);
    expect(await n.store.secret(id)).toMatchObject({ serverIds: [dbServer], updatedBy: 'system:server-host-changed' });
    expect((await rejection(n.secrets.use(id, { usedBy: 'check:3', serverId: web, host: 'web-1.example.com' }))).code).toBe('PERMISSION_DENIED');
    expect(await n.secrets.unlinkServer(web, 'system:server-host-changed')).toBe(0);
    expect(await n.secrets.unlinkServer(dbServer, 'system:server-host-changed')).toBe(1);
    expect((await n.store.secret(id))?.serverIds).toEqual([]);
    expect((await n.store.secret(id))?.lastUsedBy).toBe('check:1');
    expect(n.stampFailures).toEqual([]);
  });

  it('slots are added and removed, an unlock records when its slot was last used, and the last slot stays', async () => {
    const { db } = await engines.fresh(engine);
    const n = node(db);
    const created = await n.vault.init({ kind: 'passphrase', passphrase: PASSPHRASE });
    const first = created.slots[0]?.id ?? '';
    const added = await n.vault.addSlot({ kind: 'passphrase', passphrase: SPARE, label: 'Ops team' });
    expect(added.slots.map((slot) => [slot.label, slot.lastUsedAt])).toEqual([
      ['Passphrase', expect.any(Number)],
      ['Ops team', null],
    ]);
    const spare = added.slots[1]?.id ?? '';

    n.vault.lock();
    await n.vault.unlock({ kind: 'passphrase', passphrase: SPARE });
    await vi.waitFor(async () => expect((await n.vault.status()).slots.find((slot) => slot.id === spare)?.lastUsedAt).toEqual(expect.any(Number)));

    expect((await n.vault.removeSlot(first)).slots.map((slot) => slot.id)).toEqual([spare]);
    expect(await rejection(n.vault.removeSlot(spare))).toMatchObject({ code: 'CONFLICT', hint: expect.stringMatching(/^Add another slot first/) });
    expect((await rejection(n.vault.removeSlot(first))).code).toBe('NOT_FOUND');
    n.vault.lock();
    expect((await n.vault.unlock({ kind: 'passphrase', passphrase: SPARE })).locked).toBe(false);
  });

  it('two processes removing the last two slots at once leave one: the vault can still be opened', async () => {
    const fresh = await engines.fresh(engine);
    const [a, b] = [node(fresh.db), node(secondOn(fresh))];
    const status = await a.vault.init({ kind: 'passphrase', passphrase: PASSPHRASE });
    const added = await a.vault.addSlot({ kind: 'passphrase', passphrase: SPARE, label: 'Ops team' });
    await b.vault.unlock({ kind: 'passphrase', passphrase: PASSPHRASE });
    const [one, two] = [status.slots[0]?.id ?? '', added.slots[1]?.id ?? ''];

    const outcomes = await Promise.allSettled([a.vault.removeSlot(one), b.vault.removeSlot(two)]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = outcomes.find((outcome) => outcome.status === 'rejected');
    expect(refused?.status === 'rejected' && refused.reason instanceof AppError && refused.reason.code).toBe('CONFLICT');
    expect(await a.store.slots()).toHaveLength(1);
  });

  it('a passphrase change that a full rotation overtakes is refused, and the slot still opens the vault with its passphrase', async () => {
    const fresh = await engines.fresh(engine);
    const a = node(fresh.db);
    const status = await a.vault.init({ kind: 'passphrase', passphrase: PASSPHRASE });
    const slotId = status.slots[0]?.id ?? '';
    const planted = await plant(a, 3);
    let rotation: Promise<unknown> = Promise.resolve();
    // The other process's full rotation re-wraps the slot after this one opened it, before it writes.
    class Overtaken extends VaultStore {
      override async rewrapSlot(id: string, expected: string, fields: Parameters<VaultStore['rewrapSlot']>[2]): Promise<boolean> {
        const job = await a.vault.rotateFully({ passphrases: new Map([[slotId, PASSPHRASE]]), dropSlots: new Set() }, 'test');
        rotation = a.jobs.waitFor(job.id);
        return super.rewrapSlot(id, expected, fields);
      }
    }
    const b = node(secondOn(fresh), new Overtaken(secondOn(fresh)));
    await b.vault.unlock({ kind: 'passphrase', passphrase: PASSPHRASE });
    const refused = await rejection(b.vault.changePassphrase(slotId, PASSPHRASE, 'the changed passphrase, never written'));
    expect(refused).toMatchObject({ code: 'CONFLICT', hint: expect.stringMatching(/^Look at the key slots again/) });
    await rotation;

    const c = node(secondOn(fresh));
    expect((await rejection(c.vault.unlock({ kind: 'passphrase', passphrase: 'the changed passphrase, never written' }))).code).toBe('VAULT_BAD_PASSPHRASE');
    expect((await c.vault.unlock({ kind: 'passphrase', passphrase: PASSPHRASE })).rotation).toEqual({ inProgress: false, remaining: 0 });
    await expectIntact(c, planted);
  });

  it(`a rotation re-seals in batches of ${ROTATE_BATCH}, one transaction each; failed inside one, another process resumes it and every secret opens`, async () => {
    const fresh = await engines.fresh(engine);
    // The write of the 300th secret fails (as a kill would end it): half of the second batch was re-sealed by then.
    let resealed = 0;
    class FailingStore extends VaultStore {
      override async reseal(id: string, expected: string, sealed: string, generation: number): Promise<boolean> {
        if (++resealed === ROTATE_BATCH + ROTATE_BATCH / 2) throw new Error('the process was killed');
        return super.reseal(id, expected, sealed, generation);
      }
    }
    const a = node(fresh.db, new FailingStore(fresh.db));
    await a.vault.init({ kind: 'passphrase', passphrase: PASSPHRASE });
    const planted = await plant(a, ROTATE_BATCH * 2 + 50);

    const job = await a.vault.rotate('test');
    expect(await a.jobs.waitFor(job.id)).toMatchObject({ status: 'failed', total: planted.size, done: ROTATE_BATCH });
    const state = await a.store.state();
    expect(state).toMatchObject({ generation: 1, pendingGeneration: 2 });
    // The first batch committed; the second's re-sealed half was undone with it.
    const moved = planted.size - (await a.store.countNotAt(2));
    expect(moved).toBe(ROTATE_BATCH);
    expect(await generations(fresh.db)).toEqual([1, 2]);

    // Another process (its own keyring, unlocked from the slots) resumes where it stopped.
    const b = node(secondOn(fresh));
    const unlocked = await b.vault.unlock({ kind: 'passphrase', passphrase: PASSPHRASE });
    expect(unlocked.rotation).toEqual({ inProgress: true, remaining: planted.size - moved });
    await expectIntact(b, planted);
    const resumed = await b.jobs.waitFor((await b.vault.rotate('test')).id);
    expect(resumed).toMatchObject({ status: 'succeeded', result: { reSealed: planted.size - moved, finished: true } });
    expect(await b.store.state()).toEqual({ generation: 2, wrappedDek: state?.pendingWrappedDek, pendingGeneration: null, pendingWrappedDek: null });
    expect(await generations(fresh.db)).toEqual([2]);
    await expectIntact(b, planted);

    // The first process, unlocked before the next rotation, learns its key from the vault's state.
    await a.vault.unlock({ kind: 'passphrase', passphrase: PASSPHRASE });
    const later = await b.vault.rotate('test');
    await b.jobs.waitFor(later.id);
    await expectIntact(a, planted);
    const { id } = await a.secrets.create({ name: 'after', tags: [], serverIds: [], username: null, value: password('after-3') }, 'test');
    expect((await a.store.secret(id))?.keyGeneration).toBe(3);
    expect(await b.secrets.reveal(id)).toEqual(password('after-3'));
  });

  it('two processes starting a rotation at once rotate to one new key, and every secret opens after', async () => {
    const fresh = await engines.fresh(engine);
    const a = node(fresh.db);
    await a.vault.init({ kind: 'passphrase', passphrase: PASSPHRASE });
    const planted = await plant(a, 30);
    const b = node(secondOn(fresh));
    await b.vault.unlock({ kind: 'passphrase', passphrase: PASSPHRASE });

    const jobs = await Promise.all([a.vault.rotate('a'), b.vault.rotate('b')]);
    const ended = await Promise.all([a.jobs.waitFor(jobs[0].id), b.jobs.waitFor(jobs[1].id)]);
    expect(ended.map((job) => job.status)).toEqual(['succeeded', 'succeeded']);
    expect(await a.store.state()).toMatchObject({ generation: 2, pendingGeneration: null });
    expect(await generations(fresh.db)).toEqual([2]);
    await expectIntact(a, planted);
    await expectIntact(b, planted);
  });

  it('an import is all or nothing: a record that fails to be written leaves none of the file; two imports at once write each secret once', async () => {
    const source = node((await engines.fresh(engine)).db);
    await source.vault.init({ kind: 'passphrase', passphrase: PASSPHRASE });
    const planted = await plant(source, 5);
    const { content } = await exportVault(source.backup, 'the export passphrase');

    const target = await engines.fresh(engine);
    const a = node(target.db);
    await a.vault.init({ kind: 'passphrase', passphrase: PASSPHRASE });
    // The fourth record's write fails: the three before it are undone with it.
    let written = 0;
    class FailingStore extends VaultStore {
      override async insertNewSecret(row: SecretRow): Promise<boolean> {
        if (++written === 4) throw new Error('the disk is full');
        return super.insertNewSecret(row);
      }
    }
    const failing = { ...a.backup, store: new FailingStore(target.db) };
    await expect(importVault(failing, 'the export passphrase', content, 'user:alice')).rejects.toThrow('the disk is full');
    expect(written).toBe(4);
    expect(await a.secrets.list({})).toEqual([]);

    const b = node(secondOn(target));
    await b.vault.unlock({ kind: 'passphrase', passphrase: PASSPHRASE });
    const both = await Promise.all([
      importVault(a.backup, 'the export passphrase', content, 'user:alice'),
      importVault(b.backup, 'the export passphrase', content, 'user:bob'),
    ]);
    expect(both.map((result) => result.imported + result.skipped)).toEqual([5, 5]);
    expect(both[0].imported + both[1].imported).toBe(5);
    expect(await a.secrets.list({})).toHaveLength(5);
    await expectIntact(a, planted);
    await expectIntact(b, planted);
  });
});

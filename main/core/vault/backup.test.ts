import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DroppedServerLinks, Secret, SecretValue } from '@shared/api/vault';
import { LOCAL_OWNER, type Principal } from '@shared/permissions';
import type { Core } from '../app';
import { failure, setupOwner, success, tempCore, type TempCore } from '../testing/harness';
import { ed25519Key } from '../testing/ssh-keys';
import { deriveKey, newScryptParams, seal } from './crypto';
import { rowsOf } from '../testing/rows';

const NOW = 1_767_225_600_000;
// The cheapest cost an export file may name (import refuses weaker ones): still fast in tests.
const TEST_SCRYPT = { N: 2 ** 14, r: 8, p: 1 };
const VAULT_PASSPHRASE = 'correct horse battery staple';
const OTHER_VAULT_PASSPHRASE = 'an entirely different vault';
const EXPORT_PASSPHRASE = 'export passphrase for the move';
const OWNER = { username: 'olivia', password: 'violet tulips at dawn' };
const CALL = { origin: 'test' };

let t: number;
const clock = { now: () => t };
const opened: TempCore[] = [];
/** Each core's owner, signed in and re-authenticated: what an export needs, like a reveal. */
const owners = new Map<Core, Principal>();

/** A fresh core in its own data dir, its vault created and unlocked, its owner signed in. */
async function freshCore(passphrase = VAULT_PASSPHRASE): Promise<Core> {
  const temp = await tempCore({ prefix: 'guardian-vault-backup-', clock, vaultScryptCost: TEST_SCRYPT });
  opened.push(temp);
  await temp.core.vault.init({ kind: 'passphrase', passphrase });
  const { principal } = await setupOwner(temp.core, OWNER);
  success(await temp.core.router.call(principal, 'auth.reauth', { password: OWNER.password }, CALL));
  owners.set(temp.core, principal);
  return temp.core;
}

beforeEach(() => {
  t = NOW;
});

afterEach(async () => {
  for (const temp of opened.splice(0)) await temp.close();
  owners.clear();
});

interface Exported {
  fileName: string;
  count: number;
  content: string;
}
interface Imported {
  imported: number;
  skipped: number;
  droppedServerLinks: DroppedServerLinks[];
}

const exportVault = async (core: Core, passphrase = EXPORT_PASSPHRASE) =>
  success<Exported>(await core.router.call(owners.get(core) ?? null, 'vault.export', { passphrase }, CALL));
const importInto = (core: Core, content: string, passphrase = EXPORT_PASSPHRASE) =>
  core.router.call(LOCAL_OWNER, 'vault.import', { passphrase, content }, CALL);
const createServer = (core: Core, name: string) => core.router.invoke(LOCAL_OWNER, 'servers.create', { name, host: `${name}.example.net` }, CALL);
const countSecrets = (core: Core) => rowsOf(core).value<number>('SELECT count(*) FROM secrets');
/** Each secret's id and sealed bytes, by id: what an import must leave as it was. */
const sealedRows = async (core: Core, text: string, ...params: unknown[]) =>
  (await rowsOf(core).all<{ id: string; sealed: string }>(text, ...params)).map((row) => [row.id, row.sealed]);

/** One secret of every kind, linked to a server of this core, tagged and named; their values by id. */
async function plant(core: Core): Promise<Map<string, SecretValue>> {
  const key = ed25519Key({ comment: 'backup@example' });
  const serverId = (await createServer(core, 'backup-db')).id;
  const values: [string, string | null, SecretValue][] = [
    ['db root', 'root', { kind: 'password', password: 'backup-password-1f4e' }],
    ['deploy key', 'deploy', { kind: 'ssh_key', privateKey: key.private }],
    ['ci token', null, { kind: 'api_token', token: 'backup-token-8a2c' }],
    ['runbook', null, { kind: 'note', text: 'backup-note-5d7b\nwith two lines' }],
  ];
  const planted = new Map<string, SecretValue>();
  for (const [name, username, value] of values) {
    planted.set(
      (await core.secrets.create({ name, tags: ['prod', value.kind.replace('_', '-')].sort(), serverIds: [serverId], username, value }, 'user:alice')).id,
      value,
    );
  }
  return planted;
}

/** What travels with a secret: its name, tags, login and value; not the local bookkeeping or links to servers. */
const portable = ({ id, kind, name, tags, username, publicKey, fingerprint }: Secret) => ({ id, kind, name, tags, username, publicKey, fingerprint });

describe('export and import', () => {
  it('moves every secret and value into another vault with another key, through the export passphrase only', async () => {
    const source = await freshCore();
    const planted = await plant(source);
    const exported = await exportVault(source);
    expect(exported).toMatchObject({ fileName: 'guardian-vault-2026-01-01.gvault', count: 4 });
    const file = JSON.parse(exported.content) as Record<string, unknown>;
    expect(Object.keys(file).sort()).toEqual(['format', 'kdf', 'sealed', 'version']);
    expect(file).toMatchObject({ format: 'guardian-vault-export', version: 1, kdf: { alg: 'scrypt', ...TEST_SCRYPT } });
    for (const value of planted.values()) {
      const material = Object.entries(value).find(([field]) => field !== 'kind')?.[1] ?? '';
      expect(exported.content).not.toContain(material.slice(0, 16));
    }

    t += 60_000;
    const target = await freshCore(OTHER_VAULT_PASSPHRASE);
    const imported = success<Imported>(await importInto(target, exported.content));
    expect(imported).toMatchObject({ imported: 4, skipped: 0 });
    // The server they were linked to exists only in the source: each link is dropped, and said so.
    const serverId = (await source.secrets.list({}))[0]?.serverIds[0];
    expect(imported.droppedServerLinks.map((dropped) => dropped.serverIds)).toEqual([[serverId], [serverId], [serverId], [serverId]]);
    expect(imported.droppedServerLinks.map((dropped) => dropped.name).sort()).toEqual(['ci token', 'db root', 'deploy key', 'runbook']);

    expect((await target.secrets.list({})).map(portable)).toEqual((await source.secrets.list({})).map(portable));
    for (const secret of await target.secrets.list({})) {
      // The importer made them here, now: the file's word for who created them is not taken.
      expect(secret).toMatchObject({
        serverIds: [],
        createdAt: t,
        createdBy: 'system:local-owner',
        updatedAt: t,
        updatedBy: 'system:local-owner',
        lastUsedAt: null,
      });
    }
    for (const [id, value] of planted) expect(await target.secrets.reveal(id)).toEqual(value);
    // Sealed under the target's own data key: it opens there after a lock, and nowhere else.
    target.vault.lock();
    await target.vault.unlock({ kind: 'passphrase', passphrase: OTHER_VAULT_PASSPHRASE });
    for (const [id, value] of planted) expect(await target.secrets.reveal(id)).toEqual(value);
  });

  it('imports into a vault in the middle of a rotation with the key new secrets get', async () => {
    const source = await freshCore();
    const planted = await plant(source);
    const exported = await exportVault(source);
    const target = await freshCore(OTHER_VAULT_PASSPHRASE);
    for (let i = 0; i < 5; i++)
      await target.secrets.create({ name: `own ${i}`, tags: [], serverIds: [], username: null, value: { kind: 'note', text: `${i}` } }, 'test');
    const job = await target.vault.rotate('test');
    await target.jobs.cancel(job.id);
    await target.jobs.waitFor(job.id);
    expect((await target.vault.status()).rotation.inProgress).toBe(true);

    success(await importInto(target, exported.content));
    const finished = await target.jobs.waitFor((await target.vault.rotate('test')).id);
    expect(finished.status).toBe('succeeded');
    for (const [id, value] of planted) expect(await target.secrets.reveal(id)).toEqual(value);
  });

  it('a second import of the same file skips every secret already there', async () => {
    const source = await freshCore();
    await plant(source);
    const first = await exportVault(source);
    const target = await freshCore(OTHER_VAULT_PASSPHRASE);
    expect(success<Imported>(await importInto(target, first.content))).toMatchObject({ imported: 4, skipped: 0 });
    const sealed = await sealedRows(target, 'SELECT id, sealed FROM secrets ORDER BY id');

    expect(success<Imported>(await importInto(target, first.content))).toMatchObject({ imported: 0, skipped: 4, droppedServerLinks: [] });
    // A later export with one more secret brings only that one.
    await source.secrets.create({ name: 'late', tags: [], serverIds: [], username: null, value: { kind: 'password', password: 'late-one' } }, 'test');
    expect(success<Imported>(await importInto(target, (await exportVault(source)).content))).toMatchObject({ imported: 1, skipped: 4 });
    expect(await countSecrets(target)).toBe(5);
    expect(await sealedRows(target, 'SELECT id, sealed FROM secrets WHERE name != ? ORDER BY id', 'late')).toEqual(sealed);
  });
});

describe('an import that cannot be trusted imports nothing', () => {
  async function setUp() {
    const source = await freshCore();
    await plant(source);
    const { content } = await exportVault(source);
    const target = await freshCore(OTHER_VAULT_PASSPHRASE);
    await target.secrets.create({ name: 'already here', tags: [], serverIds: [], username: null, value: { kind: 'note', text: 'mine' } }, 'test');
    return { content, target };
  }

  const withSealed = (content: string, change: (sealed: Buffer) => Buffer) => {
    const file = JSON.parse(content) as { sealed: string };
    return JSON.stringify({ ...file, sealed: change(Buffer.from(file.sealed, 'base64')).toString('base64') });
  };
  const flipAt = (at: (bytes: Buffer) => number) => (bytes: Buffer) => {
    const copy = Buffer.from(bytes);
    const index = at(copy);
    copy[index] = (copy[index] ?? 0) ^ 0x80;
    return copy;
  };

  it('a wrong passphrase: VAULT_BAD_PASSPHRASE, nothing imported', async () => {
    const { content, target } = await setUp();
    const error = failure(await importInto(target, content, 'not the export passphrase'));
    expect(error.code).toBe('VAULT_BAD_PASSPHRASE');
    expect(error.message).toMatch(/nothing was imported/);
    expect(error.hint).toMatch(/passphrase chosen when the export was made/);
    expect(await countSecrets(target)).toBe(1);
  });

  it.each([
    {
      damage: 'a flipped byte in the sealed body',
      edit: (c: string) =>
        withSealed(
          c,
          flipAt((b) => Math.floor(b.length / 2)),
        ),
      code: 'VAULT_BAD_PASSPHRASE',
      message: /damaged; nothing was imported/,
    },
    {
      damage: 'a flipped byte in the tag',
      edit: (c: string) =>
        withSealed(
          c,
          flipAt((b) => b.length - 1),
        ),
      code: 'VAULT_BAD_PASSPHRASE',
      message: /damaged; nothing was imported/,
    },
    {
      damage: 'a sealed body cut short',
      edit: (c: string) => withSealed(c, (b) => b.subarray(0, b.length - 40)),
      code: 'VAULT_BAD_PASSPHRASE',
      message: /damaged; nothing was imported/,
    },
    {
      damage: 'a changed salt',
      edit: (c: string) => c.replace(/"salt":"(.)/, (_m, first: string) => `"salt":"${first === 'A' ? 'B' : 'A'}`),
      code: 'VAULT_BAD_PASSPHRASE',
      message: /damaged/,
    },
    { damage: 'a truncated file', edit: (c: string) => c.slice(0, Math.floor(c.length / 2)), code: 'VALIDATION_FAILED', message: /not JSON/ },
    { damage: 'text that is not JSON', edit: () => 'name,host\nweb-1,10.0.0.1\n', code: 'VALIDATION_FAILED', message: /not JSON/ },
    { damage: 'JSON that is not an export', edit: () => '{"servers":[]}', code: 'VALIDATION_FAILED', message: /header is not a vault export/ },
    {
      damage: 'a KDF weaker than any export uses',
      edit: (c: string) => c.replace(/"N":\d+/, '"N":1024'),
      code: 'VALIDATION_FAILED',
      message: /cost Guardian never writes/,
    },
    {
      damage: 'a KDF cost beyond the limits',
      edit: (c: string) => c.replace(/"N":\d+/, `"N":${2 ** 24}`),
      code: 'VALIDATION_FAILED',
      message: /cost Guardian never writes/,
    },
    // Each parameter within the old per-field bounds, together 4 GiB of memory and minutes of CPU.
    {
      damage: 'a KDF cost meant to exhaust memory',
      edit: (c: string) => c.replace(/"N":\d+,"r":\d+,"p":\d+/, `"N":${2 ** 20},"r":32,"p":16`),
      code: 'VALIDATION_FAILED',
      message: /cost Guardian never writes/,
    },
  ])('$damage: a clear error, nothing imported', async ({ edit, code, message }) => {
    const { content, target } = await setUp();
    const damaged = edit(content);
    expect(damaged).not.toBe(content);
    const error = failure(await importInto(target, damaged));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.hint.length).toBeGreaterThan(0);
    expect(await countSecrets(target)).toBe(1);
  });

  it('a locked target refuses with VAULT_LOCKED before reading the file', async () => {
    const { content, target } = await setUp();
    target.vault.lock();
    expect(failure(await importInto(target, content)).code).toBe('VAULT_LOCKED');
    expect(await countSecrets(target)).toBe(1);
  });

  it('export and import are audited without the passphrase or the file', async () => {
    const { content, target } = await setUp();
    failure(await importInto(target, content, 'a wrong passphrase typed'));
    success(await importInto(target, content));
    await exportVault(target, 'the second export passphrase');
    const rows = await rowsOf(target).all<{ action: string; outcome: string; details: string }>(
      "SELECT action, outcome, details FROM audit_events WHERE action IN ('vault.import', 'vault.export') ORDER BY seq",
    );
    expect(rows.map((row) => [row.action, row.outcome])).toEqual([
      ['vault.import', 'VAULT_BAD_PASSPHRASE'],
      ['vault.import', 'ok'],
      ['vault.export', 'ok'],
    ]);
    const everything = JSON.stringify(await rowsOf(target).all('SELECT * FROM audit_events'));
    for (const text of [
      'a wrong passphrase typed',
      EXPORT_PASSPHRASE,
      'the second export passphrase',
      (JSON.parse(content) as { sealed: string }).sealed.slice(0, 40),
    ]) {
      expect(everything).not.toContain(text);
    }
  });
});

/** An export file holding exactly `secrets`, sealed the way Guardian seals one: what a tampered or hand-made file looks like. */
async function craftedExport(secrets: unknown[], passphrase = EXPORT_PASSPHRASE): Promise<string> {
  const params = newScryptParams(TEST_SCRYPT);
  const key = await deriveKey(passphrase, params);
  const sealed = seal(key, Buffer.from(JSON.stringify({ exportedAt: NOW, secrets }), 'utf8'), 'guardian-vault-export:1').toString('base64');
  return JSON.stringify({ format: 'guardian-vault-export', version: 1, kdf: { alg: 'scrypt', ...params }, sealed });
}

const record = (overrides: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  kind: 'password',
  name: 'crafted',
  tags: ['prod'],
  serverIds: [],
  username: 'root',
  publicKey: null,
  fingerprint: null,
  createdAt: 1,
  createdBy: 'user:someone-else',
  value: { kind: 'password', password: 'crafted-password' },
  ...overrides,
});

describe('what an import believes of a file', () => {
  it('nothing about who made a secret or what its public key is; links only to servers that exist, the others listed', async () => {
    const core = await freshCore();
    const server = await createServer(core, 'known-web');
    const unknownServer = randomUUID();
    const key = ed25519Key({ comment: 'crafted@example' });
    const linked = record({ name: 'linked', serverIds: [server.id, unknownServer], createdBy: 'user:mallory', createdAt: 5 });
    const sshKey = record({
      name: 'a key',
      kind: 'ssh_key',
      username: null,
      value: { kind: 'ssh_key', privateKey: key.private },
      publicKey: 'ssh-ed25519 AAAAnot-this-key',
      fingerprint: 'SHA256:not-this-key',
    });
    t += 1000;
    const imported = success<Imported>(await importInto(core, await craftedExport([linked, sshKey])));

    expect(imported).toEqual({ imported: 2, skipped: 0, droppedServerLinks: [{ secretId: linked.id, name: 'linked', serverIds: [unknownServer] }] });
    const byName = new Map((await core.secrets.list({})).map((secret) => [secret.name, secret]));
    expect(byName.get('linked')).toMatchObject({ serverIds: [server.id], createdBy: 'system:local-owner', createdAt: t });
    const inspected = (await core.secrets.list({ kind: 'ssh_key' }))[0];
    expect(inspected?.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(inspected?.publicKey).toMatch(/^ssh-ed25519 AAAA/);
    expect(inspected?.publicKey).not.toContain('not-this-key');
    expect(await core.secrets.reveal(sshKey.id)).toEqual({ kind: 'ssh_key', privateKey: key.private });
  });

  it.each([
    { what: 'a tag outside the rules', secret: { tags: ['Not A Tag!'] }, path: ['secrets', 1, 'tags', 0] },
    { what: 'a server id that is not one', secret: { serverIds: ['../../etc/passwd'] }, path: ['secrets', 1, 'serverIds', 0] },
    { what: 'an empty name', secret: { name: '   ' }, path: ['secrets', 1, 'name'] },
    { what: 'a kind that differs from its value', secret: { kind: 'note' }, path: ['secrets', 1, 'kind'] },
    { what: 'a value with a field no secret has', secret: { value: { kind: 'password', password: 'x', extra: 'y' } }, path: ['secrets', 1, 'value'] },
    {
      what: 'an SSH key that is not one',
      secret: { kind: 'ssh_key', value: { kind: 'ssh_key', privateKey: 'not a key' } },
      path: ['secrets', 1, 'value', 'privateKey'],
    },
    { what: 'no id', secret: { id: 'not-a-uuid' }, path: ['secrets', 1, 'id'] },
  ])('refuses the whole file when one secret has $what, naming it', async ({ secret, path }) => {
    const core = await freshCore();
    const error = failure(await importInto(core, await craftedExport([record({ name: 'fine' }), record(secret)])));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toMatch(/^Secret 2 in the file .*; nothing was imported\.$/);
    expect(error.hint.length).toBeGreaterThan(0);
    expect(error.issues?.map((issue) => issue.path)).toContainEqual(path);
    expect(await countSecrets(core)).toBe(0);
  });
});

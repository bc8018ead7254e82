import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Secret, SecretValue } from '@shared/api/vault';
import { LOCAL_OWNER, type Principal } from '@shared/permissions';
import type { Core } from '../app';
import { CHEAP_SCRYPT, failure, RecordingSink, setupOwner, signIn, success, useTempCore, type TestCoreOptions } from '../testing/harness';
import { ed25519Key } from '../testing/ssh-keys';
import { rowsOf } from '../testing/rows';

const NOW = 1_767_225_600_000;
const MINUTE = 60_000;
const PASSPHRASE = 'correct horse battery staple';
const OWNER = { username: 'olivia', password: 'violet tulips at dawn' };
const OPERATOR = { username: 'oscar', password: 'orange kayaks on the river' };
const KEY_PASSPHRASE = 'key passphrase 7d1e';
const CALL = { origin: 'test' };

const hasSshKeygen = ['/usr/bin/ssh-keygen', '/usr/local/bin/ssh-keygen', '/bin/ssh-keygen'].some(existsSync);

let t: number;
const clock = { now: () => t };
let keysDir: string;

/** Real OpenSSH keys: made by ssh-keygen where it exists, else by ssh2 (OpenSSH format either way). */
const keys = { plain: '', plainPub: '', encrypted: '', encryptedPub: '', rsaPem: '' };

function keygen(name: string, args: string[]): string {
  const file = join(keysDir, name);
  execFileSync('ssh-keygen', [...args, '-q', '-f', file], { stdio: 'ignore' });
  return file;
}

beforeAll(() => {
  keysDir = mkdtempSync(join(tmpdir(), 'guardian-vault-keys-'));
  if (hasSshKeygen) {
    const plain = keygen('id_ed25519', ['-t', 'ed25519', '-N', '', '-C', 'deploy@example']);
    const encrypted = keygen('id_encrypted', ['-t', 'ed25519', '-N', KEY_PASSPHRASE, '-C', 'locked@example']);
    const rsa = keygen('id_rsa_pem', ['-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', '', '-C', '']);
    Object.assign(keys, {
      plain: readFileSync(plain, 'utf8'),
      plainPub: readFileSync(`${plain}.pub`, 'utf8'),
      encrypted: readFileSync(encrypted, 'utf8'),
      encryptedPub: readFileSync(`${encrypted}.pub`, 'utf8'),
      rsaPem: readFileSync(rsa, 'utf8'),
    });
  } else {
    const plain = ed25519Key({ comment: 'deploy@example' });
    const encrypted = ed25519Key({ comment: 'locked@example', passphrase: KEY_PASSPHRASE, cipher: 'aes256-ctr', rounds: 16 });
    const rsa = ssh2.utils.generateKeyPairSync('rsa', { bits: 2048 });
    Object.assign(keys, { plain: plain.private, plainPub: plain.public, encrypted: encrypted.private, encryptedPub: encrypted.public, rsaPem: rsa.private });
  }
});

afterAll(() => rmSync(keysDir, { recursive: true, force: true }));

beforeEach(() => {
  t = NOW;
});
const env = useTempCore({ prefix: 'guardian-vault-secrets-', clock, vaultScryptCost: CHEAP_SCRYPT, lazy: true });

async function unlockedCore(options: TestCoreOptions = {}): Promise<Core> {
  const c = await env.start(options);
  success(await c.router.call(LOCAL_OWNER, 'vault.init', { slot: { kind: 'passphrase', passphrase: PASSPHRASE } }, CALL));
  return c;
}

/** The owner, signed in through a session (as the desktop window or a browser would be). */
async function signedInOwner(c: Core): Promise<Principal> {
  return (await setupOwner(c, OWNER)).principal;
}

async function signedInOperator(c: Core): Promise<Principal> {
  await c.accounts.create(null, { ...OPERATOR, role: 'operator', mustChangePassword: false });
  return (await signIn(c, OPERATOR)).principal;
}

const create = async (c: Core, input: Record<string, unknown>, who: Principal = LOCAL_OWNER) =>
  success<Secret>(await c.router.call(who, 'secrets.create', input, CALL));

const revealAs = (c: Core, who: Principal, id: string) => c.router.call(who, 'secrets.reveal', { id }, CALL);

/** Type, key and fingerprint as `ssh-keygen -l` and `-y` print them. */
function sshKeygenView(privateKeyFile: string, passphrase = ''): { publicKey: string; fingerprint: string } {
  const listed = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', privateKeyFile], { encoding: 'utf8' });
  const derived = execFileSync('ssh-keygen', ['-y', '-P', passphrase, '-f', privateKeyFile], { encoding: 'utf8' });
  const [type = '', body = ''] = derived.trim().split(/\s+/);
  return { publicKey: `${type} ${body}`, fingerprint: listed.trim().split(/\s+/)[1] ?? '' };
}

describe('every kind of secret', () => {
  it('round-trips through seal and open, unchanged, with only metadata in the answers', async () => {
    const c = await unlockedCore();
    const owner = await signedInOwner(c);
    const values: SecretValue[] = [
      { kind: 'password', password: 'pa$$wörd with spaces and ünïcode 🔑' },
      { kind: 'ssh_key', privateKey: keys.plain },
      { kind: 'ssh_key', privateKey: keys.encrypted, passphrase: KEY_PASSPHRASE },
      { kind: 'ssh_key', privateKey: keys.rsaPem },
      { kind: 'api_token', token: `ghp_${'A1b2'.repeat(9)}` },
      { kind: 'note', text: 'line one\nline two\n\ttabbed "quoted" \\ backslash' },
    ];
    const created: Secret[] = [];
    for (const [index, value] of values.entries()) {
      const secret = await create(c, { name: `secret ${index}`, username: value.kind === 'password' ? 'root' : null, value });
      expect(secret.kind).toBe(value.kind);
      expect(JSON.stringify(secret)).not.toContain(JSON.stringify(value).slice(20, 40));
      created.push(secret);
    }
    success(await c.router.call(owner, 'auth.reauth', { password: OWNER.password }, CALL));

    for (const [index, secret] of created.entries()) {
      expect(success<{ value: SecretValue }>(await revealAs(c, owner, secret.id)).value).toEqual(values[index]);
    }
    // And the same after the keys left memory and came back.
    c.vault.lock();
    success(await c.router.call(owner, 'vault.unlock', { with: { kind: 'passphrase', passphrase: PASSPHRASE } }, CALL));
    for (const [index, secret] of created.entries())
      expect((await c.secrets.use(secret.id, { usedBy: 'ssh', serverId: null, host: '', principal: LOCAL_OWNER })).value).toEqual(values[index]);

    const stored = (await rowsOf(c).all<{ sealed: string }>('SELECT sealed FROM secrets')).map((row) => row.sealed);
    for (const value of values) {
      const material = Object.values(value).find((field) => field !== value.kind) ?? '';
      expect(stored.join('\n')).not.toContain(material.slice(0, 30));
    }
  });

  it('an updated value replaces the old one; metadata-only updates keep the sealed bytes; a kind cannot change', async () => {
    const c = await unlockedCore();
    const secret = await create(c, { name: 'db root', value: { kind: 'password', password: 'first' } });
    const sealed = () => rowsOf(c).value<string>('SELECT sealed FROM secrets WHERE id = ?', secret.id);
    const before = await sealed();

    success(await c.router.call(LOCAL_OWNER, 'secrets.update', { id: secret.id, name: 'db root (prod)', tags: ['prod'] }, CALL));
    expect(await sealed()).toBe(before);
    success(await c.router.call(LOCAL_OWNER, 'secrets.update', { id: secret.id, value: { kind: 'password', password: 'second' } }, CALL));
    expect(await sealed()).not.toBe(before);
    expect(await c.secrets.reveal(secret.id)).toEqual({ kind: 'password', password: 'second' });

    const changed = failure(await c.router.call(LOCAL_OWNER, 'secrets.update', { id: secret.id, value: { kind: 'note', text: 'x' } }, CALL));
    expect(changed.code).toBe('VALIDATION_FAILED');
    expect(await c.secrets.reveal(secret.id)).toEqual({ kind: 'password', password: 'second' });
  });
});

describe('SSH keys', () => {
  // Skipped only without ssh-keygen to compare against; `npm test` and .ci/run install it, so the suite and CI always run it.
  it.skipIf(!hasSshKeygen)('stores the public key and fingerprint exactly as ssh-keygen prints them, shown without unlocking', async () => {
    const c = await unlockedCore();
    const plain = await create(c, { name: 'deploy key', value: { kind: 'ssh_key', privateKey: keys.plain } });
    const locked = await create(c, { name: 'locked key', value: { kind: 'ssh_key', privateKey: keys.encrypted, passphrase: KEY_PASSPHRASE } });
    const rsa = await create(c, { name: 'legacy rsa', value: { kind: 'ssh_key', privateKey: keys.rsaPem } });

    expect(plain).toMatchObject(sshKeygenView(join(keysDir, 'id_ed25519')));
    expect(locked).toMatchObject(sshKeygenView(join(keysDir, 'id_encrypted'), KEY_PASSPHRASE));
    expect(rsa).toMatchObject(sshKeygenView(join(keysDir, 'id_rsa_pem')));
    expect(`${plain.publicKey} deploy@example`).toBe(keys.plainPub.trim());

    c.vault.lock();
    const listed = success<{ items: Secret[] }>(await c.router.call(LOCAL_OWNER, 'secrets.list', { kind: 'ssh_key' }, CALL)).items;
    expect(listed.map((s) => [s.name, s.fingerprint])).toEqual([
      ['deploy key', plain.fingerprint],
      ['legacy rsa', rsa.fingerprint],
      ['locked key', locked.fingerprint],
    ]);
    // Searchable by fingerprint, as an operator pastes it from an sshd log.
    const byFingerprint = success<{ items: Secret[] }>(await c.router.call(LOCAL_OWNER, 'secrets.list', { q: plain.fingerprint ?? '' }, CALL)).items;
    expect(byFingerprint.map((s) => s.id)).toEqual([plain.id]);
  });

  it('inspectKey gives type, public key, fingerprint and comment, and stores nothing', async () => {
    const c = await unlockedCore();
    const plain = success<{ type: string; publicKey: string; fingerprint: string; comment: string }>(
      await c.router.call(LOCAL_OWNER, 'secrets.inspectKey', { privateKey: keys.plain }, CALL),
    );
    expect(plain).toMatchObject({ type: 'ssh-ed25519', comment: 'deploy@example' });
    expect(`${plain.publicKey} deploy@example`).toBe(keys.plainPub.trim());
    expect(plain.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    if (hasSshKeygen) expect(plain.fingerprint).toBe(sshKeygenView(join(keysDir, 'id_ed25519')).fingerprint);

    const encrypted = success<{ publicKey: string }>(
      await c.router.call(LOCAL_OWNER, 'secrets.inspectKey', { privateKey: keys.encrypted, passphrase: KEY_PASSPHRASE }, CALL),
    );
    expect(`${encrypted.publicKey} locked@example`).toBe(keys.encryptedPub.trim());
    expect(await c.secrets.list({})).toEqual([]);
  });

  it.each([
    { what: 'a public key', input: () => ({ privateKey: keys.plainPub }), message: /public key/, path: 'privateKey' },
    { what: 'garbage', input: () => ({ privateKey: 'not a key at all\n' }), message: /not an SSH private key/, path: 'privateKey' },
    { what: 'a truncated key', input: () => ({ privateKey: keys.plain.slice(0, 200) }), message: /not an SSH private key/, path: 'privateKey' },
    {
      what: 'a wrong key passphrase',
      input: () => ({ privateKey: keys.encrypted, passphrase: 'not the passphrase' }),
      message: /passphrase is missing or wrong/,
      path: 'passphrase',
    },
    { what: 'a missing key passphrase', input: () => ({ privateKey: keys.encrypted }), message: /passphrase is missing or wrong/, path: 'passphrase' },
  ])('inspectKey and secrets.create refuse $what with VALIDATION_FAILED, storing nothing', async ({ input, message, path }) => {
    const c = await unlockedCore();
    const inspected = failure(await c.router.call(LOCAL_OWNER, 'secrets.inspectKey', input(), CALL));
    expect(inspected.code).toBe('VALIDATION_FAILED');
    expect(inspected.message).toMatch(message);
    expect(inspected.issues?.[0]?.path).toEqual(['value', path]);

    const stored = failure(await c.router.call(LOCAL_OWNER, 'secrets.create', { name: 'bad key', value: { kind: 'ssh_key', ...input() } }, CALL));
    expect(stored.code).toBe('VALIDATION_FAILED');
    expect(await c.secrets.list({})).toEqual([]);
  });
});

describe('while the vault is locked', () => {
  it('lists and searches metadata by q, tags, kind and server', async () => {
    const c = await unlockedCore();
    const web = randomUUID();
    const db = randomUUID();
    await create(c, { name: 'Web root', username: 'root', tags: ['prod', 'web'], serverIds: [web], value: { kind: 'password', password: 'p1' } });
    await create(c, { name: 'db admin', username: 'postgres', tags: ['prod', 'db'], serverIds: [db], value: { kind: 'password', password: 'p2' } });
    await create(c, { name: 'CI token', tags: ['ci'], serverIds: [web, db], value: { kind: 'api_token', token: 't' } });
    await create(c, { name: 'runbook 100%_done', tags: [], value: { kind: 'note', text: 'n' } });
    success(await c.router.call(LOCAL_OWNER, 'vault.lock', {}, CALL));
    expect((await c.vault.status()).locked).toBe(true);

    const names = async (filter: Record<string, unknown>) =>
      success<{ items: Secret[] }>(await c.router.call(LOCAL_OWNER, 'secrets.list', filter, CALL)).items.map((s) => s.name);
    expect(await names({})).toEqual(['CI token', 'db admin', 'runbook 100%_done', 'Web root']);
    expect(await names({ q: 'ROOT' })).toEqual(['Web root']);
    expect(await names({ q: 'postgres' })).toEqual(['db admin']);
    expect(await names({ q: '100%_' })).toEqual(['runbook 100%_done']);
    expect(await names({ q: '%' })).toEqual(['runbook 100%_done']);
    expect(await names({ tags: ['prod'] })).toEqual(['db admin', 'Web root']);
    expect(await names({ tags: ['prod', 'web'] })).toEqual(['Web root']);
    expect(await names({ kind: 'password' })).toEqual(['db admin', 'Web root']);
    expect(await names({ serverId: web })).toEqual(['CI token', 'Web root']);
    expect(await names({ serverId: db, kind: 'api_token' })).toEqual(['CI token']);
    // The sealed values never appear in a listing.
    const listed = success<{ items: Secret[] }>(await c.router.call(LOCAL_OWNER, 'secrets.list', {}, CALL)).items;
    for (const item of listed) expect(Object.keys(item)).not.toContain('sealed');
  });

  it('refuses create, update with a value, reveal, export and import with VAULT_LOCKED and a hint to unlock', async () => {
    const c = await unlockedCore();
    const owner = await signedInOwner(c);
    const secret = await create(c, { name: 'kept', value: { kind: 'password', password: 'kept-value' } });
    success(await c.router.call(owner, 'auth.reauth', { password: OWNER.password }, CALL));
    success(await c.router.call(owner, 'vault.lock', {}, CALL));

    const attempts: [string, unknown][] = [
      ['secrets.create', { name: 'new', value: { kind: 'password', password: 'x' } }],
      ['secrets.update', { id: secret.id, value: { kind: 'password', password: 'y' } }],
      ['secrets.reveal', { id: secret.id }],
      ['vault.export', { passphrase: 'a long export passphrase' }],
      ['vault.import', { passphrase: 'a long export passphrase', content: '{}' }],
      ['vault.addSlot', { slot: { kind: 'passphrase', passphrase: 'another long passphrase' } }],
      ['vault.rotate', {}],
    ];
    for (const [name, input] of attempts) {
      const error = failure(await c.router.call(owner, name, input, CALL));
      expect(error.code, name).toBe('VAULT_LOCKED');
      expect(error.hint, name).toMatch(/Unlock it/);
    }
    expect((await c.secrets.list({})).map((s) => s.name)).toEqual(['kept']);
    success(await c.router.call(owner, 'vault.unlock', { with: { kind: 'passphrase', passphrase: PASSPHRASE } }, CALL));
    expect(success<{ value: SecretValue }>(await revealAs(c, owner, secret.id)).value).toEqual({ kind: 'password', password: 'kept-value' });
  });

  it('locks by itself after the idle time; each use of the keys restarts the count, a listing does not', async () => {
    const c = await unlockedCore({ vaultAutoLockMs: 10 * MINUTE });
    const secret = await create(c, { name: 'idle', value: { kind: 'password', password: 'idle-value' } });

    t += 10 * MINUTE - 1;
    expect((await c.vault.status()).locked).toBe(false);
    expect((await c.secrets.use(secret.id, { usedBy: 'ssh', serverId: null, host: '', principal: LOCAL_OWNER })).value).toEqual({
      kind: 'password',
      password: 'idle-value',
    });
    t += 10 * MINUTE - 1;
    await c.secrets.list({});
    expect(await c.vault.status()).toMatchObject({ locked: false, autoLockMs: 10 * MINUTE });
    t += 1;
    expect((await c.vault.status()).locked).toBe(true);
    const error = failure(await c.router.call(LOCAL_OWNER, 'secrets.create', { name: 'late', value: { kind: 'note', text: 'x' } }, CALL));
    expect(error.code).toBe('VAULT_LOCKED');

    await c.vault.unlock({ kind: 'passphrase', passphrase: PASSPHRASE });
    expect(await c.secrets.reveal(secret.id)).toEqual({ kind: 'password', password: 'idle-value' });
  });
});

describe('revealing a secret', () => {
  it('needs vault:reveal: an operator may store secrets but not see them', async () => {
    const c = await unlockedCore();
    const operator = await signedInOperator(c);
    const secret = await create(c, { name: 'ops', value: { kind: 'password', password: 'ops-value' } }, operator);
    success(await c.router.call(operator, 'auth.reauth', { password: OPERATOR.password }, CALL));

    const error = failure(await revealAs(c, operator, secret.id));
    expect(error.code).toBe('PERMISSION_DENIED');
    expect(error.hint).toContain('vault:reveal');
  });

  it('needs a re-authentication in the last 5 minutes of this session', async () => {
    const c = await unlockedCore();
    const owner = await signedInOwner(c);
    const secret = await create(c, { name: 'five minutes', value: { kind: 'api_token', token: 'tok-5min' } });

    const before = failure(await revealAs(c, owner, secret.id));
    expect(before.code).toBe('REAUTH_REQUIRED');
    expect(before.hint).toMatch(/password/);

    const wrong = failure(await c.router.call(owner, 'auth.reauth', { password: 'not my password' }, CALL));
    expect(wrong.code).toBe('SIGN_IN_FAILED');
    expect(failure(await revealAs(c, owner, secret.id)).code).toBe('REAUTH_REQUIRED');

    t += MINUTE;
    const { validUntil } = success<{ validUntil: number }>(await c.router.call(owner, 'auth.reauth', { password: OWNER.password }, CALL));
    expect(validUntil).toBe(t + 5 * MINUTE);
    t += 5 * MINUTE;
    expect(success<{ value: SecretValue }>(await revealAs(c, owner, secret.id)).value).toEqual({ kind: 'api_token', token: 'tok-5min' });
    t += 1;
    expect(failure(await revealAs(c, owner, secret.id)).code).toBe('REAUTH_REQUIRED');

    // A re-authentication counts for its own session only.
    const other = new RecordingSink();
    success(await c.router.call(null, 'auth.login', OWNER, { origin: 'http:127.0.0.1', session: other }));
    success(await c.router.call(owner, 'auth.reauth', { password: OWNER.password }, CALL));
    const second = (await c.signIn.authenticate(other.token ?? ''))?.principal;
    if (!second) throw new Error('no second session');
    expect(failure(await revealAs(c, second, secret.id)).code).toBe('REAUTH_REQUIRED');
    expect(success<{ value: SecretValue }>(await revealAs(c, owner, secret.id)).value.kind).toBe('api_token');
  });

  it('is never allowed to an API key or the local system principal, whatever its role', async () => {
    const c = await unlockedCore();
    const owner = await signedInOwner(c);
    const secret = await create(c, { name: 'scripted', value: { kind: 'password', password: 'script-value' } });
    const { token } = await c.apiKeys.create({ name: 'ci', role: 'owner', createdBy: `user:${owner.id}`, grantor: owner });
    const apiKey = await c.apiKeys.authenticate(token, 'http:127.0.0.1');
    if (!apiKey) throw new Error('the API key does not authenticate');

    for (const who of [apiKey, LOCAL_OWNER]) {
      const error = failure(await revealAs(c, who, secret.id));
      expect(error.code).toBe('PERMISSION_DENIED');
      expect(error.message).toMatch(/not an API key/);
      const reauth = failure(await c.router.call(who, 'auth.reauth', { password: OWNER.password }, CALL));
      expect(reauth.code).toBe('PERMISSION_DENIED');
    }
  });
});

describe('the audit log', () => {
  it('records create, update, reveal (allowed and refused) and delete, and never holds a secret value', async () => {
    const c = await unlockedCore();
    const owner = await signedInOwner(c);
    const values = {
      password: 'AUDIT-pw-4b9e1c',
      token: 'AUDIT-tok-8d2f7a',
      note: 'AUDIT-note-3a6c5e',
      updated: 'AUDIT-pw2-9f0b4d',
      key: keys.encrypted,
      keyPassphrase: KEY_PASSPHRASE,
    };
    const pw = await create(c, { name: 'audited pw', value: { kind: 'password', password: values.password } }, owner);
    const token = await create(c, { name: 'audited token', value: { kind: 'api_token', token: values.token } }, owner);
    const note = await create(c, { name: 'audited note', value: { kind: 'note', text: values.note } }, owner);
    const key = await create(c, { name: 'audited key', value: { kind: 'ssh_key', privateKey: values.key, passphrase: values.keyPassphrase } }, owner);
    success(await c.router.call(owner, 'secrets.update', { id: pw.id, value: { kind: 'password', password: values.updated } }, CALL));
    success(await c.router.call(owner, 'secrets.update', { id: note.id, value: { kind: 'note', text: values.note } }, CALL));
    failure(await revealAs(c, owner, pw.id));
    success(await c.router.call(owner, 'auth.reauth', { password: OWNER.password }, CALL));
    for (const secret of [pw, token, note, key]) success(await revealAs(c, owner, secret.id));
    success(await c.router.call(owner, 'secrets.delete', { id: token.id }, CALL));

    const events = await rowsOf(c).all<{ action: string; target: string; outcome: string; actor: string }>(
      "SELECT action, target, outcome, actor FROM audit_events WHERE action LIKE 'secrets.%' ORDER BY seq",
    );
    expect(events.map(({ action, target, outcome }) => [action, target, outcome])).toEqual([
      ['secrets.create', `secret:${pw.id}`, 'ok'],
      ['secrets.create', `secret:${token.id}`, 'ok'],
      ['secrets.create', `secret:${note.id}`, 'ok'],
      ['secrets.create', `secret:${key.id}`, 'ok'],
      ['secrets.update', `secret:${pw.id}`, 'ok'],
      ['secrets.update', `secret:${note.id}`, 'ok'],
      ['secrets.reveal', `secret:${pw.id}`, 'REAUTH_REQUIRED'],
      ['secrets.reveal', `secret:${pw.id}`, 'ok'],
      ['secrets.reveal', `secret:${token.id}`, 'ok'],
      ['secrets.reveal', `secret:${note.id}`, 'ok'],
      ['secrets.reveal', `secret:${key.id}`, 'ok'],
      ['secrets.delete', `secret:${token.id}`, 'ok'],
    ]);
    for (const event of events) expect(event.actor).toBe(`user:${owner.id}`);

    const everything = JSON.stringify(await rowsOf(c).all('SELECT * FROM audit_events'));
    for (const value of [values.password, values.token, values.note, values.updated, values.keyPassphrase]) {
      expect(everything).not.toContain(value);
    }
    for (const line of values.key.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) expect(everything).not.toContain(line);
  });
});

import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Job } from '@shared/api/jobs';
import type { VaultStatus } from '@shared/api/vault';
import type { Principal } from '@shared/permissions';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { CHEAP_SCRYPT, setupOwner, success, useTempCore } from '../testing/harness';
import type { KeyFileSource } from './keyfile';

// Keys derived from a passphrase or a key file, and a key file's bytes, live only as long as the
// call that needs them: afterwards their memory holds zeros. The real derivations run; this file
// only keeps a hand on what they return, to look at it afterwards.

const handed = vi.hoisted(() => ({ derived: [] as Buffer[], stretched: [] as Buffer[], derivations: 0 }));

vi.mock('./crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('./crypto')>();
  return {
    ...real,
    deriveKey: async (...args: Parameters<typeof real.deriveKey>) => {
      handed.derivations++;
      const key = await real.deriveKey(...args);
      handed.derived.push(key);
      return key;
    },
    keyFromFile: (bytes: Buffer) => {
      const key = real.keyFromFile(bytes);
      handed.stretched.push(key);
      return key;
    },
  };
});

const PASSPHRASE = 'correct horse battery staple';
const CALL = { origin: 'test' };
const OWNER = { username: 'olivia', password: 'violet tulips at dawn' };

/** A key file source that remembers every buffer it hands out. */
function rememberingKeyFile(bytes: Buffer): KeyFileSource & { given: Buffer[] } {
  const given: Buffer[] = [];
  return {
    given,
    availability: () => ({ source: 'configured', reason: 'test' }),
    read: () => {
      const copy = Buffer.from(bytes);
      given.push(copy);
      return Promise.resolve(copy);
    },
  };
}

const zeroed = (buffers: Buffer[]) => buffers.map((buffer) => buffer.every((byte) => byte === 0));
const keyFileBytes = randomBytes(64);
let keyFile: ReturnType<typeof rememberingKeyFile>;

beforeEach(() => {
  handed.derived.length = 0;
  handed.stretched.length = 0;
  handed.derivations = 0;
  keyFile = rememberingKeyFile(keyFileBytes);
});
const env = useTempCore({ prefix: 'guardian-vault-hygiene-', vaultScryptCost: CHEAP_SCRYPT, lazy: true });

const call = async <T = VaultStatus>(c: Core, who: Principal, name: string, input: unknown) => success<T>(await c.router.call(who, name, input, CALL));

describe('keys from passphrases and key files', () => {
  it('are zeroed after every vault call that used one', async () => {
    const c = await env.start({ vaultKeyFile: keyFile });
    const owner = (await setupOwner(c, OWNER)).principal;
    await call(c, owner, 'auth.reauth', { password: OWNER.password });
    const steps: [string, unknown][] = [
      ['vault.init', { slot: { kind: 'passphrase', passphrase: PASSPHRASE } }],
      ['vault.addSlot', { slot: { kind: 'keyfile' } }],
      ['vault.lock', {}],
      ['vault.unlock', { with: { kind: 'passphrase', passphrase: PASSPHRASE } }],
      ['vault.lock', {}],
      ['vault.unlock', { with: { kind: 'keyfile' } }],
      ['vault.changePassphrase', async () => ({ id: (await c.vault.status()).slots[0]?.id, current: PASSPHRASE, next: 'the passphrase, changed' })],
      ['secrets.create', { name: 'db root', value: { kind: 'password', password: 'x' } }],
      ['vault.export', { passphrase: 'an export passphrase' }],
    ];
    let exported = '';
    for (const [name, input] of steps) {
      const value = await call<{ content?: string }>(c, owner, name, typeof input === 'function' ? await (input as () => Promise<unknown>)() : input);
      if (name === 'vault.export') exported = value.content ?? '';
    }
    await call(c, LOCAL_OWNER, 'secrets.delete', { id: (await c.secrets.list({}))[0]?.id });
    await call(c, LOCAL_OWNER, 'vault.import', { passphrase: 'an export passphrase', content: exported });
    const status = await c.vault.status();
    const job = await call<Job>(c, LOCAL_OWNER, 'vault.rotate', {
      scope: 'full',
      passphrases: [{ slotId: status.slots[0]?.id, passphrase: 'the passphrase, changed' }],
    });
    await c.jobs.waitFor(job.id);

    // Every derivation and stretch happened, and each result now holds zeros; so do the file's bytes.
    expect(handed.derived.length).toBeGreaterThanOrEqual(8);
    expect(handed.stretched.length).toBeGreaterThanOrEqual(3);
    expect(keyFile.given.length).toBeGreaterThanOrEqual(3);
    expect(zeroed(handed.derived).every(Boolean)).toBe(true);
    expect(zeroed(handed.stretched).every(Boolean)).toBe(true);
    expect(zeroed(keyFile.given).every(Boolean)).toBe(true);
    // And the vault still works with what was kept.
    c.vault.lock();
    await c.vault.unlock({ kind: 'keyfile' });
    expect((await c.secrets.list({})).map((secret) => secret.name)).toEqual(['db root']);
  });

  it('are zeroed after a failed unlock too', async () => {
    const c = await env.start({ vaultKeyFile: keyFile });
    await call(c, LOCAL_OWNER, 'vault.init', { slot: { kind: 'passphrase', passphrase: PASSPHRASE } });
    await call(c, LOCAL_OWNER, 'vault.lock', {});
    expect((await c.router.call(LOCAL_OWNER, 'vault.unlock', { with: { kind: 'passphrase', passphrase: 'a wrong passphrase' } }, CALL)).ok).toBe(false);
    expect(handed.derived.length).toBe(2);
    expect(zeroed(handed.derived)).toEqual([true, true]);
  });
});

describe('scrypt parameters Guardian never writes', () => {
  it('in an import file are refused before anything is derived', async () => {
    const c = await env.start();
    await call(c, LOCAL_OWNER, 'vault.init', { slot: { kind: 'passphrase', passphrase: PASSPHRASE } });
    const before = handed.derivations;
    const file = JSON.stringify({
      format: 'guardian-vault-export',
      version: 1,
      kdf: { alg: 'scrypt', N: 2 ** 20, r: 32, p: 16, salt: randomBytes(16).toString('base64') },
      sealed: randomBytes(64).toString('base64'),
    });
    const answer = await c.router.call(LOCAL_OWNER, 'vault.import', { passphrase: 'anything', content: file }, CALL);
    expect(answer.ok ? null : answer.error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/cost Guardian never writes/) });
    expect(handed.derivations).toBe(before);
  });

  it('in a passphrase slot of the database are refused before anything is derived, and another slot still opens the vault', async () => {
    const c = await env.start({ vaultKeyFile: keyFile });
    await call(c, LOCAL_OWNER, 'vault.init', { slot: { kind: 'passphrase', passphrase: PASSPHRASE } });
    await call(c, LOCAL_OWNER, 'vault.addSlot', { slot: { kind: 'keyfile' } });
    await env.stop();
    const db = new Database(join(env.dataDir, 'guardian.db'), { fileMustExist: true });
    const params = JSON.stringify({ N: 2 ** 20, r: 32, p: 16, salt: randomBytes(16).toString('base64') });
    db.prepare("UPDATE vault_slots SET params = ? WHERE kind = 'passphrase'").run(params);
    db.close();

    const again = await env.start({ vaultKeyFile: keyFile });
    const before = handed.derivations;
    const answer = await again.router.call(LOCAL_OWNER, 'vault.unlock', { with: { kind: 'passphrase', passphrase: PASSPHRASE } }, CALL);
    expect(answer.ok ? null : answer.error).toMatchObject({
      code: 'VAULT_INTEGRITY',
      message: expect.stringMatching(/scrypt parameters Guardian never writes/),
    });
    expect(handed.derivations).toBe(before);
    await call(again, LOCAL_OWNER, 'vault.unlock', { with: { kind: 'keyfile' } });
  });
});

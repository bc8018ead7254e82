import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '@shared/api/jobs';
import type { SecretValue, VaultStatus } from '@shared/api/vault';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { CHEAP_SCRYPT, failure, success, useTempCore, type TestCoreOptions } from '../testing/harness';
import { deriveKey, newKey, open, seal, type ScryptParams } from './crypto';
import { configuredKeyFile } from './keyfile';
import type { OsKeyProtector } from './slots';
import { rowsOf } from '../testing/rows';

// The full rotation: after a passphrase or key file leaked, its slot goes and every key above the
// secrets is replaced, so what leaked, together with any old copy of the database, opens nothing
// in the copies made afterwards.

const NOW = 1_767_225_600_000;
const KEPT = 'the passphrase we keep';
const LEAKED = 'the passphrase that leaked';
const CALL = { origin: 'test' };

let t: number;
const clock = { now: () => t };
beforeEach(() => {
  t = NOW;
});
const env = useTempCore({ prefix: 'guardian-vault-full-rotation-', clock, vaultScryptCost: CHEAP_SCRYPT, lazy: true });

const call = async <T = VaultStatus>(c: Core, name: string, input: unknown) => success<T>(await c.router.call(LOCAL_OWNER, name, input, CALL));
const refused = async (c: Core, name: string, input: unknown) => failure(await c.router.call(LOCAL_OWNER, name, input, CALL));

/** A keychain that works: AES with a key held by the fake "OS" (Electron's safeStorage cannot run here). */
function workingKeychain(): OsKeyProtector {
  const osKey = newKey();
  return {
    availability: () => ({ available: true, reason: 'The keychain protects the vault.' }),
    protect: (data) => seal(osKey, data, 'os'),
    unprotect: (blob) => open(osKey, blob, 'os'),
  };
}

function writeKey(name: string): string {
  const dir = join(env.dataDir, 'keys');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, randomBytes(64), { mode: 0o400 });
  return path;
}

interface Rows {
  slots: { id: string; kind: string; label: string; wrapped_kek: string; params: string }[];
  state: { generation: number; wrapped_dek: string; pending_generation: number | null; pending_wrapped_dek: string | null };
  secrets: { id: string; kind: string; sealed: string }[];
}

/** The vault's rows as a copy of the database holds them (a slot's params as the JSON text stored). */
async function copyOf(c: Core): Promise<Rows> {
  const rows = rowsOf(c);
  const state = await rows.get<Rows['state']>('SELECT generation, wrapped_dek, pending_generation, pending_wrapped_dek FROM vault_state');
  if (!state) throw new Error('the vault has no state row');
  return {
    slots: await rows.all<Rows['slots'][number]>('SELECT id, kind, label, wrapped_kek, CAST(params AS TEXT) AS params FROM vault_slots ORDER BY id'),
    state,
    secrets: await rows.all<Rows['secrets'][number]>('SELECT id, kind, sealed FROM secrets ORDER BY id'),
  };
}

/** What someone holding an old copy and the leaked passphrase computes: the KEK, then the data key. */
async function keysFromLeak(copy: Rows, passphrase: string): Promise<{ kek: Buffer; dek: Buffer }> {
  for (const slot of copy.slots.filter((row) => row.kind === 'passphrase')) {
    const key = await deriveKey(passphrase, JSON.parse(slot.params) as ScryptParams);
    try {
      const kek = open(key, Buffer.from(slot.wrapped_kek, 'base64'), `guardian-vault-kek:${slot.id}`);
      return { kek, dek: open(kek, Buffer.from(copy.state.wrapped_dek, 'base64'), `guardian-vault-dek:${copy.state.generation}`) };
    } catch {
      // Not this slot.
    }
  }
  throw new Error('the leaked passphrase opens no slot of this copy');
}

const opens = (key: Buffer, sealed: string, aad: string) => {
  try {
    open(key, Buffer.from(sealed, 'base64'), aad);
    return true;
  } catch {
    return false;
  }
};

async function plant(c: Core, count: number): Promise<Map<string, SecretValue>> {
  const planted = new Map<string, SecretValue>();
  for (let i = 0; i < count; i++) {
    const value: SecretValue = { kind: 'password', password: `secret-${i}-${randomBytes(4).toString('hex')}` };
    planted.set((await c.secrets.create({ name: `s${i}`, tags: [], serverIds: [], username: null, value }, 'test')).id, value);
  }
  return planted;
}

const slotId = (status: VaultStatus, label: string) => status.slots.find((slot) => slot.label === label)?.id ?? '';

/** A vault with every kind of slot: the kept passphrase, the leaked one, the key file given, the OS keychain. */
async function vaultWithEverySlot(options: TestCoreOptions = {}) {
  const keyFile = writeKey('vault.key');
  const c = await env.start({ osKeys: workingKeychain(), vaultKeyFile: configuredKeyFile(keyFile), ...options });
  await call(c, 'vault.init', { slot: { kind: 'passphrase', passphrase: KEPT, label: 'kept' } });
  await call(c, 'vault.addSlot', { slot: { kind: 'passphrase', passphrase: LEAKED, label: 'leaked' } });
  await call(c, 'vault.addSlot', { slot: { kind: 'keyfile', label: 'service' } });
  const status = await call(c, 'vault.addSlot', { slot: { kind: 'os', label: 'laptop' } });
  return { c, status, keyFile, planted: await plant(c, 450) };
}

describe('a full rotation after a leaked passphrase', () => {
  it('removes its slot, re-wraps the others, re-seals every secret: what leaked opens nothing written afterwards', async () => {
    const { c, status, planted } = await vaultWithEverySlot();
    const old = await copyOf(c);
    const leak = await keysFromLeak(old, LEAKED);
    expect(old.secrets.every((row) => opens(leak.dek, row.sealed, `${row.id}:${row.kind}`))).toBe(true);

    const job = await call<Job>(c, 'vault.rotate', {
      scope: 'full',
      passphrases: [{ slotId: slotId(status, 'kept'), passphrase: KEPT }],
      dropSlots: [slotId(status, 'leaked')],
    });
    expect(job).toMatchObject({ kind: 'vault.rotate', title: 'Rotate all the vault’s keys' });
    expect(await c.jobs.waitFor(job.id)).toMatchObject({ status: 'succeeded', result: { reSealed: planted.size, finished: true } });
    const later: SecretValue = { kind: 'note', text: 'written after the rotation' };
    planted.set((await c.secrets.create({ name: 'later', tags: [], serverIds: [], username: null, value: later }, 'test')).id, later);

    const now = await copyOf(c);
    expect(now.slots.map((slot) => slot.label).sort()).toEqual(['kept', 'laptop', 'service']);
    for (const slot of now.slots) expect(slot.wrapped_kek).not.toBe(old.slots.find((row) => row.id === slot.id)?.wrapped_kek);
    expect(now.state).toMatchObject({ generation: old.state.generation + 1, pending_generation: null, pending_wrapped_dek: null });
    // The old KEK opens no data key, the old data key no secret.
    expect(opens(leak.kek, now.state.wrapped_dek, `guardian-vault-dek:${now.state.generation}`)).toBe(false);
    expect(now.secrets.filter((row) => opens(leak.dek, row.sealed, `${row.id}:${row.kind}`))).toEqual([]);
    await expect(keysFromLeak(now, LEAKED)).rejects.toThrow(/opens no slot/);

    // Every slot kept still opens the vault, and every secret is what it was.
    for (const using of [{ kind: 'passphrase', passphrase: KEPT }, { kind: 'keyfile' }, { kind: 'os' }]) {
      await call(c, 'vault.lock', {});
      await call(c, 'vault.unlock', { with: using });
      for (const [id, value] of planted) expect(await c.secrets.reveal(id)).toEqual(value);
    }
    await call(c, 'vault.lock', {});
    expect((await refused(c, 'vault.unlock', { with: { kind: 'passphrase', passphrase: LEAKED } })).code).toBe('VAULT_BAD_PASSPHRASE');
  });

  it('stopped part way, leaves every secret readable with the new slots, even after a restart, and resumes as a data-key rotation', async () => {
    const { c, status, planted, keyFile } = await vaultWithEverySlot();
    const job = await call<Job>(c, 'vault.rotate', {
      scope: 'full',
      passphrases: [{ slotId: slotId(status, 'kept'), passphrase: KEPT }],
      dropSlots: [slotId(status, 'leaked')],
    });
    c.events.subscribe((name, payload) => {
      if (name !== 'job.progress') return;
      // Progress reports are throttled by the clock: moving it on reports every batch.
      t += 1000;
      const report = payload as Job;
      if (report.id === job.id && report.status === 'running' && report.done > 0) void c.jobs.cancel(job.id);
    });
    expect(await c.jobs.waitFor(job.id)).toMatchObject({ status: 'cancelled', result: { finished: false } });

    const again = await env.restart({ vaultKeyFile: configuredKeyFile(keyFile) });
    expect((await again.vault.status()).rotation.inProgress).toBe(true);
    await call(again, 'vault.unlock', { with: { kind: 'keyfile' } });
    for (const [id, value] of planted) expect(await again.secrets.reveal(id)).toEqual(value);
    expect(await again.jobs.waitFor((await call<Job>(again, 'vault.rotate', {})).id)).toMatchObject({ status: 'succeeded' });
    await call(again, 'vault.lock', {});
    await call(again, 'vault.unlock', { with: { kind: 'passphrase', passphrase: KEPT } });
    for (const [id, value] of planted) expect(await again.secrets.reveal(id)).toEqual(value);
  });
});

describe('what a full rotation refuses, changing nothing', () => {
  it.each([
    {
      what: 'a passphrase slot kept without its passphrase',
      input: (s: VaultStatus) => ({ scope: 'full', passphrases: [{ slotId: slotId(s, 'kept'), passphrase: KEPT }] }),
      code: 'CONFLICT',
      message: /“leaked” \(its passphrase was not given\)/,
    },
    {
      what: 'a wrong passphrase for a slot',
      input: (s: VaultStatus) => ({
        scope: 'full',
        passphrases: [{ slotId: slotId(s, 'kept'), passphrase: 'not the kept one' }],
        dropSlots: [slotId(s, 'leaked')],
      }),
      code: 'VAULT_BAD_PASSPHRASE',
      message: /slot "kept" is wrong/,
    },
    {
      what: 'removing every slot',
      input: (s: VaultStatus) => ({ scope: 'full', dropSlots: s.slots.map((slot) => slot.id) }),
      code: 'CONFLICT',
      message: /cannot remove every key slot/,
    },
    {
      what: 'a slot that does not exist',
      input: () => ({ scope: 'full', dropSlots: ['00000000-0000-4000-8000-000000000000'] }),
      code: 'NOT_FOUND',
      message: /no key slot/,
    },
    {
      what: 'a passphrase for a slot that has none',
      input: (s: VaultStatus) => ({ scope: 'full', passphrases: [{ slotId: slotId(s, 'laptop'), passphrase: KEPT }] }),
      code: 'VALIDATION_FAILED',
      message: /not a passphrase slot/,
    },
    {
      what: 'passphrases for a data-key rotation',
      input: (s: VaultStatus) => ({ passphrases: [{ slotId: slotId(s, 'kept'), passphrase: KEPT }] }),
      code: 'VALIDATION_FAILED',
      message: /Only a full rotation takes passphrases/,
    },
  ])('$what', async ({ input, code, message }) => {
    const { c, status } = await vaultWithEverySlot();
    const before = await copyOf(c);
    const error = await refused(c, 'vault.rotate', input(status));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.hint.length).toBeGreaterThan(0);
    expect(await copyOf(c)).toEqual(before);
  });

  it('a passphrase slot that opens, but to a key that is not this vault’s (planted in the database): the passphrase proves nothing, and nothing changes', async () => {
    const { c, status } = await vaultWithEverySlot();
    // Someone who can write the database swaps the kept slot for one the same passphrase opens, wrapping a key of their own.
    const kept = slotId(status, 'kept');
    const row = (await copyOf(c)).slots.find((slot) => slot.id === kept);
    if (!row) throw new Error('no kept slot');
    const key = await deriveKey(KEPT, JSON.parse(row.params) as ScryptParams);
    const foreign = seal(key, newKey(), `guardian-vault-kek:${kept}`).toString('base64');
    await rowsOf(c).run('UPDATE vault_slots SET wrapped_kek = ? WHERE id = ?', foreign, kept);
    const before = await copyOf(c);
    const error = await refused(c, 'vault.rotate', { scope: 'full', passphrases: [{ slotId: kept, passphrase: KEPT }], dropSlots: [slotId(status, 'leaked')] });
    expect(error.code).toBe('VAULT_BAD_PASSPHRASE');
    expect(await copyOf(c)).toEqual(before);
  });

  it('a key file slot whose file this Guardian was not given, unless it is named to remove', async () => {
    const { status } = await vaultWithEverySlot();
    const c = await env.restart({ osKeys: workingKeychain(), vaultKeyFile: configuredKeyFile(writeKey('another.key')) });
    await call(c, 'vault.unlock', { with: { kind: 'passphrase', passphrase: KEPT } });
    const before = await copyOf(c);
    const passphrases = [{ slotId: slotId(status, 'kept'), passphrase: KEPT }];
    const error = await refused(c, 'vault.rotate', { scope: 'full', passphrases, dropSlots: [slotId(status, 'leaked'), slotId(status, 'laptop')] });
    expect(error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/“service” \(the key file given to this Guardian is not this slot’s\)/) });
    expect(await copyOf(c)).toEqual(before);

    const dropped = [slotId(status, 'leaked'), slotId(status, 'laptop'), slotId(status, 'service')];
    const job = await call<Job>(c, 'vault.rotate', { scope: 'full', passphrases, dropSlots: dropped });
    expect((await c.jobs.waitFor(job.id)).status).toBe('succeeded');
    expect((await c.vault.status()).slots.map((slot) => slot.label)).toEqual(['kept']);
  });

  it('an OS keychain slot on a Guardian whose keychain cannot open it (none on a server, or another machine’s), unless it is named to remove', async () => {
    const { status, keyFile } = await vaultWithEverySlot();
    const passphrases = [{ slotId: slotId(status, 'kept'), passphrase: KEPT }];
    for (const osKeys of [undefined, workingKeychain()]) {
      const c = await env.restart({ vaultKeyFile: configuredKeyFile(keyFile), ...(osKeys ? { osKeys } : {}) });
      await call(c, 'vault.unlock', { with: { kind: 'keyfile' } });
      const before = await copyOf(c);
      const error = await refused(c, 'vault.rotate', { scope: 'full', passphrases, dropSlots: [slotId(status, 'leaked')] });
      expect(error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/“laptop” \(the OS keychain here does not open it\)/) });
      expect(error.message).not.toMatch(/“service”|“kept”/);
      expect(await copyOf(c)).toEqual(before);
    }

    const c = await env.restart({ vaultKeyFile: configuredKeyFile(keyFile) });
    await call(c, 'vault.unlock', { with: { kind: 'keyfile' } });
    const job = await call<Job>(c, 'vault.rotate', { scope: 'full', passphrases, dropSlots: [slotId(status, 'leaked'), slotId(status, 'laptop')] });
    expect((await c.jobs.waitFor(job.id)).status).toBe('succeeded');
    expect((await c.vault.status()).slots.map((slot) => slot.label).sort()).toEqual(['kept', 'service']);
  });

  it('a key file slot on a Guardian given no key file at all', async () => {
    const { status } = await vaultWithEverySlot();
    const c = await env.restart({ osKeys: workingKeychain() });
    await call(c, 'vault.unlock', { with: { kind: 'passphrase', passphrase: KEPT } });
    const before = await copyOf(c);
    const error = await refused(c, 'vault.rotate', {
      scope: 'full',
      passphrases: [{ slotId: slotId(status, 'kept'), passphrase: KEPT }],
      dropSlots: [slotId(status, 'leaked'), slotId(status, 'laptop')],
    });
    expect(error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/“service” \(no key file was given to this Guardian\)/) });
    expect(await copyOf(c)).toEqual(before);
  });

  it('while a data-key rotation has not finished', async () => {
    const { c, status } = await vaultWithEverySlot();
    const job = await c.vault.rotate('test');
    await c.jobs.cancel(job.id);
    await c.jobs.waitFor(job.id);
    const error = await refused(c, 'vault.rotate', {
      scope: 'full',
      passphrases: [{ slotId: slotId(status, 'kept'), passphrase: KEPT }],
      dropSlots: [slotId(status, 'leaked')],
    });
    expect(error).toMatchObject({ code: 'CONFLICT', hint: expect.stringMatching(/Resume it first/) });
  });

  it('audits it without the passphrases', async () => {
    const { c, status } = await vaultWithEverySlot();
    await refused(c, 'vault.rotate', { scope: 'full', passphrases: [{ slotId: slotId(status, 'kept'), passphrase: 'a wrong one typed' }] });
    await c.jobs.waitFor(
      (
        await call<Job>(c, 'vault.rotate', {
          scope: 'full',
          passphrases: [{ slotId: slotId(status, 'kept'), passphrase: KEPT }],
          dropSlots: [slotId(status, 'leaked')],
        })
      ).id,
    );
    const rows = await rowsOf(c).all<{ outcome: string; details: string }>(
      "SELECT outcome, CAST(details AS TEXT) AS details FROM audit_events WHERE action = 'vault.rotate' ORDER BY seq",
    );
    expect(rows.map((row) => row.outcome)).toEqual(['VAULT_BAD_PASSPHRASE', 'ok']);
    expect(rows[1]?.details).toContain(slotId(status, 'leaked'));
    const everything = JSON.stringify(await rowsOf(c).all('SELECT * FROM audit_events'));
    for (const passphrase of [KEPT, LEAKED, 'a wrong one typed']) expect(everything).not.toContain(passphrase);
  });
});

import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '@shared/api/jobs';
import type { SecretValue, VaultStatus } from '@shared/api/vault';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { CHEAP_SCRYPT, failure, success, useTempCore } from '../testing/harness';
import { newKey, open, seal } from './crypto';
import { configuredKeyFile } from './keyfile';
import { ROTATE_BATCH } from './service';
import type { OsKeyProtector } from './slots';
import { rowsOf } from '../testing/rows';

const NOW = 1_767_225_600_000;
const FIRST = 'correct horse battery staple';
const SECOND = 'a second passphrase for the ops team';
const CALL = { origin: 'test' };

let t: number;
const clock = { now: () => t };
beforeEach(() => {
  t = NOW;
});
const env = useTempCore({ prefix: 'guardian-vault-service-', clock, vaultScryptCost: CHEAP_SCRYPT, lazy: true });
const start = env.start;

const call = async <T = VaultStatus>(c: Core, name: string, input: unknown) => success<T>(await c.router.call(LOCAL_OWNER, name, input, CALL));
const refused = async (c: Core, name: string, input: unknown) => failure(await c.router.call(LOCAL_OWNER, name, input, CALL));

function keyFile(name: string, bytes = randomBytes(64)): string {
  const dir = join(env.dataDir, 'keys');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, bytes, { mode: 0o400 });
  return path;
}

/** Stores `count` secrets of every kind in turn; their values by id. */
async function plant(c: Core, count: number, prefix = 's'): Promise<Map<string, SecretValue>> {
  const planted = new Map<string, SecretValue>();
  await c.data.transaction(async () => {
    for (let i = 0; i < count; i++) {
      const value: SecretValue =
        i % 3 === 0
          ? { kind: 'password', password: `${prefix}-password-${i}` }
          : i % 3 === 1
            ? { kind: 'api_token', token: `${prefix}-token-${i}` }
            : { kind: 'note', text: `${prefix}-note-${i}\nsecond line` };
      planted.set((await c.secrets.create({ name: `${prefix} ${i}`, tags: [], serverIds: [], username: null, value }, 'test')).id, value);
    }
  });
  return planted;
}

async function expectIntact(c: Core, planted: Map<string, SecretValue>): Promise<void> {
  for (const [id, value] of planted) expect(await c.secrets.reveal(id)).toEqual(value);
}

const sealedColumn = async (c: Core) =>
  new Map((await rowsOf(c).all<{ id: string; sealed: string }>('SELECT id, sealed FROM secrets')).map(({ id, sealed }) => [id, sealed]));
const generations = async (c: Core) =>
  (await rowsOf(c).all<{ key_generation: number }>('SELECT DISTINCT key_generation FROM secrets ORDER BY 1')).map((row) => row.key_generation);
const vaultState = (c: Core) =>
  rowsOf(c).get<{ generation: number; pending: number | null }>('SELECT generation, pending_generation AS pending FROM vault_state');

/** A keychain that works: AES with a key held by the fake "OS". */
function workingKeychain(): OsKeyProtector & { calls: string[] } {
  const osKey = newKey();
  const calls: string[] = [];
  return {
    calls,
    availability: () => ({ available: true, reason: 'The keychain (libsecret) protects the vault.' }),
    protect: (data) => {
      calls.push('protect');
      return seal(osKey, data, 'os');
    },
    unprotect: (blob) => {
      calls.push('unprotect');
      return open(osKey, blob, 'os');
    },
  };
}

const BASIC_TEXT = 'The OS keychain on this system stores keys as plain text (basic_text): it would not protect the vault.';
const noKeychain: OsKeyProtector = {
  availability: () => ({ available: false, reason: BASIC_TEXT }),
  protect: () => {
    throw new Error('must not be called');
  },
  unprotect: () => {
    throw new Error('must not be called');
  },
};

describe('creating the vault', () => {
  it('with a passphrase: unlocked at once, one slot, and only once', async () => {
    const c = await start();
    expect(await c.vault.status()).toMatchObject({ initialized: false, locked: true, slots: [] });
    expect((await refused(c, 'vault.unlock', { with: { kind: 'passphrase', passphrase: FIRST } })).code).toBe('VAULT_NOT_INITIALIZED');

    const status = await call(c, 'vault.init', { slot: { kind: 'passphrase', passphrase: FIRST, label: 'Mine' } });
    expect(status).toMatchObject({ initialized: true, locked: false, rotation: { inProgress: false, remaining: 0 } });
    expect(status.slots).toEqual([{ id: expect.any(String), kind: 'passphrase', label: 'Mine', createdAt: NOW, lastUsedAt: NOW }]);

    const again = await refused(c, 'vault.init', { slot: { kind: 'passphrase', passphrase: SECOND } });
    expect(again.code).toBe('CONFLICT');
    expect((await refused(c, 'vault.init', { slot: { kind: 'passphrase', passphrase: 'too short' } })).code).toBe('VALIDATION_FAILED');
  });

  it('with the OS keychain when it is available; refused with the keychain’s own reason when it is not', async () => {
    const keychain = workingKeychain();
    const c = await start({ osKeys: keychain });
    expect((await call(c, 'vault.init', { slot: { kind: 'os' } })).slots.map((s) => [s.kind, s.label])).toEqual([['os', 'OS keychain']]);
    const planted = await plant(c, 3);
    await call(c, 'vault.lock', {});
    await call(c, 'vault.unlock', { with: { kind: 'os' } });
    await expectIntact(c, planted);
    expect(keychain.calls).toEqual(['protect', 'unprotect']);
    await c.close();

    env.switchToNewDataDir();
    const headless = await start({ osKeys: noKeychain });
    expect((await headless.vault.status()).os).toEqual({ available: false, reason: BASIC_TEXT });
    const error = await refused(headless, 'vault.init', { slot: { kind: 'os' } });
    expect(error).toMatchObject({ code: 'NOT_SUPPORTED_HERE', message: BASIC_TEXT, retryable: false });
    expect(error.hint).toMatch(/passphrase/);
    expect(await headless.vault.status()).toMatchObject({ initialized: false, slots: [] });
  });
});

describe('key slots', () => {
  it('any slot unlocks; adding, removing and changing slots never re-encrypts a secret', async () => {
    const c = await start({ vaultKeyFile: configuredKeyFile(keyFile('vault.key')) });
    const first = (await call(c, 'vault.init', { slot: { kind: 'passphrase', passphrase: FIRST } })).slots[0]?.id ?? '';
    const planted = await plant(c, 30);
    const sealed = await sealedColumn(c);

    t += 1000;
    const withFile = await call(c, 'vault.addSlot', { slot: { kind: 'keyfile' } });
    const withSecond = await call(c, 'vault.addSlot', { slot: { kind: 'passphrase', passphrase: SECOND, label: 'Ops team' } });
    expect(withSecond.slots.map((s) => [s.kind, s.label])).toEqual([
      ['passphrase', 'Passphrase'],
      ['keyfile', 'Key file'],
      ['passphrase', 'Ops team'],
    ]);
    const fileSlot = withFile.slots[1]?.id ?? '';
    const secondSlot = withSecond.slots[2]?.id ?? '';

    const unlockWith = [{ kind: 'passphrase', passphrase: FIRST }, { kind: 'keyfile' }, { kind: 'passphrase', passphrase: SECOND }];
    for (const using of unlockWith) {
      await call(c, 'vault.lock', {});
      t += 1000;
      expect((await call(c, 'vault.unlock', { with: using })).locked).toBe(false);
      await expectIntact(c, planted);
    }
    // The slot that opened the vault records when.
    expect((await c.vault.status()).slots.find((s) => s.id === secondSlot)?.lastUsedAt).toBe(t);

    // Change the first passphrase: the old one stops working, the new one works.
    await call(c, 'vault.changePassphrase', { id: first, current: FIRST, next: 'the first passphrase, changed' });
    await call(c, 'vault.lock', {});
    expect((await refused(c, 'vault.unlock', { with: { kind: 'passphrase', passphrase: FIRST } })).code).toBe('VAULT_BAD_PASSPHRASE');
    await call(c, 'vault.unlock', { with: { kind: 'passphrase', passphrase: 'the first passphrase, changed' } });
    expect((await refused(c, 'vault.changePassphrase', { id: first, current: FIRST, next: 'whatever comes next' })).code).toBe('VAULT_BAD_PASSPHRASE');
    expect((await refused(c, 'vault.changePassphrase', { id: fileSlot, current: FIRST, next: 'whatever comes next' })).code).toBe('NOT_FOUND');

    // Remove the key file slot: the file no longer opens the vault.
    await call(c, 'vault.removeSlot', { id: fileSlot });
    await call(c, 'vault.lock', {});
    const gone = await refused(c, 'vault.unlock', { with: { kind: 'keyfile' } });
    expect(gone.code).toBe('VAULT_BAD_PASSPHRASE');
    expect(gone.hint).toMatch(/passphrase/);
    await call(c, 'vault.unlock', { with: { kind: 'passphrase', passphrase: SECOND } });

    // Never the last one.
    await call(c, 'vault.removeSlot', { id: first });
    const last = await refused(c, 'vault.removeSlot', { id: secondSlot });
    expect(last.code).toBe('CONFLICT');
    expect(last.hint).toMatch(/Add another slot first/);
    expect((await c.vault.status()).slots.map((s) => s.id)).toEqual([secondSlot]);

    expect(await sealedColumn(c)).toEqual(sealed);
    expect(await generations(c)).toEqual([1]);
    await expectIntact(c, planted);
  });

  it('takes no key file path from a caller: the contract refuses one in init, addSlot and unlock', async () => {
    const c = await start({ vaultKeyFile: configuredKeyFile(keyFile('vault.key')) });
    const path = keyFile('chosen-by-the-caller.key');
    const init = await refused(c, 'vault.init', { slot: { kind: 'keyfile', path } });
    expect(init).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['slot'], message: 'Unrecognized key: "path"' }] });
    await call(c, 'vault.init', { slot: { kind: 'passphrase', passphrase: FIRST } });
    expect((await refused(c, 'vault.addSlot', { slot: { kind: 'keyfile', path } })).code).toBe('VALIDATION_FAILED');
    await call(c, 'vault.lock', {});
    expect((await refused(c, 'vault.unlock', { with: { kind: 'keyfile', path } })).code).toBe('VALIDATION_FAILED');
    expect((await c.vault.status()).slots.map((slot) => slot.kind)).toEqual(['passphrase']);
  });

  it('a key file slot without a key file given to this Guardian: refused, and the status says how to give one', async () => {
    const c = await start();
    expect((await c.vault.status()).keyFile).toEqual({ source: 'none', reason: expect.stringMatching(/--vault-key-file/) });
    await call(c, 'vault.init', { slot: { kind: 'passphrase', passphrase: FIRST } });
    const error = await refused(c, 'vault.addSlot', { slot: { kind: 'keyfile' } });
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.hint).toMatch(/--vault-key-file/);
    expect((await c.vault.status()).slots).toHaveLength(1);
  });

  it('says which kinds of slot the vault has when asked to unlock with another kind', async () => {
    const c = await start({ vaultKeyFile: configuredKeyFile(keyFile('only.key')) });
    await call(c, 'vault.init', { slot: { kind: 'keyfile' } });
    await call(c, 'vault.lock', {});
    const error = await refused(c, 'vault.unlock', { with: { kind: 'passphrase', passphrase: FIRST } });
    expect(error.code).toBe('VAULT_BAD_PASSPHRASE');
    expect(error.message).toMatch(/no passphrase slot/);
    expect(error.hint).toMatch(/key file/);
    await c.close();
    const other = await refused(await start({ vaultKeyFile: configuredKeyFile(keyFile('other.key')) }), 'vault.unlock', { with: { kind: 'keyfile' } });
    expect(other.code).toBe('VAULT_BAD_PASSPHRASE');
  });

  it('a vault moved from the desktop to a server: its OS keychain slot opens nothing there, and the answer says to use another slot', async () => {
    const c = await start({ osKeys: workingKeychain() });
    await call(c, 'vault.init', { slot: { kind: 'os', label: 'laptop' } });
    await call(c, 'vault.addSlot', { slot: { kind: 'passphrase', passphrase: FIRST } });
    const planted = await plant(c, 2);

    // No keychain at all (guardian serve), and another machine's keychain, which cannot open this one's blob.
    for (const osKeys of [undefined, workingKeychain()]) {
      const moved = await env.restart(osKeys ? { osKeys } : {});
      const error = await refused(moved, 'vault.unlock', { with: { kind: 'os' } });
      expect(error).toMatchObject({
        code: 'VAULT_BAD_PASSPHRASE',
        message: 'The OS keychain could not open this vault; nothing was changed.',
        hint: 'Unlock with another key slot.',
      });
      expect((await moved.vault.status()).locked).toBe(true);
      await call(moved, 'vault.unlock', { with: { kind: 'passphrase', passphrase: FIRST } });
      await expectIntact(moved, planted);
    }
  });

  it('audits slot changes without the passphrases', async () => {
    const c = await start();
    const first = (await call(c, 'vault.init', { slot: { kind: 'passphrase', passphrase: FIRST } })).slots[0]?.id ?? '';
    await call(c, 'vault.addSlot', { slot: { kind: 'passphrase', passphrase: SECOND } });
    await call(c, 'vault.changePassphrase', { id: first, current: FIRST, next: 'the first passphrase, changed' });
    await refused(c, 'vault.changePassphrase', { id: first, current: 'a wrong current one', next: 'the first passphrase, changed' });
    await call(c, 'vault.lock', {});
    await refused(c, 'vault.unlock', { with: { kind: 'passphrase', passphrase: 'a wrong guess at it' } });
    await call(c, 'vault.unlock', { with: { kind: 'passphrase', passphrase: SECOND } });

    const rows = (
      await rowsOf(c).all<{ action: string; target: string; outcome: string }>(
        "SELECT action, target, outcome FROM audit_events WHERE action LIKE 'vault.%' ORDER BY seq",
      )
    ).map(({ action, target, outcome }) => [action, target, outcome]);
    expect(rows).toEqual([
      ['vault.init', 'vault', 'ok'],
      ['vault.addSlot', 'vault', 'ok'],
      ['vault.changePassphrase', `vault-slot:${first}`, 'ok'],
      ['vault.changePassphrase', `vault-slot:${first}`, 'VAULT_BAD_PASSPHRASE'],
      ['vault.lock', 'vault', 'ok'],
      ['vault.unlock', 'vault', 'VAULT_BAD_PASSPHRASE'],
      ['vault.unlock', 'vault', 'ok'],
    ]);
    const everything = JSON.stringify(await rowsOf(c).all('SELECT * FROM audit_events'));
    for (const passphrase of [FIRST, SECOND, 'the first passphrase, changed', 'a wrong current one', 'a wrong guess at it']) {
      expect(everything).not.toContain(passphrase);
    }
  });
});

describe('rotating the data key', () => {
  const COUNT = 2 * ROTATE_BATCH + 57;

  async function finished(c: Core, job: Job): Promise<Job> {
    const done = await c.jobs.waitFor(job.id);
    expect(done.error).toBeNull();
    return done;
  }

  /** Progress reports are throttled by the clock: each one seen moves time on, so every batch is reported. */
  function recordProgress(c: Core): Job[] {
    const seen: Job[] = [];
    c.events.subscribe((name, payload) => {
      if (name !== 'job.progress') return;
      seen.push(payload as Job);
      t += 1000;
    });
    return seen;
  }

  it('re-seals every secret with a new key, as a job with progress; values intact after lock and unlock', async () => {
    const c = await start();
    await call(c, 'vault.init', { slot: { kind: 'passphrase', passphrase: FIRST } });
    const planted = await plant(c, COUNT);
    const before = await sealedColumn(c);
    const slotsBefore = await rowsOf(c).all('SELECT * FROM vault_slots ORDER BY id');
    const progress = recordProgress(c);

    const job = await call<Job>(c, 'vault.rotate', {});
    expect(job).toMatchObject({ kind: 'vault.rotate', status: 'queued', createdBy: 'system:local-owner' });
    expect((await c.vault.status()).rotation).toEqual({ inProgress: true, remaining: COUNT });
    const done = await finished(c, job);
    expect(done).toMatchObject({ status: 'succeeded', done: COUNT, total: COUNT, result: { kind: 'vault.rotate', reSealed: COUNT, finished: true } });

    const reports = progress.filter((p) => p.id === job.id && p.status === 'running').map((p) => [p.done, p.total]);
    expect(reports).toEqual([
      [0, null],
      [0, COUNT],
      [ROTATE_BATCH, COUNT],
      [2 * ROTATE_BATCH, COUNT],
      [COUNT, COUNT],
    ]);
    expect(progress.at(-1)).toMatchObject({ id: job.id, status: 'succeeded' });

    const after = await sealedColumn(c);
    for (const [id, sealed] of before) expect(after.get(id), id).not.toBe(sealed);
    expect(await generations(c)).toEqual([2]);
    expect(await vaultState(c)).toEqual({ generation: 2, pending: null });
    expect((await c.vault.status()).rotation).toEqual({ inProgress: false, remaining: 0 });
    // Slots wrap the KEK, which a rotation leaves alone.
    expect(await rowsOf(c).all('SELECT * FROM vault_slots ORDER BY id')).toEqual(slotsBefore);

    await call(c, 'vault.lock', {});
    await call(c, 'vault.unlock', { with: { kind: 'passphrase', passphrase: FIRST } });
    await expectIntact(c, planted);

    // And again: generation 3, still intact.
    await finished(c, await call<Job>(c, 'vault.rotate', {}));
    expect(await generations(c)).toEqual([3]);
    await c.close();
    const reopened = await start();
    await reopened.vault.unlock({ kind: 'passphrase', passphrase: FIRST });
    await expectIntact(reopened, planted);
  });

  it('keeps working while secrets are created and changed during the rotation', async () => {
    const c = await start();
    await call(c, 'vault.init', { slot: { kind: 'passphrase', passphrase: FIRST } });
    const planted = await plant(c, COUNT);
    const ids = [...planted.keys()];
    const job = await call<Job>(c, 'vault.rotate', {});

    let round = 0;
    while ((await c.jobs.get(job.id)).status !== 'succeeded') {
      expect((await c.jobs.get(job.id)).status).not.toBe('failed');
      const value: SecretValue = { kind: 'password', password: `during-${round}` };
      planted.set((await c.secrets.create({ name: `during ${round}`, tags: [], serverIds: [], username: null, value }, 'test')).id, value);
      const changed = ids[(round * 97) % ids.length] ?? '';
      const kind = planted.get(changed)?.kind;
      const next: SecretValue =
        kind === 'password'
          ? { kind: 'password', password: `changed-${round}` }
          : kind === 'api_token'
            ? { kind: 'api_token', token: `changed-${round}` }
            : { kind: 'note', text: `changed-${round}` };
      await c.secrets.update(changed, { value: next }, 'test');
      planted.set(changed, next);
      round++;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect(round).toBeGreaterThan(1);
    await finished(c, job);
    expect(await generations(c)).toEqual([2]);
    await call(c, 'vault.lock', {});
    await call(c, 'vault.unlock', { with: { kind: 'passphrase', passphrase: FIRST } });
    await expectIntact(c, planted);
  });

  it('cancelled part way, keeps both keys readable, and resumes to the same generation', async () => {
    const c = await start();
    await call(c, 'vault.init', { slot: { kind: 'passphrase', passphrase: FIRST } });
    const planted = await plant(c, COUNT);
    const progress = recordProgress(c);
    const job = await call<Job>(c, 'vault.rotate', {});
    c.events.subscribe((name, payload) => {
      const report = payload as Job;
      if (name === 'job.progress' && report.id === job.id && report.status === 'running' && report.done > 0) void c.jobs.cancel(job.id);
    });

    const stopped = await c.jobs.waitFor(job.id);
    expect(stopped).toMatchObject({ status: 'cancelled', result: { kind: 'vault.rotate', reSealed: ROTATE_BATCH, finished: false } });
    expect((await c.vault.status()).rotation).toEqual({ inProgress: true, remaining: COUNT - ROTATE_BATCH });
    expect(await generations(c)).toEqual([1, 2]);
    expect(await vaultState(c)).toEqual({ generation: 1, pending: 2 });

    // Half-rotated: every secret opens, after a lock and after a restart.
    await call(c, 'vault.lock', {});
    await call(c, 'vault.unlock', { with: { kind: 'passphrase', passphrase: FIRST } });
    await expectIntact(c, planted);
    await c.close();
    const c2 = await start();
    await call(c2, 'vault.unlock', { with: { kind: 'passphrase', passphrase: FIRST } });
    await expectIntact(c2, planted);
    const extra: SecretValue = { kind: 'note', text: 'made half way' };
    planted.set((await c2.secrets.create({ name: 'half way', tags: [], serverIds: [], username: null, value: extra }, 'test')).id, extra);

    const resumed = await call<Job>(c2, 'vault.rotate', {});
    const done = await finished(c2, resumed);
    expect(done).toMatchObject({ status: 'succeeded', result: { reSealed: COUNT - ROTATE_BATCH, finished: true } });
    expect(await generations(c2)).toEqual([2]);
    expect(await vaultState(c2)).toEqual({ generation: 2, pending: null });
    await call(c2, 'vault.lock', {});
    await call(c2, 'vault.unlock', { with: { kind: 'passphrase', passphrase: FIRST } });
    await expectIntact(c2, planted);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('cannot start while locked, and a lock during the rotation stops it without damage', async () => {
    const c = await start();
    await call(c, 'vault.init', { slot: { kind: 'passphrase', passphrase: FIRST } });
    const planted = await plant(c, COUNT);
    recordProgress(c);
    const job = await call<Job>(c, 'vault.rotate', {});
    c.events.subscribe((name, payload) => {
      const report = payload as Job;
      if (name === 'job.progress' && report.id === job.id && report.status === 'running' && report.done > 0) c.vault.lock();
    });
    const stopped = await c.jobs.waitFor(job.id);
    expect(stopped.status).toBe('failed');
    expect(stopped.error?.code).toBe('VAULT_LOCKED');
    expect((await refused(c, 'vault.rotate', {})).code).toBe('VAULT_LOCKED');

    await call(c, 'vault.unlock', { with: { kind: 'passphrase', passphrase: FIRST } });
    await expectIntact(c, planted);
    await finished(c, await call<Job>(c, 'vault.rotate', {}));
    expect(await generations(c)).toEqual([2]);
    await expectIntact(c, planted);
  });
});

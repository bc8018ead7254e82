import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '@shared/api/errors';
import type { SecretValue } from '@shared/api/vault';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { CHEAP_SCRYPT, setupOwner, useTempCore } from '../testing/harness';
import { DEFAULT_SCRYPT, deriveKey, keyFromFile, newKey, newScryptParams, open, scryptAccepted, seal } from './crypto';
import { rowsOf, type TestRows } from '../testing/rows';

const NOW = 1_767_225_600_000;
const PASSPHRASE = 'correct horse battery staple';

let t: number;
const clock = { now: () => t };
beforeEach(() => {
  t = NOW;
});
const env = useTempCore({ prefix: 'guardian-vault-crypto-', clock, vaultScryptCost: CHEAP_SCRYPT, lazy: true });
const start = () => env.start();
const restart = () => env.restart();

/** The AppError `run` rejects with (anything else fails the test). */
async function caughtAsync(run: () => Promise<unknown>): Promise<AppError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

const flip = (bytes: Buffer, at: number): Buffer => {
  const copy = Buffer.from(bytes);
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
};

describe('seal and open (AES-256-GCM)', () => {
  const key = newKey();
  const plain = Buffer.from('the quick brown fox', 'utf8');

  it('round-trips an empty value, the shortest sealed form there is (nonce ‖ tag), and refuses one byte less', () => {
    const sealed = seal(key, Buffer.alloc(0), 'id-1:note');
    expect(sealed.length).toBe(12 + 16);
    expect(open(key, sealed, 'id-1:note').length).toBe(0);
    expect(() => open(key, sealed.subarray(1), 'id-1:note')).toThrow('sealed data is too short');
  });

  it('round-trips, with nonce ‖ ciphertext ‖ tag and a fresh nonce every time', () => {
    const a = seal(key, plain, 'id-1:password');
    const b = seal(key, plain, 'id-1:password');
    expect(a.length).toBe(12 + plain.length + 16);
    expect(a.subarray(0, 12).equals(b.subarray(0, 12))).toBe(false);
    expect(a.equals(b)).toBe(false);
    expect(open(key, a, 'id-1:password').toString('utf8')).toBe('the quick brown fox');
    expect(open(key, b, 'id-1:password').toString('utf8')).toBe('the quick brown fox');
  });

  it('refuses a flipped bit anywhere (nonce, ciphertext, tag), another AAD, another key, or a stub', () => {
    const sealed = seal(key, plain, 'id-1:password');
    for (let at = 0; at < sealed.length; at++) expect(() => open(key, flip(sealed, at), 'id-1:password'), `byte ${at}`).toThrow();
    expect(() => open(key, sealed, 'id-2:password')).toThrow();
    expect(() => open(key, sealed, 'id-1:note')).toThrow();
    expect(() => open(newKey(), sealed, 'id-1:password')).toThrow();
    expect(() => open(key, sealed.subarray(0, 27), 'id-1:password')).toThrow(/too short/);
  });

  it('derives the same key from the same passphrase and salt only (NFKC-normalized)', async () => {
    const params = newScryptParams(CHEAP_SCRYPT);
    const one = await deriveKey('Ångström 42 pass', params);
    // "Å" as A + combining ring: the same passphrase once normalized.
    const same = await deriveKey('A\u030Angström 42 pass', params);
    const otherSalt = await deriveKey('Ångström 42 pass', newScryptParams(CHEAP_SCRYPT));
    const otherPass = await deriveKey('Ångström 43 pass', params);
    expect(one).toHaveLength(32);
    expect(same.equals(one)).toBe(true);
    expect(otherSalt.equals(one)).toBe(false);
    expect(otherPass.equals(one)).toBe(false);
  });

  it('stretches a key file into a 32-byte key that depends on every byte', () => {
    const bytes = randomBytes(64);
    expect(keyFromFile(bytes)).toHaveLength(32);
    expect(keyFromFile(bytes).equals(keyFromFile(Buffer.from(bytes)))).toBe(true);
    expect(keyFromFile(flip(bytes, 63)).equals(keyFromFile(bytes))).toBe(false);
  });
});

describe('tampering with the database file', () => {
  const VALUES: Record<string, SecretValue> = {
    alpha: { kind: 'password', password: 'alpha-password-value' },
    bravo: { kind: 'password', password: 'bravo-password-value' },
    charlie: { kind: 'api_token', token: 'charlie-token-value' },
  };

  /** Three secrets stored by a core that is then locked; their ids by name. */
  async function plant(): Promise<Record<string, string>> {
    const c = await start();
    await c.vault.init({ kind: 'passphrase', passphrase: PASSPHRASE });
    const ids: Record<string, string> = {};
    for (const [name, value] of Object.entries(VALUES)) {
      ids[name] = (await c.secrets.create({ name, tags: [], serverIds: [], username: null, value }, 'test')).id;
    }
    c.vault.lock();
    return ids;
  }

  /**
   * Changes rows the way someone with the database but not the key could (the SQLite file, or a
   * login to the PostgreSQL database): plain SQL beside the product's code. The core is closed
   * afterwards, so the next one reads only what is stored.
   */
  async function editStored(edit: (rows: TestRows) => Promise<unknown>): Promise<void> {
    await edit(rowsOf(env.core));
    await env.stop();
  }

  const sealedOf = async (rows: TestRows, id: string) => Buffer.from((await rows.value<string>('SELECT sealed FROM secrets WHERE id = ?', id)) ?? '', 'base64');
  const setSealed = (rows: TestRows, id: string, sealed: Buffer) => rows.run('UPDATE secrets SET sealed = ? WHERE id = ?', sealed.toString('base64'), id);

  async function reopenUnlocked(): Promise<Core> {
    const c = await restart();
    await c.vault.unlock({ kind: 'passphrase', passphrase: PASSPHRASE });
    return c;
  }

  async function expectIntegrityError(c: Core, id: string, name: string): Promise<void> {
    for (const read of [() => c.secrets.reveal(id), () => c.secrets.use(id, { usedBy: 'ssh', serverId: null, host: '', principal: LOCAL_OWNER })]) {
      const error = await caughtAsync(read);
      expect(error.code).toBe('VAULT_INTEGRITY');
      expect(error.message).toContain(`"${name}"`);
      expect(error.message).toContain(id);
      expect(error.hint.length).toBeGreaterThan(0);
    }
  }

  it.each([
    { part: 'nonce', at: () => 3 },
    { part: 'ciphertext', at: (sealed: Buffer) => 12 + Math.floor((sealed.length - 28) / 2) },
    { part: 'tag', at: (sealed: Buffer) => sealed.length - 1 },
  ])('a flipped byte of the $part is refused as VAULT_INTEGRITY naming the secret; the others still open', async ({ at }) => {
    const ids = await plant();
    const alpha = ids.alpha ?? '';
    await editStored(async (rows) => {
      const sealed = await sealedOf(rows, alpha);
      await setSealed(rows, alpha, flip(sealed, at(sealed)));
    });

    const c = await reopenUnlocked();
    await expectIntegrityError(c, alpha, 'alpha');
    expect(await c.secrets.reveal(ids.bravo ?? '')).toEqual(VALUES.bravo);
    expect(await c.secrets.reveal(ids.charlie ?? '')).toEqual(VALUES.charlie);
  });

  it('swapping the sealed values of two rows is refused for both (the AAD binds id and kind)', async () => {
    const ids = await plant();
    const [alpha, bravo] = [ids.alpha ?? '', ids.bravo ?? ''];
    await editStored(async (rows) => {
      const a = await sealedOf(rows, alpha);
      const b = await sealedOf(rows, bravo);
      await setSealed(rows, alpha, b);
      await setSealed(rows, bravo, a);
    });

    const c = await reopenUnlocked();
    await expectIntegrityError(c, alpha, 'alpha');
    await expectIntegrityError(c, bravo, 'bravo');
    expect(await c.secrets.reveal(ids.charlie ?? '')).toEqual(VALUES.charlie);
  });

  it('changing a row’s kind is refused too: the value cannot be read as another kind', async () => {
    const ids = await plant();
    const charlie = ids.charlie ?? '';
    await editStored((rows) => rows.run("UPDATE secrets SET kind = 'password' WHERE id = ?", charlie));

    const c = await reopenUnlocked();
    await expectIntegrityError(c, charlie, 'charlie');
  });

  it('a tampered row stops an export and a rotation with the same error, and the rotation moves nothing', async () => {
    const ids = await plant();
    const alpha = ids.alpha ?? '';
    await editStored(async (rows) => setSealed(rows, alpha, flip(await sealedOf(rows, alpha), 20)));

    const c = await reopenUnlocked();
    const owner = { username: 'olivia', password: 'violet tulips at dawn' };
    const { principal } = await setupOwner(c, owner);
    await c.router.invoke(principal, 'auth.reauth', { password: owner.password }, { origin: 'test' });
    const exported = await c.router.call(principal, 'vault.export', { passphrase: 'another long passphrase' }, { origin: 'test' });
    expect(exported.ok ? null : exported.error.code).toBe('VAULT_INTEGRITY');

    const job = await c.vault.rotate('test');
    const finished = await c.jobs.waitFor(job.id);
    expect(finished.status).toBe('failed');
    expect(finished.error?.code).toBe('VAULT_INTEGRITY');
    expect(finished.error?.message).toContain(alpha);
    // The failed batch was one transaction: nothing moved to the new key.
    const generations = (await rowsOf(c).all<{ key_generation: number }>('SELECT DISTINCT key_generation FROM secrets')).map((row) => row.key_generation);
    expect(generations).toEqual([1]);
    expect(await c.secrets.reveal(ids.bravo ?? '')).toEqual(VALUES.bravo);
  });

  it('a damaged wrapped data key is reported as VAULT_INTEGRITY at unlock, not as a wrong passphrase', async () => {
    await plant();
    await editStored(async (rows) => {
      const wrapped = Buffer.from((await rows.value<string>('SELECT wrapped_dek FROM vault_state WHERE id = 1')) ?? '', 'base64');
      await rows.run('UPDATE vault_state SET wrapped_dek = ? WHERE id = 1', flip(wrapped, 14).toString('base64'));
    });

    const c = await restart();
    const error = await caughtAsync(() => c.vault.unlock({ kind: 'passphrase', passphrase: PASSPHRASE }));
    expect(error.code).toBe('VAULT_INTEGRITY');
    expect((await c.vault.status()).locked).toBe(true);
  });
});

describe('a wrong passphrase', () => {
  it('is refused with VAULT_BAD_PASSPHRASE and changes nothing: slots and state are byte-identical, the vault stays locked', async () => {
    const c = await start();
    await c.vault.init({ kind: 'passphrase', passphrase: PASSPHRASE });
    await c.secrets.create({ name: 'x', tags: [], serverIds: [], username: null, value: { kind: 'note', text: 'n' } }, 'test');
    c.vault.lock();
    const snapshot = async () => ({
      slots: await rowsOf(c).all('SELECT * FROM vault_slots ORDER BY id'),
      state: await rowsOf(c).all('SELECT * FROM vault_state'),
      secrets: await rowsOf(c).all('SELECT * FROM secrets ORDER BY id'),
    });
    const before = await snapshot();
    t += 60_000;

    for (const passphrase of ['correct horse battery stapl', 'Correct horse battery staple', `${PASSPHRASE} `]) {
      const error = await caughtAsync(() => c.vault.unlock({ kind: 'passphrase', passphrase }));
      expect(error.code).toBe('VAULT_BAD_PASSPHRASE');
      expect(error.message).toMatch(/wrong; nothing was changed/);
      expect(error.message).not.toContain(passphrase);
    }
    expect((await c.vault.status()).locked).toBe(true);
    expect(await snapshot()).toEqual(before);

    await c.vault.unlock({ kind: 'passphrase', passphrase: PASSPHRASE });
    expect((await c.vault.status()).locked).toBe(false);
  });
});

describe('the scrypt costs Guardian accepts', () => {
  it.each([
    [{ N: 2 ** 17, r: 8, p: 1 }, true],
    [{ N: 2 ** 16, r: 8, p: 1 }, true],
    [{ N: 2 ** 18, r: 8, p: 1 }, true],
    [{ N: 2 ** 19, r: 8, p: 1 }, false],
    [{ N: 2 ** 15, r: 8, p: 1 }, false],
    [{ N: 2 ** 20, r: 32, p: 16 }, false],
    [{ N: 2 ** 17, r: 16, p: 1 }, false],
    [{ N: 2 ** 17, r: 8, p: 2 }, false],
    [{ N: 2 ** 17 + 1, r: 8, p: 1 }, false],
  ])('against what it writes in production: %o → %s', (params, accepted) => {
    expect(scryptAccepted(params, DEFAULT_SCRYPT)).toBe(accepted);
  });

  it.each([
    [{ N: 2, r: 1, p: 1 }, true],
    [{ N: 4, r: 1, p: 1 }, true],
    [{ N: 1, r: 1, p: 1 }, false],
    [{ N: 2.5, r: 1, p: 1 }, false],
    [{ N: 3, r: 1, p: 1 }, false],
  ])('against the smallest cost a core can be given: %o → %s (N is a whole power of two above 1, whatever the bounds allow)', (params, accepted) => {
    expect(scryptAccepted(params, { N: 2, r: 1, p: 1 })).toBe(accepted);
  });

  it('in production are the ones that ship (N 2^17, r 8, p 1): a default core opens such a file, and refuses one a step too dear before deriving', async () => {
    expect(DEFAULT_SCRYPT).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    // No vaultScryptCost: what `guardian serve` and the desktop app run with.
    const c = await env.start({ vaultScryptCost: undefined });
    await c.vault.init({ kind: 'passphrase', passphrase: PASSPHRASE });
    const file = (N: number) =>
      JSON.stringify({
        format: 'guardian-vault-export',
        version: 1,
        kdf: { alg: 'scrypt', N, r: 8, p: 1, salt: randomBytes(16).toString('base64') },
        sealed: randomBytes(64).toString('base64'),
      });
    const importing = (N: number) => c.router.call(LOCAL_OWNER, 'vault.import', { passphrase: 'whatever it was', content: file(N) }, { origin: 'test' });

    // Derived (and then not opened: the file's body is random) ...
    const shipped = await importing(DEFAULT_SCRYPT.N);
    expect(shipped.ok ? null : shipped.error.code).toBe('VAULT_BAD_PASSPHRASE');
    // ... or refused on sight.
    const dearer = await importing(DEFAULT_SCRYPT.N * 4);
    expect(dearer.ok ? null : dearer.error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/cost Guardian never writes/) });
  });
});

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCAL_OWNER } from '@shared/permissions';
import { CHEAP_SCRYPT, failure, success, useTempCore } from '../testing/harness';
import { configuredKeyFile, KEY_FILE_MAX_BYTES, readKeyFile } from './keyfile';

// What a key file path given to `guardian serve` may point at. Each case must answer with a clear
// error at once: a FIFO once froze the whole server until it was written to, /dev/zero ran it out
// of memory. A hang fails the test by its timeout. (No FIFOs or /dev/zero on Windows: skipped there.)

const env = useTempCore({ prefix: 'guardian-vault-keyfile-', vaultScryptCost: CHEAP_SCRYPT, lazy: true });
const CALL = { origin: 'test' };
const PASSPHRASE = 'correct horse battery staple';
// Rows marked `skip` are left out only where their file cannot exist: Windows has no FIFOs and no
// /dev/zero. On Linux (here and in CI) every row runs.
const onWindows = process.platform === 'win32';

function inKeys(name: string): string {
  const dir = join(env.dataDir, 'keys');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

function writeKey(name: string, bytes: Buffer): string {
  const path = inKeys(name);
  writeFileSync(path, bytes, { mode: 0o400 });
  return path;
}

function fifo(name: string): string {
  const path = inKeys(name);
  execFileSync('mkfifo', [path]);
  return path;
}

describe('reading a key file', () => {
  it('gives the bytes of a regular file of 32 bytes to 64 KiB, through a symbolic link too', async () => {
    const bytes = randomBytes(64);
    const path = writeKey('vault.key', bytes);
    expect((await readKeyFile(path)).equals(bytes)).toBe(true);
    const largest = randomBytes(KEY_FILE_MAX_BYTES);
    expect((await readKeyFile(writeKey('largest.key', largest))).equals(largest)).toBe(true);
    if (!onWindows) {
      symlinkSync(path, inKeys('link.key'));
      expect((await readKeyFile(inKeys('link.key'))).equals(bytes)).toBe(true);
    }
  });

  it.each(
    [
      { what: 'a missing file', path: () => inKeys('missing.key'), message: /cannot be read \(ENOENT\)/ },
      { what: 'a folder', path: () => inKeys(''), message: /cannot be read \(EISDIR\)/ },
      { what: 'a file that is too short', path: () => writeKey('short.key', randomBytes(16)), message: /holds 16 bytes; at least 32 are needed/ },
      { what: 'a file larger than 64 KiB', path: () => writeKey('large.key', randomBytes(KEY_FILE_MAX_BYTES + 1)), message: /is larger than 64 KiB/ },
      { what: '/dev/zero (endless)', path: () => '/dev/zero', message: /cannot be read \(not a regular file\)/, skip: onWindows || !existsSync('/dev/zero') },
      { what: 'a FIFO no one writes to', path: () => fifo('pipe.key'), message: /cannot be read \(not a regular file\)/, skip: onWindows },
      {
        what: 'a symbolic link to a FIFO',
        path: () => (symlinkSync(fifo('pipe2.key'), inKeys('to-pipe.key')), inKeys('to-pipe.key')),
        message: /not a regular file/,
        skip: onWindows,
      },
    ].filter((row) => !row.skip),
  )('refuses $what at once with VALIDATION_FAILED and a hint', async ({ path, message }) => {
    const given = path();
    await expect(readKeyFile(given)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(message),
      hint: expect.stringMatching(/\S/),
    });
  });
});

describe('the key file a Guardian was given', () => {
  it.each(
    [
      { what: 'a FIFO', path: () => fifo('served-pipe.key'), skip: onWindows },
      { what: '/dev/zero', path: () => '/dev/zero', skip: onWindows || !existsSync('/dev/zero') },
      { what: 'a missing path', path: () => inKeys('not-there.key') },
    ].filter((row) => !row.skip),
  )('when it is $what, unlocking with it says so at once, and the vault still opens with its passphrase', async ({ path }) => {
    const good = writeKey('good.key', randomBytes(64));
    const first = await env.start({ vaultKeyFile: configuredKeyFile(good) });
    success(await first.router.call(LOCAL_OWNER, 'vault.init', { slot: { kind: 'keyfile' } }, CALL));
    success(await first.router.call(LOCAL_OWNER, 'vault.addSlot', { slot: { kind: 'passphrase', passphrase: PASSPHRASE } }, CALL));
    await env.stop();

    const c = await env.start({ vaultKeyFile: configuredKeyFile(path()) });
    const error = failure(await c.router.call(LOCAL_OWNER, 'vault.unlock', { with: { kind: 'keyfile' } }, CALL));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toMatch(/^The vault key file .* cannot be read \((ENOENT|not a regular file)\)\.$/);
    expect(error.hint.length).toBeGreaterThan(0);
    expect((await c.vault.status()).locked).toBe(true);
    success(await c.router.call(LOCAL_OWNER, 'vault.unlock', { with: { kind: 'passphrase', passphrase: PASSPHRASE } }, CALL));
  });
});

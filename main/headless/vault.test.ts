import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppErrorShape } from '@shared/api/errors';
import type { Secret, VaultStatus } from '@shared/api/vault';
import { bootstrapOwnerKey, cleanUp, CLI_TEST_TIMEOUT_MS, type Guardian, runCli, startGuardian, tempDir } from './testing/guardian';

// `guardian serve` and its vault key file: the flag, GUARDIAN_VAULT_KEY_FILE, and systemd's
// $CREDENTIALS_DIRECTORY/vault-key; a key that does not fit stops the start, loudly.

const KEY_ENV = ['GUARDIAN_VAULT_KEY_FILE', 'CREDENTIALS_DIRECTORY'] as const;

let keysDir: string;
let dataDir: string;
let keyFile: string;
/** One owner API key for every start (each start would otherwise make its own). */
let token: string;

function fifo(name: string): string {
  const path = join(keysDir, name);
  execFileSync('mkfifo', [path]);
  return path;
}

function writeKey(name: string, bytes: Buffer = randomBytes(64)): string {
  const path = join(keysDir, name);
  writeFileSync(path, bytes, { mode: 0o400 });
  return path;
}

/**
 * A child's environment with these vault key variables and none of them from outside (a variable
 * left undefined is not passed on). Given to each child rather than set in this process, so the
 * tests that start children side by side do not see each other's.
 */
const keyEnv = (vars: Partial<Record<(typeof KEY_ENV)[number], string>> = {}): NodeJS.ProcessEnv =>
  Object.fromEntries(KEY_ENV.map((name) => [name, vars[name]]));

const start = (args: string[] = [], env = keyEnv()) => startGuardian({ dataDir, apiKey: false, args, env });

async function request<T>(guardian: Guardian, verb: string, path: string, body?: unknown) {
  const response = await fetch(guardian.at(path), {
    method: verb,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

const vaultOf = async (guardian: Guardian) => {
  const answer = await request<VaultStatus>(guardian, 'GET', 'api/v1/vault');
  expect(answer.status).toBe(200);
  return answer.body;
};

async function stopCleanly(guardian: Guardian): Promise<void> {
  expect(await guardian.stop()).toEqual({ code: 0, signal: null });
}

beforeAll(async () => {
  keysDir = tempDir('guardian-vault-keys-');
  dataDir = tempDir();
  keyFile = writeKey('vault.key');
  // As `guardian apikey create` makes one, in this process: one Node start less.
  token = await bootstrapOwnerKey(dataDir);
});

afterAll(cleanUp);

describe('guardian serve --vault-key-file', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('creates the vault on first start, protected by the key file, and unlocks it on the next', async () => {
    const first = await start(['--vault-key-file', keyFile]);
    await first.waitForStderr('vault created, protected by the key file');
    const created = await vaultOf(first);
    // Never locked by itself while the service runs: the key file would unlock it again, and a
    // locked vault stops signed alerts and credentialed checks.
    expect(created).toMatchObject({ initialized: true, locked: false, autoLockMs: null, rotation: { inProgress: false, remaining: 0 } });
    expect(created.slots.map((slot) => slot.kind)).toEqual(['keyfile']);
    const secret = await request<Secret>(first, 'POST', 'api/v1/secrets', { name: 'db root', value: { kind: 'password', password: 'first-run' } });
    expect(secret.status).toBe(200);
    await stopCleanly(first);

    const second = await start(['--vault-key-file', keyFile]);
    await second.waitForStderr('vault unlocked with the key file');
    expect(await vaultOf(second)).toMatchObject({ initialized: true, locked: false });
    expect(second.stderr()).not.toContain('vault created');
    const changed = await request<Secret>(second, 'PATCH', `api/v1/secrets/${secret.body.id}`, { value: { kind: 'password', password: 'second-run' } });
    expect(changed.status).toBe(200);
    expect(changed.body.name).toBe('db root');
    await stopCleanly(second);
  });

  // From here on the tests only read the vault the first one made: they run side by side.
  it.concurrent.each(
    [
      {
        what: 'another key file (64 other random bytes)',
        path: () => writeKey('other.key'),
        error: /^error: The key file does not open this vault; nothing was changed\.$/m,
      },
      {
        what: 'a missing key file',
        path: () => join(keysDir, 'missing.key'),
        error: /^error: The vault key file .*missing\.key cannot be read \(ENOENT\)\.$/m,
      },
      { what: 'a folder instead of a file', path: () => keysDir, error: /^error: The vault key file .* cannot be read \(EISDIR\)\.$/m },
      {
        what: 'a key file that is too short',
        path: () => writeKey('short.key', randomBytes(16)),
        error: /^error: The vault key file .*short\.key holds 16 bytes; at least 32 are needed\.$/m,
      },
      // Once these hung the start (a FIFO without a writer) or ran it out of memory (/dev/zero).
      { what: 'a FIFO', path: () => fifo('pipe.key'), error: /^error: The vault key file .*pipe\.key cannot be read \(not a regular file\)\.$/m },
      { what: '/dev/zero', path: () => '/dev/zero', error: /^error: The vault key file \/dev\/zero cannot be read \(not a regular file\)\.$/m },
    ].filter((row) => process.platform !== 'win32' || !/FIFO|zero/.test(row.what)),
  )('$what stops the start with a clear error and a hint, before listening', async ({ path, error }) => {
    const result = await runCli(['serve', '--data-dir', dataDir, '--port', '0', '--vault-key-file', path()], { env: keyEnv() });
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(error);
    expect(result.stderr).toMatch(/^hint: \S/m);
    expect(result.stderr).not.toContain('listening');
  });

  it.concurrent('without a key starts with the vault locked, and says so in the log', async () => {
    const guardian = await start();
    await guardian.waitForStderr('vault locked: no key file given');
    expect(await vaultOf(guardian)).toMatchObject({ initialized: true, locked: true });
    const refused = await request<{ error: AppErrorShape }>(guardian, 'POST', 'api/v1/secrets', { name: 'x', value: { kind: 'note', text: 'x' } });
    expect(refused.status).toBe(423);
    expect(refused.body.error.code).toBe('VAULT_LOCKED');
    expect(refused.body.error.hint).toMatch(/--vault-key-file/);
    // Metadata stays readable while locked.
    const listed = await request<{ items: Secret[] }>(guardian, 'GET', 'api/v1/secrets');
    expect(listed.body.items.map((s) => s.name)).toEqual(['db root']);
    await stopCleanly(guardian);
  });

  it.concurrent('takes the key file from GUARDIAN_VAULT_KEY_FILE', async () => {
    const guardian = await start([], keyEnv({ GUARDIAN_VAULT_KEY_FILE: keyFile }));
    await guardian.waitForStderr('vault unlocked with the key file');
    expect((await vaultOf(guardian)).locked).toBe(false);
    await stopCleanly(guardian);

    const wrong = await runCli(['serve', '--data-dir', dataDir, '--port', '0'], { env: keyEnv({ GUARDIAN_VAULT_KEY_FILE: writeKey('env-other.key') }) });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toMatch(/^error: The key file does not open this vault/m);
  });

  it.concurrent('takes the key file from systemd’s $CREDENTIALS_DIRECTORY/vault-key; the flag comes first', async () => {
    const credentials = join(keysDir, 'credentials');
    mkdirSync(credentials);
    copyFileSync(keyFile, join(credentials, 'vault-key'));
    const guardian = await start([], keyEnv({ CREDENTIALS_DIRECTORY: credentials }));
    await guardian.waitForStderr('vault unlocked with the key file');
    expect(guardian.stderr()).toContain(join(credentials, 'vault-key'));
    expect((await vaultOf(guardian)).locked).toBe(false);
    await stopCleanly(guardian);

    const flagFirst = await start(
      ['--vault-key-file', keyFile],
      keyEnv({ GUARDIAN_VAULT_KEY_FILE: writeKey('env-wrong.key'), CREDENTIALS_DIRECTORY: credentials }),
    );
    expect((await vaultOf(flagFirst)).locked).toBe(false);
    await stopCleanly(flagFirst);
  });
});

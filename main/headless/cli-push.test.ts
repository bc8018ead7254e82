import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_OWNER } from '@shared/permissions';
import { createCore } from '@core/app';
import { silentLogger } from '@core/logging/logger';
import { configuredKeyFile } from '@core/vault/keyfile';
import { cleanUp, CLI_TEST_TIMEOUT_MS, runCli, tempDir } from './testing/guardian';
import { sshFleet, type SshFleet } from './testing/ssh-fleet';

/**
 * `guardian push` as a script runs it: the built CLI against two real sshd on 127.0.0.1 (both
 * this machine's filesystem, so the file is read back here): a local file with its mode, a vault
 * note to the server it is linked to (refused for the other), --json, and the usage errors.
 */

let fleet: SshFleet;
let dataDir: string;
let keyFile: string;
/** Where the files go. */
let dir: string;
const NOTE = `note-${randomBytes(6).toString('hex')}\n`;

beforeAll(async () => {
  fleet = await sshFleet('guardian-cli-push');
  ({ dataDir, keyFile } = fleet);
  dir = tempDir('guardian-cli-pushed-');
  const core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless', vaultKeyFile: configuredKeyFile(keyFile) });
  try {
    await core.vault.unlock({ kind: 'keyfile' });
    const made = await core.router.call(
      LOCAL_OWNER,
      'secrets.create',
      { name: 'App Env', value: { kind: 'note', text: NOTE }, serverIds: [fleet.ids['web-1']] },
      { origin: 'cli' },
    );
    if (!made.ok) throw new Error(made.error.message);
  } finally {
    await core.close();
  }
}, 300_000);

afterAll(async () => {
  await fleet?.dispose();
  await cleanUp();
});

const push = (...args: string[]) => runCli(['push', '--data-dir', dataDir, '--vault-key-file', keyFile, ...args]);

describe('guardian push', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('pushes a local file to every server selected with its mode, says so under each name, and exits 0', async () => {
    const local = join(dir, 'local.conf');
    const content = randomBytes(50_000);
    writeFileSync(local, content);
    const remote = join(dir, 'pushed.conf');
    const result = await push('--on', 'tag:web', '--mode', '600', local, remote);
    expect(result.code, result.stderr).toBe(0);
    const sha = createHash('sha256').update(content).digest('hex');
    expect(result.stdout).toContain(`web-1 | wrote 50,000 bytes to ${remote} (mode 0600), SHA-256 ${sha} checked on the host\n`);
    expect(result.stdout).toMatch(/^web-2\s+succeeded\s+-\s+\d+\.\d s$/m);
    expect(readFileSync(remote).equals(content)).toBe(true);
    expect(statSync(remote).mode & 0o7777).toBe(0o600);
  });

  it('pushes a vault note by name to the server it is linked to, refuses the other, exits 1, and prints --json events', async () => {
    const remote = join(dir, 'app.env');
    const result = await push('--on', 'tag:web', '--secret', 'app env', '--json', remote);
    expect(result.code, result.stderr).toBe(1);
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; file?: unknown; targets?: { serverName: string; state: string; message: string | null }[] });
    expect(events[0]).toMatchObject({ type: 'run', file: { path: remote, mode: '0644', size: null, sha256: null } });
    expect(events.at(-1)?.targets?.map((target) => `${target.serverName} ${target.state} ${target.message ?? ''}`)).toEqual([
      'web-1 succeeded ',
      'web-2 failed the vault refused the file for web-2: The secret "App Env" is not linked to the server "web-2".',
    ]);
    expect(readFileSync(remote, 'utf8')).toBe(NOTE);
    expect(result.stdout).not.toContain(NOTE.trim());
  });

  it('refuses the wrong number of paths, a missing note and a bad mode, in words', async () => {
    const one = await push('--on', 'tag:web', join(dir, 'x'));
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('guardian push needs LOCALFILE REMOTEPATH');
    const note = await push('--on', 'tag:web', '--secret', 'nope', join(dir, 'x'));
    expect(note.code).toBe(1);
    expect(note.stderr).toContain('There is no note "nope" in the vault.');
    const local = join(dir, 'local.conf');
    const mode = await push('--on', 'tag:web', '--mode', '0999', local, 'relative/x');
    expect(mode.code).toBe(1);
    expect(mode.stderr).toContain('An octal mode of 3 or 4 digits');
    expect(mode.stderr).toContain('An absolute path, starting with /');
  });
});

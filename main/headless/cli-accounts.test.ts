import { afterAll, describe, expect, it } from 'vitest';
import type { Me } from '@shared/api/auth';
import type { ApiKey, User } from '@shared/api/users';
import { createCore } from '@core/app';
import { silentLogger } from '@core/logging/logger';
import { startHttpServer } from './http/server';
import { cleanUp, CLI_TEST_TIMEOUT_MS, runCli, tempDir } from './testing/guardian';
import { onDataDir } from './testing/in-process';

afterAll(cleanUp);

/** The accounts saved in the data dir, read in this process (what `user list --json` prints). */
const savedUsers = (dataDir: string): Promise<User[]> => onDataDir(dataDir, async (call) => (await call('users.list', {})).items);

async function keysJson(dataDir: string): Promise<ApiKey[]> {
  const result = await runCli(['apikey', 'list', '--json', '--data-dir', dataDir]);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(result.stdout) as ApiKey[];
}

const addUser = (dataDir: string, username: string, role: string, password: string) =>
  runCli(['user', 'add', '--username', username, '--role', role, '--password-stdin', '--data-dir', dataDir], { stdin: `${password}\n` });

const state = (users: User[]) =>
  Object.fromEntries(users.map((u) => [u.username, { role: u.role, disabled: u.disabled, mustChangePassword: u.mustChangePassword }]));

// Each command is a fresh Node process (~1 s to start from source), so the tests run side by
// side, each on its own data dir.
describe.concurrent('guardian user and apikey', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('adds, lists, disables, enables and resets accounts; refuses to delete the last owner', async () => {
    const dataDir = tempDir();
    const alicePassword = 'alice first sentence 2024';
    const [alice, bob] = await Promise.all([addUser(dataDir, 'alice', 'owner', alicePassword), addUser(dataDir, 'bob', 'viewer', 'bob first sentence 2024')]);
    expect(alice).toMatchObject({ code: 0, stderr: '' });
    expect(alice.stdout).toBe('added alice (owner); the password must be changed at first sign-in\n');
    expect(bob).toMatchObject({ code: 0, stderr: '' });

    const listed = await runCli(['user', 'list', '--json', '--data-dir', dataDir]);
    expect(listed.stdout).not.toContain(alicePassword);
    expect(listed.stdout).not.toContain('$argon2');
    expect(state(JSON.parse(listed.stdout) as User[])).toEqual({
      alice: { role: 'owner', disabled: false, mustChangePassword: true },
      bob: { role: 'viewer', disabled: false, mustChangePassword: true },
    });

    expect(await runCli(['user', 'disable', 'bob', '--data-dir', dataDir])).toMatchObject({ code: 0, stdout: 'disabled bob\n' });
    expect(state(await savedUsers(dataDir)).bob).toMatchObject({ disabled: true });
    expect(await runCli(['user', 'enable', 'bob', '--data-dir', dataDir])).toMatchObject({ code: 0, stdout: 'enabled bob\n' });
    expect(state(await savedUsers(dataDir)).bob).toMatchObject({ disabled: false });

    const [lastOwner, reset] = await Promise.all([
      runCli(['user', 'delete', 'alice', '--data-dir', dataDir]),
      runCli(['user', 'reset-password', 'bob', '--password-stdin', '--data-dir', dataDir], { stdin: 'bob temporary sentence 99\n' }),
    ]);
    expect(lastOwner).toMatchObject({ code: 1, stdout: '' });
    expect(lastOwner.stderr).toMatch(/^error: That would delete the last owner\.$/m);
    expect(lastOwner.stderr).toMatch(/^hint: Make another account an owner first/m);
    expect(reset).toMatchObject({ code: 0, stdout: 'reset the password of bob; it must be changed at next sign-in\n' });
    expect(Object.keys(state(await savedUsers(dataDir)))).toEqual(['alice', 'bob']);

    // The passwords the CLI stored are the ones that sign in, over HTTP (served from this process:
    // the sign-in is what is proven here, not a serve start).
    const core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless' });
    const server = await startHttpServer({ core, host: '127.0.0.1', port: 0 });
    try {
      const signIn = async (username: string, password: string) => {
        const response = await fetch(new URL('api/v1/auth/login', server.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password }),
        });
        return { status: response.status, body: (await response.json()) as Me };
      };
      expect(await signIn('alice', alicePassword)).toMatchObject({ status: 200, body: { role: 'owner', mustChangePassword: true } });
      expect(await signIn('bob', 'bob temporary sentence 99')).toMatchObject({ status: 200, body: { role: 'viewer', mustChangePassword: true } });
      expect((await signIn('bob', 'bob first sentence 2024')).status).toBe(401);
    } finally {
      await server.close();
      await core.close();
    }
  });

  it.each([
    { what: 'too short', password: 'short pw', rule: 'at least 12 characters' },
    { what: 'common', password: 'qwerty123456', rule: 'commonly used passwords' },
  ])('refuses a $what password, naming the rule', async ({ password, rule }) => {
    const dataDir = tempDir();
    const result = await addUser(dataDir, 'carol', 'admin', password);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(new RegExp(`^error: .*${rule}`, 'm'));
    expect(result.stderr).toMatch(/^hint: \S/m);
    expect(await savedUsers(dataDir)).toEqual([]);
  });

  it('creates a key printing one line of JSON, lists keys without tokens, and revokes', async () => {
    const dataDir = tempDir();
    const created = await runCli(['apikey', 'create', '--name', 'ci', '--role', 'admin', '--json', '--data-dir', dataDir]);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toMatch(/^[^\n]+\n$/);
    const printed = JSON.parse(created.stdout) as Record<string, unknown>;
    expect(Object.keys(printed)).toEqual(['id', 'token']);
    const { id, token } = printed as { id: string; token: string };
    expect(token).toMatch(/^gdn_[A-Za-z0-9_-]{20,}$/);

    const [table, json] = await Promise.all([runCli(['apikey', 'list', '--data-dir', dataDir]), keysJson(dataDir)]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^${id}\\s+ci\\s+gdn_\\S+…\\s+admin\\s+system\\s+-\\s+-\\s+active$`, 'm'));
    expect(table.stdout).not.toContain(token);
    expect(JSON.stringify(json)).not.toContain(token);
    expect(json).toEqual([expect.objectContaining({ id, name: 'ci', role: 'admin', owner: null, revokedAt: null })]);
    expect(token.startsWith(json[0]?.prefix ?? '-')).toBe(true);

    const revoked = await runCli(['apikey', 'revoke', id, '--data-dir', dataDir]);
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked ci (${id})\n` });
    expect(await onDataDir(dataDir, async (call) => (await call('apikeys.list', {})).items)).toEqual([
      expect.objectContaining({ id, revokedAt: expect.any(Number) }),
    ]);
    const table2 = await runCli(['apikey', 'list', '--data-dir', dataDir]);
    expect(table2.stdout).toMatch(new RegExp(`^${id}\\s.*\\srevoked$`, 'm'));
  });
});

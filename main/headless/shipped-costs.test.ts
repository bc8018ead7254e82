import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ARGON2 } from '@core/auth/passwords';
import { DEFAULT_SCRYPT } from '@core/vault/crypto';
import { cleanUp, CLI_TEST_TIMEOUT_MS, runCli, startGuardian, tempDir } from './testing/guardian';

// Tests in process hash passwords and derive vault keys at a cheap cost (CHEAP_COSTS in
// main/core/testing/harness.ts). The built CLI, which is what ships, has no way to be given
// another cost: here it stores what it makes at the product's own.

afterAll(cleanUp);

function readDb<T>(dataDir: string, sql: string): T {
  const db = new Database(join(dataDir, 'guardian.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).pluck().get() as T;
  } finally {
    db.close();
  }
}

describe('the built guardian', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('hashes account passwords with argon2id at OWASP’s cost (19 MiB, 2 passes)', async () => {
    const dataDir = tempDir();
    const added = await runCli(['user', 'add', '--username', 'olivia', '--role', 'owner', '--password-stdin', '--data-dir', dataDir], {
      stdin: 'violet tulips at dawn\n',
    });
    expect(added.code, added.stderr).toBe(0);
    const stored = readDb<string>(dataDir, "SELECT password_hash FROM users WHERE username = 'olivia'");
    const { memoryCost, timeCost, parallelism } = DEFAULT_ARGON2;
    expect(stored).toMatch(new RegExp(`^\\$argon2id\\$v=19\\$m=${memoryCost},t=${timeCost},p=${parallelism}\\$`));
    expect(DEFAULT_ARGON2).toEqual({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  });

  it('derives a vault passphrase’s key with scrypt at N 2^17, r 8, p 1 (128 MiB)', async () => {
    const guardian = await startGuardian();
    const made = await guardian.request('POST', 'api/v1/vault/init', { slot: { kind: 'passphrase', passphrase: 'a long vault passphrase for the test' } });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const params = JSON.parse(readDb<string>(guardian.dataDir, "SELECT params FROM vault_slots WHERE kind = 'passphrase'")) as Record<string, unknown>;
    expect(params).toMatchObject(DEFAULT_SCRYPT);
    expect(DEFAULT_SCRYPT).toEqual({ N: 2 ** 17, r: 8, p: 1 });
  });
});

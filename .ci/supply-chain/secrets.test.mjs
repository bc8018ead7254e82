// The secret scan finds a planted key with the repository's own configuration, and the ignore
// list accepts only test files with a reason.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { checkIgnoreList } from './secrets.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const scanner = fileURLToPath(new URL('secrets.mjs', import.meta.url));

/**
 * A secret access key of AWS's shape (40 characters), made here so none sits in the repository.
 * Letters and digits only: secretlint's AWS rule misses a key that ends in '/', and the test
 * failed about once in thirty runs.
 */
function fakeSecretAccessKey() {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(40)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

describe('secret scan', () => {
  // secretlint reads only files under its working directory: .tmp/ is inside and ignored by git.
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(root, '.tmp', 'secrets-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('fails on an AWS secret key planted in a file, without printing the key', () => {
    const key = fakeSecretAccessKey();
    const file = join(dir, 'deploy.sh');
    writeFileSync(file, `#!/bin/sh\nexport AWS_SECRET_ACCESS_KEY=${key}\naws s3 ls\n`);
    const scan = spawnSync(process.execPath, [scanner, file], { cwd: root, encoding: 'utf8' });
    assert.equal(scan.status, 1, scan.stdout + scan.stderr);
    assert.match(scan.stdout, /AWS/);
    assert.ok(!(scan.stdout + scan.stderr).includes(key), 'the key is masked in the output');
  });

  it('passes the same file without the key', () => {
    const file = join(dir, 'clean.sh');
    writeFileSync(file, '#!/bin/sh\naws s3 ls\n');
    const scan = spawnSync(process.execPath, [scanner, file], { cwd: root, encoding: 'utf8' });
    assert.equal(scan.status, 0, scan.stdout + scan.stderr);
  });

  it('accepts only existing test files, each with a reason, in .secretlintignore', () => {
    const list = [
      '# a reason',
      'main/core/audit/redact.test.ts',
      '',
      'main/desktop/window.test.ts',
      '',
      '# a reason, but not a test',
      'main/core/vault/crypto.ts',
      '# a reason, but gone',
      'main/gone.test.ts',
    ].join('\n');
    assert.deepEqual(checkIgnoreList(list, root), [
      'main/desktop/window.test.ts: no comment above it says why',
      'main/core/vault/crypto.ts: only test files may be ignored',
      'main/gone.test.ts: no such file; remove the entry',
    ]);
  });
});

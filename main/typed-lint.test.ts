import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The main process is linted with its types for promises (.oxlintrc.json, run by `npm run lint`):
 * a method that became async, still called as a statement, compiles and does nothing, and an
 * unawaited permission check lets everything through. These cases prove the rules bite, on a copy
 * of the repository's lint config in a folder of its own (a probe never lands in the source tree).
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
let folder = '';

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'guardian-typed-lint-'));
  copyFileSync(join(root, '.oxlintrc.json'), join(folder, '.oxlintrc.json'));
  writeFileSync(
    join(folder, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, target: 'ES2023', module: 'ESNext', moduleResolution: 'Bundler' }, include: ['main'] }),
  );
  mkdirSync(join(folder, 'main'));
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** The typed rules oxlint reports for `code` as the file `path` of the probe folder, and its exit code. */
async function lint(path: string, code: string): Promise<{ rules: string[]; code: number }> {
  writeFileSync(join(folder, path), code);
  const options = { cwd: folder, env: { ...process.env, OXLINT_TSGOLINT_PATH: join(root, 'node_modules', '.bin', 'tsgolint') } };
  const args = ['--type-aware', '--deny-warnings', '--format', 'json', path];
  const result = await run(join(root, 'node_modules', '.bin', 'oxlint'), args, options).then(
    ({ stdout }) => ({ stdout, code: 0 }),
    (error: { stdout: string; code: number }) => ({ stdout: error.stdout, code: error.code }),
  );
  const report = JSON.parse(result.stdout) as { diagnostics: { code: string }[] };
  return { rules: report.diagnostics.map((diagnostic) => diagnostic.code).sort(), code: result.code };
}

const ASYNC = 'async function later(): Promise<number> {\n  return 1;\n}\n';

describe('the typed lint of main/', () => {
  it('refuses a promise left floating, an async callback where a void one is expected, and an await of a plain value', async () => {
    const code = `${ASYNC}export function floating(on: (callback: () => void) => void): void {\n  later();\n  on(async () => {\n    await later();\n  });\n}\nexport async function plain(): Promise<number> {\n  return await 3;\n}\n`;
    const found = await lint('main/probe.ts', code);
    expect(found.code).not.toBe(0);
    expect(found.rules).toEqual(['typescript(await-thenable)', 'typescript(no-floating-promises)', 'typescript(no-misused-promises)']);
  });

  it('passes the same code with every promise awaited or handed on', async () => {
    const code = `${ASYNC}export async function awaited(on: (callback: () => Promise<void>) => void): Promise<number> {\n  on(async () => {\n    await later();\n  });\n  return await later();\n}\n`;
    expect(await lint('main/clean.ts', code)).toEqual({ rules: [], code: 0 });
  });
});

import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '@shared/api/errors';
import { packageRoot } from '@core/paths';
import { SERVE_HEAP_GROWTH_PERCENT } from './heap';
import { CONFIG_FILE_NAME, loadServeConfig, resolveServeOptions, type ServeFlags } from './serve-config';
import { cleanUp, CLI_TEST_TIMEOUT_MS, runCli, startGuardian, tempDir } from './testing/guardian';

/**
 * guardian serve's configuration file (README "guardian serve", docs/storage.md): every setting a
 * flag, else its environment variable, else the file, else its default; a file that cannot be used
 * refused whole, with CONFIG_INVALID and exit code 78, naming the place and never a secret in it.
 */

afterAll(cleanUp);

// Built at run time, so that no connection string with a password sits in the source.
const PASSWORD = 'canary-config-password-51c9e2';
const urlWithPassword = () => ['postgres://guardian', `:${PASSWORD}@db.example.net:5432/guardian`].join('');

function writeConfig(dir: string, content: unknown, name = 'guardian.json'): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2), { mode: 0o600 });
  return file;
}

function refusal(file: string, options: { named?: boolean; foundInDataDir?: string } = {}): AppError {
  try {
    loadServeConfig(file, options.named ?? true, { env: {}, ...(options.foundInDataDir ? { foundInDataDir: options.foundInDataDir } : {}) });
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`${file} was accepted`);
}

function expectRefused(error: AppError, message: RegExp): void {
  expect(error.code).toBe('CONFIG_INVALID');
  expect(error.message).toMatch(message);
  expect(error.message).not.toContain('\n');
  expect(error.hint.trim()).not.toBe('');
}

/** What commander parsed for `guardian serve` with nothing given: every option at its default. */
function defaults(dataDir: string): ServeFlags {
  return { dataDir, host: '127.0.0.1', port: 7420, ui: false, logLevel: 'info', allowInsecureHttp: false };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('reading the configuration file', () => {
  it('takes every setting, with paths and a sqlite: file from the file’s own folder', () => {
    const dir = tempDir();
    const file = writeConfig(dir, {
      dataDir: 'data',
      host: '0.0.0.0',
      port: 8443,
      ui: true,
      logLevel: 'warn',
      tlsCert: 'tls/cert.pem',
      tlsKey: '/etc/guardian/tls/key.pem',
      allowInsecureHttp: false,
      trustProxy: ['10.0.0.1', '10.1.0.0/16', '::1', 'loopback'],
      publicName: ['guardian.example.net'],
      vaultKeyFile: 'vault.key',
      database: 'sqlite:db/guardian.db',
    });
    expect(loadServeConfig(file, true, { env: {} })).toEqual({
      file,
      settings: {
        dataDir: join(dir, 'data'),
        host: '0.0.0.0',
        port: 8443,
        ui: true,
        logLevel: 'warn',
        tlsCert: join(dir, 'tls/cert.pem'),
        tlsKey: '/etc/guardian/tls/key.pem',
        allowInsecureHttp: false,
        trustProxy: ['10.0.0.1', '10.1.0.0/16', '::1', 'loopback'],
        publicName: ['guardian.example.net'],
        vaultKeyFile: join(dir, 'vault.key'),
        database: `sqlite:${join(dir, 'db/guardian.db')}`,
      },
    });
  });

  it('accepts the examples in deploy/ and the README as they are written', () => {
    expect(loadServeConfig(join(packageRoot, 'deploy', 'guardian.json'), true, { env: {} })?.settings).toMatchObject({
      dataDir: '/var/lib/guardian',
      host: '127.0.0.1',
      port: 7420,
    });
    const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## `guardian serve`'));
    const example = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toBeDefined();
    const file = writeConfig(tempDir(), example ?? '');
    expect(loadServeConfig(file, true, { env: {} })?.settings).toMatchObject({ port: 8443, database: expect.stringMatching(/^postgres:\/\//) as string });
  });

  it('takes a postgres:// URL without a password as it is', () => {
    const url = 'postgres://guardian@db.example.net:5432/guardian?sslmode=require';
    expect(loadServeConfig(writeConfig(tempDir(), { database: url }), true, { env: {} })?.settings).toEqual({ database: url });
  });

  it('is optional in the data folder, required when named', () => {
    const dir = tempDir();
    expect(loadServeConfig(join(dir, CONFIG_FILE_NAME), false, { env: {}, foundInDataDir: dir })).toBeNull();
    expectRefused(refusal(join(dir, 'missing.json')), /missing\.json: there is no such file\.$/);
    expectRefused(refusal(dir), /: this is not a file\.$/);
  });

  it('names the line and column where the file stops being JSON', () => {
    const dir = tempDir();
    const cases: [string, RegExp][] = [
      ['{\n  "port": 7420,\n  "ui": true,\n}\n', /line 4, column 1: not valid JSON: a setting name in double quotes was expected/],
      ['{\n  "port": 7420\n  "ui": true\n}\n', /line 3, column 3: not valid JSON: "," was expected between two settings\.$/],
      ['{\n  // the port\n  "port": 7420\n}\n', /line 2, column 3: not valid JSON: comments are not JSON\.$/],
      ["{ 'port': 7420 }", /line 1, column 3: not valid JSON: a character JSON does not allow here\.$/],
      ['{"port": 7420} {}', /line 1, column 16: not valid JSON: there is more after the end of the JSON object\.$/],
    ];
    for (const [content, message] of cases) {
      const error = refusal(writeConfig(dir, content));
      expectRefused(error, message);
      expect(error.hint).toMatch(/double quotes/);
    }
    expectRefused(refusal(writeConfig(dir, '  \n')), /: the file is empty\.$/);
    expectRefused(refusal(writeConfig(dir, '[{"port": 7420}]')), /line 1, column 1: the file holds a list, not a JSON object of settings\.$/);
  });

  it('refuses a setting it does not know, naming it and the one meant', () => {
    const dir = tempDir();
    const unknown = refusal(writeConfig(dir, { port: 7420, 'tls-cert': '/etc/cert.pem' }));
    expectRefused(unknown, /line 3, column 3: "tls-cert" is not a setting of guardian serve\.$/);
    expect(unknown.hint).toMatch(/^Did you mean "tlsCert" \(--tls-cert\)\? The settings are dataDir, host, port/);
    expect(unknown.issues).toEqual([{ path: ['tls-cert'], message: '"tls-cert" is not a setting of guardian serve.' }]);

    const typo = refusal(writeConfig(dir, { prot: 7420 }));
    expectRefused(typo, /"prot" is not a setting of guardian serve\.$/);
    expect(typo.hint).toMatch(/^Did you mean "port" \(--port\)\?/);

    const pasted = refusal(writeConfig(dir, { [urlWithPassword()]: true }));
    expectRefused(pasted, /line 2, column 3: a name that looks like a URL is not a setting of guardian serve\.$/);
    expect(JSON.stringify(pasted.toShape('c'))).not.toContain(PASSWORD);

    const stranger = refusal(writeConfig(dir, { config: 'other.json' }));
    expectRefused(stranger, /"config" is not a setting of guardian serve\.$/);
    expect(stranger.hint).toMatch(/^The settings are /);
  });

  it('refuses a value of the wrong type, naming the setting and what it must be', () => {
    const dir = tempDir();
    const cases: [unknown, RegExp][] = [
      [{ port: '7420' }, /"port" must be a whole number from 0 to 65535, not a string\.$/],
      [{ port: 70000 }, /"port" must be a whole number from 0 to 65535, not the number 70000\.$/],
      [{ port: 80.5 }, /"port" must be a whole number from 0 to 65535, not a fraction\.$/],
      [{ ui: 'yes' }, /"ui" must be true or false, not a string\.$/],
      [{ allowInsecureHttp: 1 }, /"allowInsecureHttp" must be true or false, not the number 1\.$/],
      [{ host: '' }, /"host" must be the address to listen on \(a string such as "127\.0\.0\.1"\), not an empty string\.$/],
      [{ logLevel: 'verbose' }, /"logLevel" must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent", not "verbose"\.$/],
      [{ tlsCert: ['/etc/cert.pem'] }, /"tlsCert" must be a file path \(a string\), not a list\.$/],
      [{ trustProxy: '10.0.0.1' }, /"trustProxy" must be a list of proxy addresses or CIDRs, such as \["10\.0\.0\.1", "10\.1\.0\.0\/16"\], not a string\.$/],
      [{ trustProxy: ['10.0.0.1', '10.0.0.0/33'] }, /"trustProxy" item 2 must be an IP address, a CIDR .*, not "10\.0\.0\.0\/33"\.$/],
      [{ publicName: ['https://guardian.example.net'] }, /"publicName" item 1 must be a host name or an IP address \(no scheme, port or path\), not "https:/],
      [{ database: null }, /"database" must be a string: sqlite:<path> or postgres:\/\/.*, not null\.$/],
    ];
    for (const [content, message] of cases) {
      const error = refusal(writeConfig(dir, content));
      expectRefused(error, message);
      expect(error.message).toMatch(/guardian\.json line 2, column 3: /);
      expect(error.issues?.[0]?.path[0]).toBe(Object.keys(content as object)[0]);
    }
    expect(refusal(writeConfig(dir, { port: '7420' })).hint).toBe('Write numbers and true/false without quotes, and lists in [ ].');
  });

  it('names the first problem and counts the others', () => {
    const error = refusal(writeConfig(tempDir(), { port: 'x', ui: 'y', colour: 'z' }));
    expectRefused(error, /line 2, column 3: "port" must be .* \(and 2 more problems\)$/);
    expect(error.issues?.map((issue) => issue.path[0])).toEqual(['port', 'ui', 'colour']);
  });

  it('refuses a setting given twice', () => {
    expectRefused(refusal(writeConfig(tempDir(), '{\n  "port": 7420,\n  "port": 7421\n}')), /line 3, column 3: "port" is set twice\.$/);
  });

  it.each([
    ['in its user part', urlWithPassword],
    ['in its query', () => `postgres://guardian@db.example.net:5432/guardian?sslmode=verify-full&password=${PASSWORD}`],
  ])('refuses a password in the database URL %s whatever the file’s mode, and never repeats it', (_where, url) => {
    const file = writeConfig(tempDir(), { port: 7420, database: url() });
    chmodSync(file, 0o400);
    const error = refusal(file);
    expectRefused(
      error,
      /line 3, column 3: "database": The database URL in the configuration file holds a password, and Guardian refuses one there whatever the file’s mode\.$/,
    );
    expect(error.hint).toMatch(/\$CREDENTIALS_DIRECTORY\/database-password .*\(PGPASSFILE, mode 0600\)/);
    expect(JSON.stringify({ ...error.toShape('c'), cause: String(error.cause) })).not.toContain(PASSWORD);
  });

  it('refuses a file every user may change', () => {
    const file = writeConfig(tempDir(), { port: 7420 });
    chmodSync(file, 0o666);
    const error = refusal(file);
    expectRefused(error, /: every user of this machine may change this file/);
    expect(error.hint).toBe(`Run chmod o-w ${file} (and keep it owned by root or Guardian’s user).`);
  });

  it('refuses a data folder’s file that moves the data folder elsewhere', () => {
    const dataDir = tempDir();
    const file = writeConfig(dataDir, { dataDir: '/var/lib/elsewhere' });
    expectRefused(refusal(file, { named: false, foundInDataDir: dataDir }), /"dataDir" names another folder than the one this file was found in\.$/);
    expect(loadServeConfig(writeConfig(dataDir, { dataDir: '.' }), false, { env: {}, foundInDataDir: dataDir })?.settings).toEqual({ dataDir });
  });
});

describe('choosing each setting', () => {
  const sourcesOf = (given: Record<string, string>) => (option: string) => given[option] ?? 'default';

  it('takes a flag over an environment variable over the file over the default, and says which', () => {
    const dir = tempDir();
    const file = writeConfig(dir, {
      port: 8000,
      host: '::1',
      database: 'sqlite:file.db',
      publicName: ['file.example.net'],
      vaultKeyFile: 'file.key',
      ui: true,
    });
    const flags: ServeFlags = {
      ...defaults(tempDir()),
      config: file,
      port: 9000,
      database: 'sqlite:/srv/env.db',
      publicName: ['env.example.net'],
      vaultKeyFile: '/srv/flag.key',
    };
    const options = resolveServeOptions(flags, sourcesOf({ config: 'cli', port: 'cli', database: 'env', publicName: 'env', vaultKeyFile: 'cli' }), {
      cwd: dir,
      env: {},
    });
    expect(options).toMatchObject({
      port: 9000,
      host: '::1',
      ui: true,
      database: 'sqlite:/srv/env.db',
      databaseSource: 'environment',
      publicName: ['env.example.net'],
      vaultKeyFile: '/srv/flag.key',
      logLevel: 'info',
      configFile: file,
    });
    expect(options.sources).toMatchObject({
      port: 'flag',
      host: 'config file',
      ui: 'config file',
      database: 'environment',
      publicName: 'environment',
      vaultKeyFile: 'flag',
      logLevel: 'default',
      tlsCert: 'default',
    });
    expect(options).not.toHaveProperty('config');

    const fromFile = resolveServeOptions({ ...defaults(tempDir()), config: file }, sourcesOf({ config: 'env' }), { cwd: dir, env: {} });
    expect(fromFile).toMatchObject({
      port: 8000,
      database: `sqlite:${join(dir, 'file.db')}`,
      databaseSource: 'config file',
      vaultKeyFile: join(dir, 'file.key'),
    });
  });

  it('takes an empty environment variable as not set', () => {
    const dir = tempDir();
    const file = writeConfig(dir, { database: 'sqlite:file.db' });
    const options = resolveServeOptions({ ...defaults(tempDir()), config: file, database: '' }, sourcesOf({ config: 'cli', database: 'env' }), {
      cwd: dir,
      env: {},
    });
    expect(options).toMatchObject({ database: `sqlite:${join(dir, 'file.db')}`, databaseSource: 'config file' });
  });

  it('reads the data folder’s guardian.json when no file is named, and none when there is none', () => {
    const dataDir = tempDir();
    expect(resolveServeOptions(defaults(dataDir), sourcesOf({}), { cwd: '/', env: {} })).toMatchObject({ port: 7420, configFile: null });
    writeConfig(dataDir, { port: 7777 });
    expect(resolveServeOptions(defaults(dataDir), sourcesOf({ dataDir: 'cli' }), { cwd: '/', env: {} })).toMatchObject({
      port: 7777,
      configFile: join(dataDir, CONFIG_FILE_NAME),
      sources: { port: 'config file', dataDir: 'flag' },
    });
  });
});

// The built CLI, as a service manager runs it.
describe.concurrent('guardian serve with a configuration file', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('listens on the port the data folder’s guardian.json names, on the database it names, and logs where each setting came from', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    writeConfig(dataDir, { port, database: 'sqlite:from-file.db', logLevel: 'info' });
    const guardian = await startGuardian({ dataDir, port: null, apiKey: false });
    try {
      expect(guardian.url).toBe(`http://127.0.0.1:${port}/`);
      expect((await guardian.request('GET', 'healthz')).status).toBe(200);
      expect(existsSync(join(dataDir, 'from-file.db'))).toBe(true);
      expect(existsSync(join(dataDir, 'guardian.db'))).toBe(false);
      const line = guardian
        .stderr()
        .split('\n')
        .find((entry) => entry.includes('"msg":"settings read"'));
      expect(JSON.parse(line ?? '{}')).toMatchObject({
        configFile: join(dataDir, CONFIG_FILE_NAME),
        sources: { port: 'config file', database: 'config file', dataDir: 'flag', host: 'default' },
      });
      // A long-running serve keeps its heap lean (heap.ts).
      expect(guardian.stderr()).toContain(`"heapGrowthPercent":${SERVE_HEAP_GROWTH_PERCENT}`);
    } finally {
      expect(await guardian.stop()).toEqual({ code: 0, signal: null });
    }
  });

  it('takes --port over the file, GUARDIAN_DATABASE_URL over the file, and --database over GUARDIAN_DATABASE_URL', async () => {
    const dir = tempDir();
    const dataDir = tempDir();
    const port = await freePort();
    const file = writeConfig(dir, { port, dataDir, database: 'sqlite:from-file.db' });
    const env = { GUARDIAN_CONFIG: file, GUARDIAN_DATABASE_URL: `sqlite:${join(dir, 'from-env.db')}` };

    const first = await startGuardian({ dataDir, apiKey: false, env });
    try {
      expect(first.url).not.toBe(`http://127.0.0.1:${port}/`);
      expect(existsSync(join(dir, 'from-env.db'))).toBe(true);
      expect(existsSync(join(dir, 'from-file.db'))).toBe(false);
    } finally {
      expect(await first.stop()).toEqual({ code: 0, signal: null });
    }

    const second = await startGuardian({ dataDir, apiKey: false, env, args: ['--database', `sqlite:${join(dir, 'from-flag.db')}`] });
    try {
      expect(existsSync(join(dir, 'from-flag.db'))).toBe(true);
      expect(existsSync(join(dir, 'from-file.db'))).toBe(false);
      expect(second.stderr()).toMatch(/"sources":\{[^}]*"port":"flag"[^}]*"database":"flag"/);
    } finally {
      expect(await second.stop()).toEqual({ code: 0, signal: null });
    }
  });

  it('refuses to start on a file that is not JSON with exit code 78 and one line naming the place, writing nothing', async () => {
    const dataDir = tempDir();
    const file = writeConfig(dataDir, '{\n  "port": 7420\n  "ui": true\n}\n');
    const result = await runCli(['serve', '--data-dir', dataDir]);
    expect(result.code).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `error: ${file} line 3, column 3: not valid JSON: "," was expected between two settings.\nhint: Write one JSON object such as {"port": 7420}: names and strings in double quotes, numbers and true/false without, no comments, no comma after the last item.\n`,
    );
    expect(readdirSync(dataDir)).toEqual([CONFIG_FILE_NAME]);
  });

  it('refuses a password in the file’s database URL without ever printing or logging it', async () => {
    const dataDir = tempDir();
    const dir = tempDir();
    mkdirSync(join(dir, 'etc'));
    const file = writeConfig(join(dir, 'etc'), { dataDir, database: urlWithPassword() }, 'serve.json');
    const result = await runCli(['serve', '--config', file]);
    expect(result.code).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: .*serve\.json line 3, column 3: "database": The database URL in the configuration file holds a password/);
    expect(result.stderr).toMatch(/^hint: Remove it from the URL and keep it in \$CREDENTIALS_DIRECTORY\/database-password/m);
    expect(result.stderr.split('\n')).toHaveLength(3);
    expect(result.stderr).not.toContain(PASSWORD);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('refuses a file named by --config that is not there', async () => {
    const result = await runCli(['serve', '--data-dir', tempDir(), '--config', '/nonexistent/guardian.json']);
    expect(result).toMatchObject({ code: 78, stdout: '' });
    expect(result.stderr).toBe('error: /nonexistent/guardian.json: there is no such file.\nhint: Check the path given to --config or GUARDIAN_CONFIG.\n');
  });
});

// The built CLI: `guardian servers …`, `db check` beside a serve that has a configuration file.
describe.concurrent('the other commands beside a configured serve', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('work on the database the data folder’s guardian.json names, unless GUARDIAN_DATABASE_URL names another', async () => {
    const dataDir = tempDir();
    writeConfig(dataDir, { port: 7421, database: 'sqlite:configured.db' });
    const added = await runCli(['servers', 'add', '--data-dir', dataDir, '--name', 'web-1', '--host', 'web1.example.com']);
    expect(added.code).toBe(0);
    expect(existsSync(join(dataDir, 'configured.db'))).toBe(true);
    expect(existsSync(join(dataDir, 'guardian.db'))).toBe(false);

    const check = await runCli(['db', 'check', '--data-dir', dataDir, '--json']);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ engine: 'sqlite', database: `sqlite:${join(dataDir, 'configured.db')}` });

    const other = await runCli(['servers', 'list', '--data-dir', dataDir, '--json'], { env: { GUARDIAN_DATABASE_URL: `sqlite:${join(dataDir, 'other.db')}` } });
    expect(other).toMatchObject({ code: 0, stdout: '[]\n' });
  });

  it('take the data folder from the file GUARDIAN_CONFIG names, unless --data-dir names one', async () => {
    const dataDir = tempDir();
    const otherDir = tempDir();
    // Where the per-user default would be: nothing may land there.
    const home = tempDir();
    const env = { GUARDIAN_CONFIG: writeConfig(tempDir(), { dataDir }, 'serve.json'), XDG_DATA_HOME: home };
    expect((await runCli(['servers', 'add', '--name', 'web-1', '--host', 'web1.example.com'], { env })).code).toBe(0);
    expect(existsSync(join(dataDir, 'guardian.db'))).toBe(true);
    expect(readdirSync(home)).toEqual([]);

    const listed = await runCli(['servers', 'list', '--json', '--data-dir', otherDir], { env });
    expect(listed).toMatchObject({ code: 0, stdout: '[]\n' });
    expect(existsSync(join(otherDir, 'guardian.db'))).toBe(true);
  });

  it('refuse to run on a file that cannot be used, with exit code 78', async () => {
    const dataDir = tempDir();
    const file = writeConfig(dataDir, { port: 'x' });
    const result = await runCli(['servers', 'list', '--data-dir', dataDir]);
    expect(result).toMatchObject({ code: 78, stdout: '' });
    expect(result.stderr).toBe(
      `error: ${file} line 2, column 3: "port" must be a whole number from 0 to 65535, not a string.\nhint: Write numbers and true/false without quotes, and lists in [ ].\n`,
    );
  });
});

import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { Check } from '@shared/api/checks';
import type { FleetOverview } from '@shared/api/health';
import { formatDuration, parseDuration } from './cli-health';
import { cleanUp, CLI_TEST_TIMEOUT_MS, runCli, tempDir } from './testing/guardian';
import { onDataDir } from './testing/in-process';

const listening: { close(): void }[] = [];
afterAll(async () => {
  for (const server of listening) server.close();
  await cleanUp();
});

async function listen<T extends NetServer>(server: T): Promise<number> {
  listening.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on: one the system just handed out, closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function checksJson(dataDir: string, ...args: string[]): Promise<Check[]> {
  const result = await runCli(['check', 'list', '--json', '--data-dir', dataDir, ...args]);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(result.stdout) as Check[];
}

/**
 * A server with no check of its own, as `guardian servers add --no-check` adds it (cli.test.ts runs
 * that command), made in this process: each test adds the checks it is about.
 */
async function addServer(dataDir: string, server: { name: string; host: string; port?: number; environment?: string; tags?: string[] }): Promise<void> {
  await onDataDir(dataDir, (call) => call('servers.create', { ...server, monitor: false }));
}

/** The checks saved in the data dir, read in this process (what `check list --json` prints). */
const savedChecks = (dataDir: string) => onDataDir(dataDir, async (call) => (await call('checks.list', {})).items);

describe('durations', () => {
  it.each([
    ['10s', 10_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1500', 1_500],
    ['250ms', 250],
    ['1.5s', 1_500],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5x', 's', '-5s', '1 h', '10sec'])('refuses %j, saying what a duration looks like', (text) => {
    expect(() => parseDuration(text)).toThrow(/10s, 5m, 1h, 1d/);
  });

  it.each([
    [30_000, '30s'],
    [90_000, '90s'],
    [300_000, '5m'],
    [3_600_000, '1h'],
    [86_400_000, '1d'],
    [1_500, '1500ms'],
  ])('writes %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

// Each command is a fresh Node process (~1.5 s to start from source), so the tests run side by
// side, each on its own data dir.
describe.concurrent('guardian check and status', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('adds checks that list shows; pause and resume change the state list shows', async () => {
    const dataDir = tempDir();
    await addServer(dataDir, { name: 'web-1', host: '127.0.0.1', port: 2222 });
    const [tcp, ssh] = await Promise.all([
      runCli(['check', 'add', 'web-1', '--type', 'tcp', '--port', '8080', '--interval', '30s', '--name', 'app port', '--data-dir', dataDir]),
      runCli(['check', 'add', 'web-1', '--type', 'ssh', '--interval', '5m', '--retries', '2', '--confirm-after', '3', '--json', '--data-dir', dataDir]),
    ]);
    expect(tcp).toMatchObject({ code: 0, stderr: '' });
    const appPort = /^added app port to web-1 \(([0-9a-f-]{36})\)\n$/.exec(tcp.stdout)?.[1];
    expect(appPort, tcp.stdout).toBeDefined();
    expect(ssh).toMatchObject({ code: 0, stderr: '' });
    // The host and SSH port come from the server when not given.
    expect(JSON.parse(ssh.stdout)).toMatchObject({
      type: 'ssh',
      config: { host: '127.0.0.1', port: 2222 },
      intervalMs: 300_000,
      retries: 2,
      confirmAfter: 3,
      state: 'unknown',
    });

    const table = await runCli(['check', 'list', '--data-dir', dataDir]);
    expect(table).toMatchObject({ code: 0, stderr: '' });
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+SERVER\s+NAME\s+TYPE\s+TARGET\s+INTERVAL\s+STATE\s+LAST RESULT\s+LATENCY$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^[0-9a-f-]{36}\s+web-1\s+app port\s+tcp\s+127\.0\.0\.1:8080\s+30s\s+unknown\s+-\s+-$/),
      expect.stringMatching(/^[0-9a-f-]{36}\s+web-1\s+SSH 127\.0\.0\.1:2222\s+ssh\s+127\.0\.0\.1:2222\s+5m\s+unknown\s+-\s+-$/),
    ]);

    const paused = await runCli(['check', 'pause', appPort ?? '', '--data-dir', dataDir]);
    expect(paused).toMatchObject({ code: 0, stdout: 'paused 1 check\n' });
    const states = async () => Object.fromEntries((await checksJson(dataDir, '--server', 'web-1')).map((check) => [check.name, check.state]));
    expect(await states()).toEqual({ 'app port': 'paused', 'SSH 127.0.0.1:2222': 'unknown' });

    expect(await runCli(['check', 'pause', '--server', 'web-1', '--data-dir', dataDir])).toMatchObject({ code: 0, stdout: 'paused 1 check\n' });
    expect(await states()).toEqual({ 'app port': 'paused', 'SSH 127.0.0.1:2222': 'paused' });
    const pausedTable = await runCli(['check', 'list', '--server', 'web-1', '--data-dir', dataDir]);
    expect(pausedTable.stdout).toMatch(/\s30s\s+paused\s/);

    expect(await runCli(['check', 'resume', '--server', 'web-1', '--data-dir', dataDir])).toMatchObject({ code: 0, stdout: 'resumed 2 checks\n' });
    expect(await states()).toEqual({ 'app port': 'unknown', 'SSH 127.0.0.1:2222': 'unknown' });
    expect(await runCli(['check', 'resume', '--server', 'web-1', '--data-dir', dataDir])).toMatchObject({ code: 0, stdout: 'nothing to resume: not paused\n' });

    const neither = await runCli(['check', 'pause', '--data-dir', dataDir]);
    expect(neither).toMatchObject({ code: 1, stdout: '' });
    expect(neither.stderr).toMatch(/^error: Name a check id or --server/m);
  });

  it('tests a check without saving it: exit 0 up, 3 degraded, 4 down', async () => {
    const dataDir = tempDir();
    const open = await listen(createServer((socket) => socket.end()));
    const slow = await listen(createHttpServer((_request, response) => void setTimeout(() => response.end('ok'), 300)));
    const closed = await closedPort();
    const [up, degraded, down, asJson] = await Promise.all([
      runCli(['check', 'test', '--type', 'tcp', '--host', '127.0.0.1', '--port', String(open), '--data-dir', dataDir]),
      runCli(['check', 'test', '--type', 'http', '--url', `http://127.0.0.1:${slow}/`, '--config', '{"degradedAboveMs": 50}', '--data-dir', dataDir]),
      runCli(['check', 'test', '--type', 'tcp', '--host', '127.0.0.1', '--port', String(closed), '--timeout', '2s', '--data-dir', dataDir]),
      runCli(['check', 'test', '--type', 'tcp', '--config', `{"host": "127.0.0.1", "port": ${closed}}`, '--json', '--data-dir', dataDir]),
    ]);
    expect(up).toMatchObject({ code: 0, stderr: '' });
    expect(up.stdout).toMatch(/^status: {2}up\nlatency: \d+ ms\nmessage: connected to 127\.0\.0\.1:\d+/);
    expect(degraded).toMatchObject({ code: 3, stderr: '' });
    expect(degraded.stdout).toMatch(/^status: {2}degraded\n/);
    expect(down).toMatchObject({ code: 4, stderr: '' });
    expect(down.stdout).toBe(`status:  down\nlatency: -\nmessage: connection refused on 127.0.0.1:${closed}\n`);
    expect(asJson.code).toBe(4);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ status: 'down', latencyMs: null });
    // Nothing was saved.
    expect(await savedChecks(dataDir)).toEqual([]);
  });

  it('prints the fleet status as a table and as JSON, filtered by environment', async () => {
    const dataDir = tempDir();
    await addServer(dataDir, { name: 'web-1', host: '10.0.0.5', environment: 'staging' });
    await addServer(dataDir, { name: 'db-1', host: '10.0.0.6', tags: ['db'] });
    expect(await runCli(['check', 'add', 'web-1', '--type', 'tcp', '--port', '80', '--paused', '--data-dir', dataDir])).toMatchObject({ code: 0 });

    const [json, table, staging] = await Promise.all([
      runCli(['status', '--json', '--data-dir', dataDir]),
      runCli(['status', '--data-dir', dataDir]),
      runCli(['status', '--env', 'staging', '--json', '--data-dir', dataDir]),
    ]);
    expect(json).toMatchObject({ code: 0, stderr: '' });
    const overview = JSON.parse(json.stdout) as FleetOverview;
    expect(overview.servers.map(({ name, host, environment, status, checks }) => ({ name, host, environment, status, checks }))).toEqual([
      { name: 'db-1', host: '10.0.0.6', environment: '', status: 'unknown', checks: 0 },
      { name: 'web-1', host: '10.0.0.5', environment: 'staging', status: 'paused', checks: 1 },
    ]);
    expect(overview.counts).toMatchObject({ up: 0, down: 0, unknown: 1, paused: 1 });
    expect(overview.openIncidents).toEqual([]);

    expect(table).toMatchObject({ code: 0, stderr: '' });
    expect(table.stdout).toMatch(/^NAME\s+HOST\s+ENV\s+STATUS\s+SINCE\s+CHECKS\n/);
    expect(table.stdout).toMatch(/^web-1\s+10\.0\.0\.5\s+staging\s+paused\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+1$/m);
    expect(table.stdout).toMatch(/^db-1\s+10\.0\.0\.6\s+-\s+unknown\s+-\s+0$/m);
    expect(table.stdout).toContain('\n2 servers: 0 up, 0 degraded, 0 down, 1 unknown, 1 paused\nno open incidents\n');

    expect((JSON.parse(staging.stdout) as FleetOverview).servers.map((server) => server.name)).toEqual(['web-1']);
  });

  it('refuses bad input with a clear error and the right exit code', async () => {
    const dataDir = tempDir();
    await addServer(dataDir, { name: 'web-1', host: '10.0.0.5' });
    const add = (...args: string[]) => runCli(['check', 'add', 'web-1', '--data-dir', dataDir, ...args]);
    const [badJson, badInterval, tooShort, wrongFlag, badUrl, noServer] = await Promise.all([
      add('--type', 'tcp', '--config', '{port: 80'),
      add('--type', 'tcp', '--port', '80', '--interval', '5x'),
      add('--type', 'tcp', '--port', '80', '--interval', '5s'),
      add('--type', 'tcp', '--url', 'http://example.com/'),
      add('--type', 'http', '--url', 'not a url'),
      runCli(['check', 'add', 'nope', '--type', 'tcp', '--port', '80', '--data-dir', dataDir]),
    ]);
    // Command-line mistakes: exit 2, the option named, the usage after.
    expect(badJson).toMatchObject({ code: 2, stdout: '' });
    expect(badJson.stderr).toMatch(/^error: option '--config <json>' argument '\{port: 80' is invalid\. not JSON/m);
    expect(badInterval).toMatchObject({ code: 2, stdout: '' });
    expect(badInterval.stderr).toMatch(/^error: option '--interval <duration>' argument '5x' is invalid\. a duration is a number with a unit/m);
    // Refused by the contract: exit 1, the field path, a hint.
    expect(tooShort).toMatchObject({ code: 1, stdout: '' });
    expect(tooShort.stderr).toMatch(/^error: .*intervalMs: Interval must be at least 10 seconds$/m);
    expect(tooShort.stderr).toMatch(/^hint: \S/m);
    expect(badUrl).toMatchObject({ code: 1, stdout: '' });
    expect(badUrl.stderr).toMatch(/^error: .*spec\.config\.url: /m);
    expect(wrongFlag).toMatchObject({ code: 1, stdout: '' });
    expect(wrongFlag.stderr).toBe("error: --url does not apply to tcp checks.\nhint: tcp checks take --host, --port, --config '{…}'.\n");
    expect(noServer).toMatchObject({ code: 1, stdout: '' });
    expect(noServer.stderr).toMatch(/^error: There is no server named "nope"\.$/m);
    expect(await savedChecks(dataDir)).toEqual([]);
  });
});

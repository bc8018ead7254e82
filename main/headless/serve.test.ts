import { existsSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Server } from '@shared/api/servers';
import { AppError } from '@shared/api/errors';
import { createCore } from '@core/app';
import { silentLogger } from '@core/logging/logger';
import { rendererDir } from '@core/paths';
import { startHttpServer } from './http/server';
import { cleanUp, CLI_TEST_TIMEOUT_MS, type Guardian, runCli, startGuardian, tempDir } from './testing/guardian';

afterAll(cleanUp);

function openDatabase(dataDir: string): Database.Database {
  return new Database(join(dataDir, 'guardian.db'), { fileMustExist: true });
}

/**
 * A POST whose headers the server has read (it answered `100 Continue`) but whose body is only
 * half sent: a request in flight for as long as the test wants.
 */
async function startSlowPost(guardian: Guardian, body: unknown) {
  const bytes = Buffer.from(JSON.stringify(body));
  const agent = new http.Agent({ keepAlive: true });
  const request = http.request(guardian.at('api/v1/servers'), {
    method: 'POST',
    agent,
    headers: { ...guardian.auth(), 'content-type': 'application/json', 'content-length': bytes.length, expect: '100-continue' },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    request.on('error', reject);
  });
  await new Promise<void>((resolve, reject) => {
    request.once('continue', resolve);
    request.once('error', reject);
  });
  const half = Math.floor(bytes.length / 2);
  await new Promise<void>((resolve) => request.write(bytes.subarray(0, half), () => resolve()));
  return {
    finish: () => {
      request.end(bytes.subarray(half));
      return response.finally(() => agent.destroy());
    },
  };
}

// Each test has its own data dir and children: they run side by side.
describe.concurrent('guardian serve', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it.each(['0.0.0.0', '192.168.1.10'])('refuses --host %s with an error and a hint, without listening', async (host) => {
    const dataDir = tempDir();
    const result = await runCli(['serve', '--host', host, '--port', '0', '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`error: Refusing to listen on ${host} without TLS`);
    expect(result.stderr).toMatch(/^hint: .*--tls-cert and --tls-key.*--allow-insecure-http/m);
    expect(existsSync(join(dataDir, 'guardian.db'))).toBe(false);
  });

  it('on SIGTERM finishes the request in flight, exits 0 and leaves a sound database', async () => {
    const guardian = await startGuardian();
    const post = await startSlowPost(guardian, { name: 'in-flight', host: 'inflight.test', notes: 'n'.repeat(4000) });

    const exited = guardian.stop('SIGTERM', 20_000);
    await guardian.waitForStderr('"msg":"stopping"');
    const response = await post.finish();

    expect(response.status).toBe(200);
    expect((JSON.parse(response.body) as Server).name).toBe('in-flight');
    // A keep-alive client must not hold the process open after its answer (bounded by stop()).
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(guardian.stderr()).toContain('"msg":"stopped cleanly"');

    const db = openDatabase(guardian.dataDir);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.prepare('SELECT name FROM servers').pluck().all()).toEqual(['in-flight']);
    } finally {
      db.close();
    }
  });

  it('--port 0 picks a free port for each instance, and SIGINT stops as cleanly as SIGTERM', async () => {
    const [first, second] = await Promise.all([startGuardian(), startGuardian()]);
    const portOf = (guardian: Guardian) => Number(new URL(guardian.url).port);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(portOf(first)).toBeGreaterThan(0);
    expect(portOf(first)).not.toBe(portOf(second));
    expect((await first.request('GET', 'healthz')).status).toBe(200);
    expect((await second.request('GET', 'healthz')).status).toBe(200);

    expect(await first.stop('SIGINT')).toEqual({ code: 0, signal: null });
    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(first.stderr()).toContain('"signal":"SIGINT"');
  });

  it('--help describes every flag', async () => {
    const result = await runCli(['serve', '--help']);
    expect(result.code).toBe(0);
    for (const flag of ['--data-dir <dir>', '--host <host>', '--port <port>', '--ui', '--log-level <level>', '--config <file>', '(env: GUARDIAN_CONFIG)']) {
      expect(result.stdout).toContain(flag);
    }
  });

  // In process, against an empty folder: npm test builds the renderer before the tests run.
  it('--ui without a built renderer refuses to start, saying to build it first', async () => {
    const core = await createCore({ dataDir: tempDir(), logger: silentLogger(), mode: 'headless' });
    try {
      const refused = await startHttpServer({ core, host: '127.0.0.1', port: 0, uiDir: tempDir() }).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(AppError);
      expect(refused).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('The UI has not been built') as string });
      expect((refused as AppError).hint).toMatch(/npm run build/);
    } finally {
      await core.close();
    }
  });

  // Skipped only when run alone before a build: `npm test` builds first, so in the suite and in CI it always runs.
  it.runIf(existsSync(join(rendererDir, 'index.html')))('--ui serves the built renderer under its CSP, and the API beside it', async () => {
    const guardian = await startGuardian({ args: ['--ui'] });
    for (const path of ['', 'servers/some-client-route']) {
      const page = await fetch(guardian.at(path));
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(await page.text()).toMatch(/<html/i);
    }
    expect((await guardian.request('GET', 'api/v1/no-such-thing')).status).toBe(404);
    expect(await guardian.stop()).toEqual({ code: 0, signal: null });
  });

  it('refuses a database written by a newer Guardian, and leaves it as it was', async () => {
    // A data dir as a start leaves it (made in this process: the refusal is what runs as a child).
    const dataDir = tempDir();
    await (await createCore({ dataDir, logger: silentLogger(), mode: 'headless' })).close();
    const db = openDatabase(dataDir);
    db.pragma('user_version = 999');
    db.close();

    const result = await runCli(['serve', '--port', '0', '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: .*written by a newer Guardian/m);
    expect(result.stderr).toMatch(/^hint: Upgrade Guardian/m);

    const after = openDatabase(dataDir);
    try {
      expect(after.pragma('user_version', { simple: true })).toBe(999);
    } finally {
      after.close();
    }
  });
});

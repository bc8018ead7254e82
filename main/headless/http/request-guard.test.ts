import { statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppErrorShape } from '@shared/api';
import { createCore } from '@core/app';
import { silentLogger } from '@core/logging/logger';
import { addAccount, cleanUp, runCli, startGuardian, tempDir, type Guardian } from '../testing/guardian';
import { startHttpServer } from './server';

// What a web page in a browser on this machine must not be able to do (DNS rebinding, cross-site
// requests), and the headers every answer carries, through real `guardian serve` children.

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request with exactly these headers (fetch would not send a Host or Sec-Fetch-* of ours). */
function send(url: URL, options: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
  const bytes = options.body === undefined ? null : Buffer.from(JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: options.method ?? 'GET',
      agent: false,
      headers: { ...options.headers, ...(bytes ? { 'content-type': 'application/json', 'content-length': bytes.length } : {}) },
    });
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(bytes ?? undefined);
  });
}

const errorOf = (answer: Answer) => AppErrorShape.parse((JSON.parse(answer.text) as { error: unknown }).error);
const cookieOf = (answer: Answer) => (answer.headers['set-cookie'] ?? []).find((line) => line.startsWith('guardian_session='));

const PUBLIC_NAMES = ['guardian.example.com', 'ops.example.net'];
const OWNER = { username: 'odette', password: 'a sentence only odette knows 7' };

let guardian: Guardian;
/** Public names from GUARDIAN_PUBLIC_NAME instead of the flag. */
let fromEnv: Guardian;
/** Behind a TLS proxy named by --trust-proxy. */
let proxied: Guardian;
/** No owner yet: the first one needs the setup token. */
let fresh: Guardian;
let port: string;

// Every child these tests ask, started side by side.
beforeAll(async () => {
  [guardian, fromEnv, proxied, fresh] = await Promise.all([
    startGuardian({ args: PUBLIC_NAMES.flatMap((name) => ['--public-name', name]) }),
    startGuardian({ env: { GUARDIAN_PUBLIC_NAME: 'env.example.org,second.example.org' } }),
    startGuardian({ args: ['--trust-proxy', '127.0.0.1'] }),
    startGuardian({ apiKey: false }),
  ]);
  port = new URL(guardian.url).port;
}, 90_000);
afterAll(cleanUp);

describe('the Host header (DNS rebinding)', { timeout: 90_000 }, () => {
  it.each([
    ['the API', 'api/v1/servers'],
    ['an anonymous API method', 'api/v1/auth/status'],
    ['/metrics, open to loopback callers', 'metrics'],
    ['the OpenAPI document', 'api/v1/openapi.json'],
  ])('refuses %s for Host: evil.example with 421 in the error shape, naming --public-name', async (_what, path) => {
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.evil.example:${port}`]) {
      const answer = await send(guardian.at(path), { headers: { ...guardian.auth(), host } });
      expect(answer.status, host).toBe(421);
      const error = errorOf(answer);
      expect(error.code).toBe('MISDIRECTED_REQUEST');
      expect(error.message).toContain('evil.example');
      expect(error.hint).toContain('--public-name');
      expect(answer.text).not.toContain('# TYPE');
    }
  });

  it('answers the loopback names, the bound address and the public names (--public-name, repeated)', async () => {
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
      'LOCALHOST',
      `${PUBLIC_NAMES[0]}`,
      `GUARDIAN.example.COM.:443`,
      `${PUBLIC_NAMES[1]}:${port}`,
    ]) {
      const api = await send(guardian.at('api/v1/servers'), { headers: { ...guardian.auth(), host } });
      expect(api.status, host).toBe(200);
      expect((await send(guardian.at('metrics'), { headers: { host } })).status, host).toBe(200);
    }
  });

  it('takes the public names from GUARDIAN_PUBLIC_NAME (comma-separated) when the flag is not given', async () => {
    for (const host of ['env.example.org', 'second.example.org:8443']) {
      expect((await send(fromEnv.at('api/v1/servers'), { headers: { ...fromEnv.auth(), host } })).status, host).toBe(200);
    }
    expect((await send(fromEnv.at('api/v1/servers'), { headers: { ...fromEnv.auth(), host: PUBLIC_NAMES[0] ?? '' } })).status).toBe(421);
  });

  it('refuses the web UI for a foreign Host too (in process, over a stand-in of the built UI)', async () => {
    const uiDir = tempDir();
    writeFileSync(join(uiDir, 'index.html'), '<!doctype html><html><body>Guardian</body></html>');
    const core = await createCore({ dataDir: tempDir(), logger: silentLogger(), mode: 'headless' });
    const server = await startHttpServer({ core, host: '127.0.0.1', port: 0, uiDir });
    try {
      const page = new URL(server.url);
      const refused = await send(page, { headers: { host: 'evil.example' } });
      expect(refused.status).toBe(421);
      expect(errorOf(refused).code).toBe('MISDIRECTED_REQUEST');
      expect(refused.text).not.toContain('Guardian</body>');
      const served = await send(page, { headers: { host: page.host } });
      expect(served.status).toBe(200);
      expect(served.text).toContain('Guardian</body>');
    } finally {
      await server.close();
      await core.close();
    }
  });

  it('refuses --public-name values that are not host names', async () => {
    const result = await runCli(['serve', '--port', '0', '--data-dir', tempDir(), '--public-name', 'https://guardian.example.com/']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--public-name.*not a host name/);
  });
});

describe('requests a browser marks as coming from another site', { timeout: 90_000 }, () => {
  it('refuses Sec-Fetch-Site: cross-site and same-site on the API and /metrics with 403', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const post = await send(guardian.at('api/v1/servers'), {
        method: 'POST',
        headers: { ...guardian.auth(), 'sec-fetch-site': site },
        body: { name: `xsite-${site}`, host: 'xsite.test' },
      });
      expect(post.status, site).toBe(403);
      expect(errorOf(post)).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining('another site') as string });
      expect((await send(guardian.at('metrics'), { headers: { 'sec-fetch-site': site } })).status).toBe(403);
    }
    const listed = await send(guardian.at('api/v1/servers?q=xsite'), { headers: guardian.auth() });
    expect(JSON.parse(listed.text)).toMatchObject({ total: 0 });
  });

  it('refuses an Origin that is not Guardian’s own; answers its own origin, same-origin and typed-in requests', async () => {
    const foreign = await send(guardian.at('api/v1/servers'), { headers: { ...guardian.auth(), origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    expect((await send(guardian.at('api/v1/servers'), { headers: { ...guardian.auth(), origin: 'null' } })).status).toBe(403);
    const allowed: Record<string, string>[] = [{ origin: `http://127.0.0.1:${port}` }, { 'sec-fetch-site': 'same-origin' }, { 'sec-fetch-site': 'none' }];
    for (const headers of allowed) {
      expect((await send(guardian.at('api/v1/servers'), { headers: { ...guardian.auth(), ...headers } })).status).toBe(200);
    }
  });
});

describe('headers on every answer', { timeout: 90_000 }, () => {
  it('API answers (success and error) and /metrics are Cache-Control: no-store', async () => {
    for (const [path, headers] of [
      ['api/v1/servers', guardian.auth()],
      ['api/v1/servers', {}],
      ['api/v1/no-such-route', guardian.auth()],
      ['api/v1/auth/status', {}],
      ['metrics', {}],
    ] as const) {
      const answer = await send(guardian.at(path), { headers });
      expect(answer.headers['cache-control'], `${path} (${answer.status})`).toBe('no-store');
    }
  });

  it('the session cookie has no Expires or Max-Age (it ends with the browser), and is not Secure over plain HTTP', async () => {
    await addAccount(guardian.dataDir, { ...OWNER, role: 'owner' });
    const login = await send(guardian.at('api/v1/auth/login'), { method: 'POST', body: OWNER });
    expect(login.status).toBe(200);
    const cookie = cookieOf(login);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).not.toMatch(/expires=/i);
    expect(cookie).not.toMatch(/max-age=/i);
    expect(cookie).not.toMatch(/; Secure/i);
    // Without --trust-proxy, anyone may claim https in X-Forwarded-Proto: it changes nothing.
    const claimed = await send(guardian.at('api/v1/auth/login'), { method: 'POST', headers: { 'x-forwarded-proto': 'https' }, body: OWNER });
    expect(cookieOf(claimed)).not.toMatch(/; Secure/i);
    expect(claimed.headers['strict-transport-security']).toBeUndefined();
  });

  it('behind a TLS proxy named by --trust-proxy, marks the cookie Secure and sends HSTS when the client used https', async () => {
    await addAccount(proxied.dataDir, { ...OWNER, role: 'owner' });
    const viaHttps = await send(proxied.at('api/v1/auth/login'), { method: 'POST', headers: { 'x-forwarded-proto': 'https' }, body: OWNER });
    expect(viaHttps.status).toBe(200);
    expect(cookieOf(viaHttps)).toMatch(/; Secure/i);
    expect(viaHttps.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
    const viaHttp = await send(proxied.at('api/v1/auth/login'), { method: 'POST', headers: { 'x-forwarded-proto': 'http' }, body: OWNER });
    expect(cookieOf(viaHttp)).not.toMatch(/; Secure/i);
    expect(viaHttp.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('the first owner over HTTP needs the setup token serve printed', { timeout: 90_000 }, () => {
  const FIRST = { username: 'fiona', password: 'the first owner sentence 11' };

  // One fresh serve for both, in this order: the refusals leave the token unused.
  it('refuses auth/setup without the token, or with a wrong one, saying where the token is', async () => {
    const token = fresh.setupToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(statSync(join(fresh.dataDir, 'setup-token')).mode & 0o777).toBe(0o600);
    await fresh.waitForStderr(`guardian-setup-token: ${token}`);

    const wrong: Record<string, string>[] = [{}, { 'x-guardian-setup-token': 'not-the-token' }];
    for (const headers of wrong) {
      const refused = await send(fresh.at('api/v1/auth/setup'), { method: 'POST', headers, body: FIRST });
      expect(refused.status).toBe(403);
      const error = errorOf(refused);
      expect(error.code).toBe('PERMISSION_DENIED');
      expect(error.message).toMatch(/setup token/i);
      expect(error.hint).toContain('#setup=');
      expect(error.hint).toContain('guardian user add');
      expect(refused.text).not.toContain(token);
    }
    const status = await send(fresh.at('api/v1/auth/status'));
    expect(JSON.parse(status.text)).toMatchObject({ setupRequired: true });
  });

  it('creates the owner with the token, which is then used up', async () => {
    const token = fresh.setupToken() ?? '';
    const created = await send(fresh.at('api/v1/auth/setup'), { method: 'POST', headers: { 'x-guardian-setup-token': token }, body: FIRST });
    expect(created.status).toBe(200);
    expect(JSON.parse(created.text)).toMatchObject({ username: FIRST.username, role: 'owner' });
    expect(fresh.setupToken()).toBeNull();
  });
});

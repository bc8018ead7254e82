import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Me } from '@shared/api/auth';
import { cleanUp, CLI_TEST_TIMEOUT_MS, type Guardian, runCli, startGuardian, tempDir } from './testing/guardian';

afterAll(cleanUp);

const opensslFound = spawnSync('openssl', ['version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One HTTPS request that trusts only the test's own certificate. */
function request(url: URL, ca: Buffer, verb = 'GET', body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const bytes = body === undefined ? null : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      method: verb,
      ca,
      agent: false,
      timeout: 10_000,
      headers: { ...headers, ...(bytes ? { 'content-type': 'application/json', 'content-length': bytes.length } : {}) },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${verb} ${url.href} timed out`)));
    req.on('error', reject);
    req.end(bytes ?? undefined);
  });
}

// Skipped only without openssl to make the certificate; `npm test` and .ci/run install it, so the suite and CI always run it.
describe.skipIf(!opensslFound)('guardian serve over TLS (needs openssl on PATH to make a throw-away certificate)', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  let dir: string;
  let cert: Buffer;
  let guardian: Guardian;

  beforeAll(async () => {
    dir = tempDir('guardian-tls-');
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (made.status !== 0) throw new Error(`openssl could not make a certificate:\n${made.stderr}`);
    cert = readFileSync(join(dir, 'cert.pem'));
    guardian = await startGuardian({ apiKey: false, args: ['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')] });
  }, 60_000);

  it('prints an https:// URL and answers over HTTPS', async () => {
    expect(guardian.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    const health = await request(guardian.at('healthz'), cert);
    expect(health).toMatchObject({ status: 200, text: JSON.stringify({ status: 'ok' }) });
  });

  it('sends HSTS with every answer: the UI, the API and the probes', async () => {
    for (const path of ['healthz', 'api/v1/auth/status', 'api/v1/no-such-route']) {
      const answer = await request(guardian.at(path), cert);
      expect(answer.headers['strict-transport-security'], path).toMatch(/^max-age=\d{7,}/);
    }
    expect((await request(guardian.at('api/v1/auth/status'), cert)).headers['cache-control']).toBe('no-store');
  });

  it('marks the session cookie Secure', async () => {
    const answer = await request(
      guardian.at('api/v1/auth/setup'),
      cert,
      'POST',
      { username: 'tess', password: 'a secure sentence over tls 1' },
      {
        'x-guardian-setup-token': guardian.setupToken() ?? '',
      },
    );
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.text) as Me).username).toBe('tess');
    const cookie = [answer.headers['set-cookie'] ?? []].flat().find((line) => line.startsWith('guardian_session='));
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Strict/i);
    // Ends with the browser: no Expires or Max-Age (the server still ends the session on time).
    expect(cookie).not.toMatch(/expires=|max-age=/i);
  });

  it('refuses --tls-cert without --tls-key, naming both', async () => {
    const result = await runCli(['serve', '--port', '0', '--data-dir', tempDir(), '--tls-cert', join(dir, 'cert.pem')]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/^error: .*--tls-cert.*--tls-key/m);
    expect(result.stderr).toMatch(/^hint: \S/m);
  });
});

import { X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckContext } from '../check';
import { makeTestCerts, type TestCerts } from './testing/certs';
import { httpConfig, type HttpConfig } from '@shared/health/http';
import { atPath, httpCheck } from './http';
import { closedPort, Peers } from './testing/peers';

const ctx = (over: Partial<CheckContext> = {}): CheckContext => ({ signal: new AbortController().signal, timeoutMs: 3000, now: () => Date.now(), ...over });

function routes(req: IncomingMessage, res: ServerResponse) {
  const send = (status: number, body: string, headers: Record<string, string> = {}) => res.writeHead(status, headers).end(body);
  switch (req.url) {
    case '/ok':
      return send(200, 'hello world, all systems nominal');
    case '/unavailable':
      return send(503, 'try later');
    case '/json':
      return send(200, JSON.stringify({ data: { status: 'ok', count: 3, items: [{ id: 'a' }] } }), { 'content-type': 'application/json' });
    case '/slow':
      return void setTimeout(() => send(200, 'finally'), 300);
    case '/redirect':
      return send(302, '', { location: '/ok' });
    case '/loop':
      return send(302, '', { location: '/loop' });
    default:
      return send(404, 'no such page');
  }
}

const peers = new Peers();
let certs: TestCerts;
let base: string;
let refused: number;
let httpsValid: number;
let httpsSoon: number;

const config = (over: Partial<z.input<typeof httpConfig>> & { url: string }): HttpConfig => httpConfig.parse(over);

beforeAll(async () => {
  certs = makeTestCerts();
  base = `http://127.0.0.1:${await peers.listen(createServer(routes))}`;
  httpsValid = await peers.listen(createHttpsServer({ key: certs.valid.key, cert: certs.valid.cert }, routes));
  httpsSoon = await peers.listen(createHttpsServer({ key: certs.soon.key, cert: certs.soon.cert }, routes));
  refused = await closedPort();
});

afterAll(async () => {
  await peers.closeAll();
  certs?.dispose();
});

describe('http check: status', () => {
  it('is up for a 200, with the status and the time', async () => {
    const result = await httpCheck.run(config({ url: `${base}/ok` }), ctx());
    expect(result.status).toBe('up');
    expect(result.message).toMatch(/^200 OK in [\d.]+ ms$/);
    expect(result.data).toMatchObject({ statusCode: 200 });
  });

  it('is down for a status outside the expected set, and up when the set says so', async () => {
    expect(await httpCheck.run(config({ url: `${base}/unavailable` }), ctx())).toMatchObject({ status: 'down', message: 'expected status 200-399, got 503' });
    expect(await httpCheck.run(config({ url: `${base}/ok`, expectedStatus: ['404'] }), ctx())).toMatchObject({
      status: 'down',
      message: 'expected status 404, got 200',
    });
    expect((await httpCheck.run(config({ url: `${base}/unavailable`, expectedStatus: ['200', '503'] }), ctx())).status).toBe('up');
  });

  it('is down with the reason when nothing listens', async () => {
    expect(await httpCheck.run(config({ url: `http://127.0.0.1:${refused}/` }), ctx())).toEqual({
      status: 'down',
      latencyMs: null,
      message: `connection refused on 127.0.0.1:${refused}`,
    });
  });

  it('is down when the answer does not come in time', async () => {
    expect(await httpCheck.run(config({ url: `${base}/slow` }), ctx({ timeoutMs: 100 }))).toEqual({
      status: 'down',
      latencyMs: null,
      message: `no answer from ${new URL(base).host} within 100 ms`,
    });
  });
});

describe('http check: body', () => {
  it('finds a keyword that must be present', async () => {
    expect((await httpCheck.run(config({ url: `${base}/ok`, keyword: { text: 'nominal' } }), ctx())).status).toBe('up');
    expect(await httpCheck.run(config({ url: `${base}/ok`, keyword: { text: 'degraded' } }), ctx())).toMatchObject({
      status: 'down',
      message: 'keyword "degraded" not found in the response',
    });
    expect((await httpCheck.run(config({ url: `${base}/ok`, keyword: { text: 'HELLO', caseSensitive: false } }), ctx())).status).toBe('up');
  });

  it('is down when a keyword that must be absent is there', async () => {
    expect(await httpCheck.run(config({ url: `${base}/ok`, keyword: { text: 'hello', mode: 'absent' } }), ctx())).toMatchObject({
      status: 'down',
      message: 'keyword "hello" found in the response',
    });
    expect((await httpCheck.run(config({ url: `${base}/ok`, keyword: { text: 'error', mode: 'absent' } }), ctx())).status).toBe('up');
  });

  it('compares a JSON value at a dotted path', async () => {
    const url = `${base}/json`;
    expect((await httpCheck.run(config({ url, json: { path: 'data.status', equals: 'ok' } }), ctx())).status).toBe('up');
    expect((await httpCheck.run(config({ url, json: { path: 'data.count', equals: 3 } }), ctx())).status).toBe('up');
    expect((await httpCheck.run(config({ url, json: { path: 'data.count', equals: '3' } }), ctx())).status).toBe('up');
    expect((await httpCheck.run(config({ url, json: { path: 'data.items.0.id', equals: 'a' } }), ctx())).status).toBe('up');
    expect(await httpCheck.run(config({ url, json: { path: 'data.status', equals: 'down' } }), ctx())).toMatchObject({
      status: 'down',
      message: 'data.status is "ok", expected "down"',
    });
    expect(await httpCheck.run(config({ url, json: { path: 'data.missing', equals: 1 } }), ctx())).toMatchObject({
      status: 'down',
      message: 'data.missing is missing from the response',
    });
    expect(await httpCheck.run(config({ url: `${base}/ok`, json: { path: 'data.status', equals: 'ok' } }), ctx())).toMatchObject({
      status: 'down',
      message: 'the response is not JSON',
    });
  });

  it('reads a dotted path and nothing more', () => {
    expect(atPath({ a: { b: [1, { c: 2 }] } }, 'a.b.1.c')).toBe(2);
    expect(atPath({ a: null }, 'a.b')).toBeUndefined();
    expect(atPath({}, 'toString')).toBeUndefined();
  });
});

describe('http check: latency and redirects', () => {
  it('is degraded when the answer is slower than the threshold', async () => {
    const result = await httpCheck.run(config({ url: `${base}/slow`, degradedAboveMs: 100 }), ctx());
    expect(result.status).toBe('degraded');
    expect(result.message).toMatch(/^slow: [\d.]+ ms, above 100 ms$/);
    expect(result.latencyMs).toBeGreaterThan(100);
  });

  it('follows a redirect to the final answer', async () => {
    const result = await httpCheck.run(config({ url: `${base}/redirect`, expectedStatus: ['200'] }), ctx());
    expect(result.status).toBe('up');
    expect(result.message).toMatch(/^200 OK in /);
    expect(result.data).toMatchObject({ url: `${base}/ok`, redirects: [`${base}/ok`] });
  });

  it('judges the redirect itself when not following', async () => {
    expect(await httpCheck.run(config({ url: `${base}/redirect`, followRedirects: false }), ctx())).toMatchObject({
      status: 'up',
      message: expect.stringMatching(/^302 Found in /),
    });
    expect(await httpCheck.run(config({ url: `${base}/redirect`, followRedirects: false, expectedStatus: ['200'] }), ctx())).toMatchObject({
      status: 'down',
      message: 'expected status 200, got 302',
    });
  });

  it('is down on a redirect loop', async () => {
    expect(await httpCheck.run(config({ url: `${base}/loop`, maxRedirects: 3 }), ctx())).toMatchObject({
      status: 'down',
      message: 'more than 3 redirects, last to /loop',
    });
  });
});

describe('http check: https', () => {
  const until = (pem: string) => new Date(new X509Certificate(pem).validTo).toISOString().slice(0, 10);

  it('is up for a trusted certificate with a year left', async () => {
    const result = await httpCheck.run(config({ url: `https://127.0.0.1:${httpsValid}/ok`, ca: certs.valid.cert }), ctx());
    expect(result.status).toBe('up');
    expect(result.message).toMatch(/^200 OK in /);
    expect(result.data?.certificate).toMatchObject({ daysLeft: 365, authorized: true });
  });

  it('is degraded when the certificate expires within the threshold', async () => {
    const result = await httpCheck.run(config({ url: `https://127.0.0.1:${httpsSoon}/ok`, ca: certs.soon.cert }), ctx());
    expect(result).toMatchObject({ status: 'degraded', message: `certificate expires in 3 days (${until(certs.soon.cert)})` });
    expect((await httpCheck.run(config({ url: `https://127.0.0.1:${httpsSoon}/ok`, ca: certs.soon.cert, certExpiryDays: 2 }), ctx())).status).toBe('up');
  });

  it('is down for an untrusted certificate unless told to ignore it', async () => {
    expect(await httpCheck.run(config({ url: `https://127.0.0.1:${httpsValid}/ok` }), ctx())).toEqual({
      status: 'down',
      latencyMs: null,
      message: `the certificate is self-signed (127.0.0.1:${httpsValid})`,
    });
    expect((await httpCheck.run(config({ url: `https://127.0.0.1:${httpsValid}/ok`, ignoreTlsErrors: true }), ctx())).status).toBe('up');
  });
});

describe('http check: where its requests may go', () => {
  it('does not follow a redirect to a cloud metadata address, nor show user info a redirect carries', async () => {
    const port = await peers.listen(
      createServer((req, res) =>
        res
          .writeHead(302, { location: req.url === '/to-metadata' ? 'http://169.254.169.254/latest/meta-data/' : 'http://someone:hunter2@127.0.0.1:1/x' })
          .end(),
      ),
    );
    const metadata = await httpCheck.run(config({ url: `http://127.0.0.1:${port}/to-metadata` }), ctx());
    expect(metadata).toMatchObject({
      status: 'down',
      message: "refused to connect to 169.254.169.254: it is a cloud metadata address, which hands out this machine's cloud credentials",
    });
    expect(metadata.data).toEqual({ redirects: ['http://169.254.169.254/latest/meta-data/'] });

    const userInfo = await httpCheck.run(config({ url: `http://127.0.0.1:${port}/other`, maxRedirects: 0 }), ctx());
    expect(userInfo.message).toBe('more than 0 redirects, last to http://127.0.0.1:1/x');
    expect(JSON.stringify(userInfo)).not.toContain('hunter2');
  });
});

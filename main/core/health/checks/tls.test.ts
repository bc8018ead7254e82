import { X509Certificate } from 'node:crypto';
import { createServer as createTcpServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckContext } from '../check';
import { makeTestCerts, type Pair, type TestCerts } from './testing/certs';
import { closedPort, Peers } from './testing/peers';
import { tlsConfig, type TlsConfig } from '@shared/health/tls';
import { tlsCheck } from './tls';

const ctx = (over: Partial<CheckContext> = {}): CheckContext => ({ signal: new AbortController().signal, timeoutMs: 3000, now: () => Date.now(), ...over });
const config = (over: Partial<z.input<typeof tlsConfig>> & { port: number }): TlsConfig => tlsConfig.parse({ host: '127.0.0.1', ...over });
const day = (pem: string, which: 'validFrom' | 'validTo') => new Date(new X509Certificate(pem)[which]).toISOString().slice(0, 10);

let certs: TestCerts;
const peers = new Peers();
const ports: Record<'valid' | 'soon' | 'expired' | 'other' | 'silent' | 'closed', number> = { valid: 0, soon: 0, expired: 0, other: 0, silent: 0, closed: 0 };

const serve = (pair: Pair) => peers.listen(createTlsServer({ key: pair.key, cert: pair.cert }, (socket) => socket.end()));

beforeAll(async () => {
  certs = makeTestCerts();
  ports.valid = await serve(certs.valid);
  ports.soon = await serve(certs.soon);
  ports.expired = await serve(certs.expired);
  ports.other = await serve(certs.other);
  // Accepts the connection and never answers the handshake.
  ports.silent = await peers.listen(createTcpServer(() => undefined));
  ports.closed = await closedPort();
});

afterAll(async () => {
  await peers.closeAll();
  certs?.dispose();
});

describe('tls check', () => {
  it('is up for a trusted certificate for the host with a year left', async () => {
    const result = await tlsCheck.run(config({ port: ports.valid, ca: certs.valid.cert }), ctx());
    expect(result.status).toBe('up');
    expect(result.message).toBe(`certificate for 127.0.0.1 valid for 365 days (until ${day(certs.valid.cert, 'validTo')}), trusted`);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(result.data).toMatchObject({ names: ['127.0.0.1', 'localhost'], authorized: true, daysLeft: 365 });
  });

  it('is down when the chain is not trusted', async () => {
    const result = await tlsCheck.run(config({ port: ports.valid }), ctx());
    expect(result.status).toBe('down');
    expect(result.message).toBe('certificate not trusted: the certificate is self-signed');
    expect(result.data).toMatchObject({ authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('reports an untrusted chain but stays up when that is allowed', async () => {
    const result = await tlsCheck.run(config({ port: ports.valid, allowUntrusted: true }), ctx());
    expect(result.status).toBe('up');
    expect(result.message).toBe(
      `certificate for 127.0.0.1 valid for 365 days (until ${day(certs.valid.cert, 'validTo')}), not trusted (allowed): the certificate is self-signed`,
    );
  });

  it('is degraded when the certificate expires within the degraded threshold', async () => {
    const result = await tlsCheck.run(config({ port: ports.soon, ca: certs.soon.cert }), ctx());
    expect(result).toMatchObject({ status: 'degraded', message: `certificate expires in 3 days (${day(certs.soon.cert, 'validTo')})` });
  });

  it('is down when the certificate expires within the down threshold', async () => {
    const result = await tlsCheck.run(config({ port: ports.soon, ca: certs.soon.cert, expiryDownDays: 7 }), ctx());
    expect(result).toMatchObject({ status: 'down', message: `certificate expires in 3 days (${day(certs.soon.cert, 'validTo')})` });
  });

  it('is down for an expired certificate, saying since when', async () => {
    const result = await tlsCheck.run(config({ port: ports.expired, allowUntrusted: true }), ctx({ now: () => Date.parse('2020-01-12T00:00:00Z') }));
    expect(result).toMatchObject({ status: 'down', message: 'certificate expired 10 days ago (on 2020-01-02)' });
    const today = await tlsCheck.run(config({ port: ports.expired, ca: certs.expired.cert }), ctx());
    expect(today.status).toBe('down');
    expect(today.message).toMatch(/^certificate expired \d+ days ago \(on 2020-01-02\)/);
  });

  it('is down for a certificate that is not valid yet', async () => {
    const result = await tlsCheck.run(config({ port: ports.valid, ca: certs.valid.cert }), ctx({ now: () => Date.parse('2020-01-01T00:00:00Z') }));
    expect(result).toMatchObject({ status: 'down', message: `certificate is not valid until ${day(certs.valid.cert, 'validFrom')}` });
  });

  it('is down when the certificate is for another name, and up when asked for that name', async () => {
    const wrong = await tlsCheck.run(config({ port: ports.other, ca: certs.other.cert }), ctx());
    expect(wrong).toMatchObject({ status: 'down', message: 'certificate is for other.test, not 127.0.0.1' });
    const right = await tlsCheck.run(config({ port: ports.other, ca: certs.other.cert, servername: 'other.test' }), ctx());
    expect(right.status).toBe('up');
    expect(right.message).toMatch(/^certificate for other\.test valid for 365 days .*, trusted$/);
  });

  it('is down with the reason when nothing listens', async () => {
    const result = await tlsCheck.run(config({ port: ports.closed }), ctx());
    expect(result).toEqual({ status: 'down', latencyMs: null, message: `connection refused on 127.0.0.1:${ports.closed}` });
  });

  it('is down when the handshake does not finish in time', async () => {
    const result = await tlsCheck.run(config({ port: ports.silent }), ctx({ timeoutMs: 200 }));
    expect(result).toEqual({ status: 'down', latencyMs: null, message: `no answer from 127.0.0.1:${ports.silent} within 200 ms` });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { methods, type MethodName } from '@shared/api';
import { rowsOf, type FleetOverview } from '@shared/api/health';
import type { Server } from '@shared/api/servers';
import { LOCAL_OWNER } from '@shared/permissions';
import { CHEAP_SCRYPT } from '@core/testing/harness';
import { fleetCsv } from '../testing/fleet';
import { send, type BrowserSession } from '../testing/http-client';
import { serveTempCore, signedInAccount, type ServedCore } from '../testing/served-core';
import { COMPRESS_MIN_BYTES, SECRET_BEARING_METHODS } from './server';

// Response compression over the real HTTP server on 127.0.0.1, read with node:http, which (unlike
// fetch) hands over the bytes as they came over the wire.

const FLEET = 300;
const OWNER = { username: 'olivia', password: 'violet tulips at dawn', role: 'owner' as const };
/** A bundle-like script: big enough to be compressed, and compressible. */
const APP_JS = `${Array.from({ length: 400 }, (_, i) => `export function widget${i}(props) { return render('widget-${i}', props); }`).join('\n')}\n`;

let served: ServedCore;
let owner: BrowserSession;
let uiDir: string;

beforeAll(async () => {
  uiDir = mkdtempSync(join(tmpdir(), 'guardian-compression-ui-'));
  writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>Guardian</title><script type="module" src="/app.js"></script>\n');
  writeFileSync(join(uiDir, 'app.js'), APP_JS);
  served = await serveTempCore({ prefix: 'guardian-compression-', vaultScryptCost: CHEAP_SCRYPT, http: { uiDir } });
  const job = await served.core.router.invoke(LOCAL_OWNER, 'servers.import', { format: 'csv', content: fleetCsv(FLEET, 'zip') }, { origin: 'test' });
  expect((await served.core.jobs.waitFor(job.id)).status).toBe('succeeded');
  owner = await signedInAccount(served, OWNER);
}, 60_000);
afterAll(async () => {
  await served.close();
  rmSync(uiDir, { recursive: true, force: true });
});

interface Wire {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as it came over the wire, still encoded. */
  bytes: Buffer;
}

function exchange(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Wire> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      new URL(path, served.url),
      { method, agent: false, headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function decoded(wire: Wire): string {
  const encoding = wire.headers['content-encoding'];
  if (encoding === 'br') return brotliDecompressSync(wire.bytes).toString('utf8');
  if (encoding === 'gzip') return gunzipSync(wire.bytes).toString('utf8');
  expect(encoding).toBeUndefined();
  return wire.bytes.toString('utf8');
}

const SERVERS = `api/v1/servers?limit=${FLEET}`;

describe('API answers on the wire', () => {
  it('a large list is br for a client that takes br, gzip for one that takes only gzip, and plain for one that asks for neither', async () => {
    const plain = await exchange('GET', SERVERS, owner.read);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const listing = JSON.parse(plain.bytes.toString('utf8')) as { items: Server[] };
    expect(listing.items).toHaveLength(FLEET);

    const br = await exchange('GET', SERVERS, { ...owner.read, 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(JSON.parse(decoded(br))).toEqual(listing);
    expect(br.bytes.length).toBeLessThan(plain.bytes.length / 5);

    const gzip = await exchange('GET', SERVERS, { ...owner.read, 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(decoded(gzip))).toEqual(listing);
    expect(gzip.bytes.length).toBeLessThan(plain.bytes.length / 4);

    // Only encodings Guardian does not offer: plain, never an error.
    const unknown = await exchange('GET', SERVERS, { ...owner.read, 'accept-encoding': 'compress, x-custom' });
    expect(unknown.status).toBe(200);
    expect(unknown.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(unknown.bytes.toString('utf8'))).toEqual(listing);
  });

  it('the fleet overview is compressed like any other large answer', async () => {
    const plain = await exchange('GET', 'api/v1/health/overview', owner.read);
    const br = await exchange('GET', 'api/v1/health/overview', { ...owner.read, 'accept-encoding': 'br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.bytes.length).toBeLessThan(plain.bytes.length);
    // The overview carries the time it was made: compare what does not move.
    const before = JSON.parse(plain.bytes.toString('utf8')) as FleetOverview;
    const after = JSON.parse(decoded(br)) as FleetOverview;
    expect(before.servers).toHaveLength(FLEET);
    expect(after.servers).toEqual(before.servers);
  });

  it('the overview in columns holds the same servers in fewer bytes, compressed or not', async () => {
    const rows = await exchange('GET', 'api/v1/health/overview', { ...owner.read, 'accept-encoding': 'br' });
    const columns = await exchange('GET', 'api/v1/health/overview?form=columns', { ...owner.read, 'accept-encoding': 'br' });
    expect(columns.status).toBe(200);
    const asRows = JSON.parse(decoded(rows)) as FleetOverview;
    const asColumns = JSON.parse(decoded(columns)) as FleetOverview;
    expect(asRows.grid).toBeNull();
    expect(asColumns.servers).toEqual([]);
    expect(asColumns.grid && rowsOf(asColumns.grid)).toEqual(asRows.servers);
    expect(columns.bytes.length).toBeLessThan(rows.bytes.length);
    expect(decoded(columns).length).toBeLessThan(decoded(rows).length * 0.8);
  });

  it('a tiny answer goes out as it is', async () => {
    const health = await exchange('GET', 'healthz', { 'accept-encoding': 'br, gzip' });
    expect(health.status).toBe(200);
    expect(health.bytes.length).toBeLessThan(COMPRESS_MIN_BYTES);
    expect(health.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(health.bytes.toString('utf8'))).toEqual({ status: 'ok' });
  });

  it('the UI’s files are compressed too', async () => {
    const script = await exchange('GET', 'app.js', { 'accept-encoding': 'br' });
    expect(script.status).toBe(200);
    expect(script.headers['content-encoding']).toBe('br');
    expect(decoded(script)).toBe(APP_JS);
    expect(script.bytes.length).toBeLessThan(APP_JS.length / 5);
  });
});

describe('the event stream', () => {
  it('is neither compressed nor held back, whatever the client accepts', async () => {
    let res: IncomingMessage | undefined;
    const req = request(new URL('api/v1/events', served.url), {
      agent: false,
      headers: { ...owner.read, accept: 'text/event-stream', 'accept-encoding': 'br, gzip, deflate' },
    });
    try {
      let text = '';
      const waiters = new Set<() => void>();
      res = await new Promise<IncomingMessage>((resolve, reject) => {
        req.on('response', resolve).on('error', reject);
        req.end();
      });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        for (const wake of waiters) wake();
      });
      const seen = (needle: string, timeoutMs: number) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`Not within ${timeoutMs} ms: ${needle}; got ${JSON.stringify(text)}`)), timeoutMs);
          const check = () => {
            if (!text.includes(needle)) return;
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          };
          waiters.add(check);
          check();
        });

      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(res.headers['content-encoding']).toBeUndefined();
      // Plain text from the first byte: a compressor would emit nothing readable this early.
      await seen(': connected', 2_000);

      const started = Date.now();
      const created = await send<Server>(served.url, 'POST', 'api/v1/servers', {
        headers: owner.write,
        body: { name: 'stream-1', host: 'stream-1.test', monitor: false },
      });
      expect(created.status, created.text).toBe(200);
      await seen(`"ids":["${created.body.id}"]`, 2_000);
      // The event is on the wire as the change happens, not when a buffer fills or the stream ends.
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(text).toContain('event: servers.changed');
    } finally {
      req.destroy();
      res?.destroy();
    }
  });
});

/** Field names that hold a secret wherever they appear in an answer. */
const SECRET_FIELD = /^(csrfToken|token|secret|recoveryCodes|password|passphrase|privateKey)$/;

/** Whether a field can hold a value at all: a yes-or-no flag named `secret` (a runbook parameter's) holds none. */
function holdsValue(field: z.core.$ZodType): boolean {
  if (field instanceof z.ZodNullable || field instanceof z.ZodOptional || field instanceof z.ZodDefault) return holdsValue(field.unwrap());
  return !(field instanceof z.ZodBoolean);
}

function secretFields(schema: z.core.$ZodType, path: string, depth = 0): string[] {
  if (depth > 8) return [];
  if (schema instanceof z.ZodObject) {
    return Object.entries(schema.shape as Record<string, z.core.$ZodType>).flatMap(([key, field]) => [
      ...(SECRET_FIELD.test(key) && holdsValue(field) ? [`${path}.${key}`] : []),
      ...secretFields(field, `${path}.${key}`, depth + 1),
    ]);
  }
  if (schema instanceof z.ZodArray) return secretFields(schema.element, `${path}[]`, depth + 1);
  if (schema instanceof z.ZodNullable || schema instanceof z.ZodOptional || schema instanceof z.ZodDefault)
    return secretFields(schema.unwrap(), path, depth + 1);
  if (schema instanceof z.ZodUnion) return (schema.options as z.core.$ZodType[]).flatMap((option) => secretFields(option, path, depth + 1));
  return [];
}

describe('answers that carry a secret', () => {
  it('every method whose answer has a secret-named field is among those never compressed', () => {
    const bearing = (Object.keys(methods) as MethodName[]).filter((name) => secretFields(methods[name].output, name).length > 0);
    // The walk finds what it should: the known cases, not an empty list that would pass anything.
    expect(bearing).toEqual(expect.arrayContaining(['secrets.reveal', 'apikeys.create', 'auth.login', 'auth.status', 'auth.totpBegin']));
    expect(bearing.filter((name) => !SECRET_BEARING_METHODS.has(name))).toEqual([]);
  });

  it('a revealed secret comes back uncompressed, even when large and asked for br', async () => {
    await served.core.vault.init({ kind: 'passphrase', passphrase: 'correct horse battery staple' });
    // Large and repetitive: compressed, were it allowed, to a fraction of its size.
    const text = 'the backup passphrase is hunter2; '.repeat(300);
    const note = await served.core.secrets.create({ name: 'runbook', tags: [], serverIds: [], username: null, value: { kind: 'note', text } }, 'test');
    const reauth = await send(served.url, 'POST', 'api/v1/auth/reauth', { headers: owner.write, body: { password: OWNER.password } });
    expect(reauth.status, reauth.text).toBe(200);

    const revealed = await exchange('POST', `api/v1/secrets/${note.id}/reveal`, { ...owner.write, 'accept-encoding': 'br, gzip' }, {});
    expect(revealed.status, revealed.bytes.toString('utf8')).toBe(200);
    expect(revealed.bytes.length).toBeGreaterThan(COMPRESS_MIN_BYTES);
    expect(revealed.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(revealed.bytes.toString('utf8'))).toEqual({ id: note.id, value: { kind: 'note', text } });
  });

  it('a new API key’s token and the signed-in user’s CSRF token come back uncompressed', async () => {
    const created = await exchange('POST', 'api/v1/apikeys', { ...owner.write, 'accept-encoding': 'br, gzip' }, { name: 'k'.repeat(100), role: 'viewer' });
    expect(created.status, created.bytes.toString('utf8')).toBe(200);
    expect(created.headers['content-encoding']).toBeUndefined();
    expect((JSON.parse(created.bytes.toString('utf8')) as { token: string }).token).toMatch(/^gdn_/);

    const me = await exchange('GET', 'api/v1/auth/me', { ...owner.read, 'accept-encoding': 'br, gzip' });
    expect(me.status).toBe(200);
    expect(me.headers['content-encoding']).toBeUndefined();
    expect((JSON.parse(me.bytes.toString('utf8')) as { csrfToken: string }).csrfToken).toBe(owner.me.csrfToken);
  });
});

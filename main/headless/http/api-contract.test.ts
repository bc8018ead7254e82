import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppErrorShape } from '@shared/api';
import { cleanUp, startGuardian, type Guardian } from '../testing/guardian';

// The contract as a client generator or a scraper meets it: one real `guardian serve` child on
// 127.0.0.1, driven over HTTP. Every failure, the framework's own included, is Guardian's shape.
let guardian: Guardian;

beforeAll(async () => {
  guardian = await startGuardian();
});
afterAll(cleanUp);

/** The error of an answer, checked to be Guardian's shape with its correlation id in the header too. */
async function errorOf(response: Response): Promise<{ error: AppErrorShape; text: string }> {
  const text = await response.text();
  const error = AppErrorShape.parse((JSON.parse(text) as { error: unknown }).error);
  expect(Object.keys(JSON.parse(text) as object)).toEqual(['error']);
  expect(response.headers.get('x-correlation-id')).toBe(error.correlationId);
  expect(error.hint.length).toBeGreaterThan(0);
  return { error, text };
}

describe('the framework’s own failures, in Guardian’s shape', () => {
  it('answers a 200-character path parameter with 414 URI_TOO_LONG, without echoing it', async () => {
    const long = `x${'a'.repeat(198)}z`;
    const response = await fetch(guardian.at(`api/v1/servers/${long}`), { headers: guardian.auth() });
    expect(response.status).toBe(414);
    const { error, text } = await errorOf(response);
    expect(error).toMatchObject({ code: 'URI_TOO_LONG', retryable: false });
    expect(text).not.toContain('aaaaaaaaaa');
    expect(text).not.toContain('FST_');
  });

  it('answers a path with a broken %-escape with 400 VALIDATION_FAILED, without echoing it', async () => {
    const response = await fetch(guardian.at('api/v1/servers/%E0%A4%A-marker'), { headers: guardian.auth() });
    expect(response.status).toBe(400);
    const { error, text } = await errorOf(response);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(text).not.toContain('marker');
    expect(text).not.toContain('FST_');
  });

  it('names at most the start of a very long unknown route', async () => {
    const response = await fetch(guardian.at(`api/v1/${'segment/'.repeat(500)}end-marker`), { headers: guardian.auth() });
    expect(response.status).toBe(404);
    const { error, text } = await errorOf(response);
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('/api/v1/segment/');
    expect(text.length).toBeLessThan(1000);
    expect(text).not.toContain('end-marker');
  });

  it('answers an unknown JSON field with 400 VALIDATION_FAILED naming it', async () => {
    const response = await fetch(guardian.at('api/v1/servers'), {
      method: 'POST',
      headers: { ...guardian.auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'contract-1', host: 'contract.test', isAdmin: true }),
    });
    expect(response.status).toBe(400);
    const { error } = await errorOf(response);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain('isAdmin');
    expect(error.issues?.length).toBeGreaterThan(0);
  });

  it('answers a body that is not JSON without quoting it back', async () => {
    const response = await fetch(guardian.at('api/v1/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username":"owner","password":"hunter2-secret',
    });
    expect(response.status).toBe(400);
    const { error, text } = await errorOf(response);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(text).not.toContain('hunter2');
  });
});

describe('features this Guardian does not have', () => {
  it.each([
    ['POST', 'api/v1/updates/check', {}],
    ['PUT', 'api/v1/updates/channel', { channel: 'beta' }],
    ['POST', 'api/v1/updates/install', {}],
  ])('%s %s answers 501 NOT_SUPPORTED_HERE, not retryable, saying what to do instead', async (verb, path, body) => {
    const response = await fetch(guardian.at(path), {
      method: verb,
      headers: { ...guardian.auth(), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(501);
    const { error } = await errorOf(response);
    expect(error).toMatchObject({ code: 'NOT_SUPPORTED_HERE', retryable: false });
    expect(error.hint).toContain('whoever installed it');
  });

  it('refuses an OS-keychain vault slot with 501, pointing to a passphrase', async () => {
    const response = await fetch(guardian.at('api/v1/vault/init'), {
      method: 'POST',
      headers: { ...guardian.auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ slot: { kind: 'os' } }),
    });
    expect(response.status).toBe(501);
    const { error } = await errorOf(response);
    expect(error).toMatchObject({ code: 'NOT_SUPPORTED_HERE', retryable: false });
    expect(error.hint).toContain('passphrase');
  });
});

describe('the published contract', () => {
  it('serves the OpenAPI document with security, error responses and bounds', async () => {
    type Operation = {
      security: unknown[];
      responses: Record<string, unknown>;
      requestBody?: { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } };
    };
    const { status, body } = await guardian.request<{ paths: Record<string, Record<string, Operation>>; components: { securitySchemes: object } }>(
      'GET',
      'api/v1/openapi.json',
    );
    expect(status).toBe(200);
    expect(Object.keys(body.components.securitySchemes).sort()).toEqual(['apiKey', 'csrf', 'session']);
    const create = body.paths['/api/v1/servers']?.post;
    expect(create?.security).toEqual([{ apiKey: [] }, { session: [], csrf: [] }]);
    expect(Object.keys(create?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '401', '403', '409', '413', '415', '500', '503']));
    expect(create?.requestBody?.content['application/json'].schema.properties.name).toMatchObject({ maxLength: 100 });
    expect(body.paths['/api/v1/auth/login']?.post?.security).toEqual([]);
    expect(Object.keys(body.paths['/api/v1/updates/check']?.post?.responses ?? {})).toContain('501');
  });

  it('exposes /metrics by Prometheus’ naming rules: _total only on counters, every counter ending in _total', async () => {
    const response = await fetch(guardian.at('metrics'));
    expect(response.status).toBe(200);
    const text = await response.text();
    const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => ({ name: name ?? '', type: type ?? '' }));
    expect(families.length).toBeGreaterThan(20);
    expect(families.filter(({ name, type }) => name.endsWith('_total') !== (type === 'counter'))).toEqual([]);
    // Every sample belongs to a declared family (histograms add _bucket, _sum and _count).
    const declared = new Set(families.map(({ name }) => name));
    const samples = text
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? line);
    expect(samples.filter((name) => !declared.has(name) && !declared.has(name.replace(/_(bucket|sum|count)$/, '')))).toEqual([]);
    expect(text).toMatch(/^guardian_nodejs_active_handles\{type="\w+"\} \d+$/m);
  });
});

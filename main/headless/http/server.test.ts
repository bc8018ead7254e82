import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppErrorShape, methodList } from '@shared/api';
import { API_PREFIX } from '@shared/api/http';
import type { Job } from '@shared/api/jobs';
import type { ImportSummary, Server } from '@shared/api/servers';
import { openEvents } from '../testing/events';
import { cleanUp, pollUntil, startGuardian, type Guardian } from '../testing/guardian';

// One real `guardian serve` child on 127.0.0.1 with a fresh data dir, driven over HTTP.
let guardian: Guardian;

beforeAll(async () => {
  guardian = await startGuardian();
});
afterAll(cleanUp);

type Page = { items: Server[]; total: number };

const create = async (input: Record<string, unknown>) => {
  const { status, body } = await guardian.request<Server>('POST', 'api/v1/servers', input);
  expect(status).toBe(200);
  return body;
};

const names = (page: Page) => page.items.map((server) => server.name);

describe('servers over REST', () => {
  it('creates, reads, changes and deletes a server', async () => {
    const created = await create({
      name: 'crud-web-1',
      host: 'Web1.Example.com',
      port: 2222,
      environment: 'staging',
      tags: ['web', 'eu', 'web'],
    });
    expect(created).toMatchObject({
      name: 'crud-web-1',
      host: 'web1.example.com',
      port: 2222,
      user: null,
      environment: 'staging',
      tags: ['eu', 'web'],
      notes: '',
    });

    // The answer to create also says which check now watches the server; the server itself reads back the same.
    const { check, ...server } = created as Server & { check: unknown };
    expect(check).toMatchObject({ type: 'tcp', port: 2222 });
    const read = await guardian.request<Server>('GET', `api/v1/servers/${created.id}`);
    expect(read).toMatchObject({ status: 200, body: server });

    const patched = await guardian.request<Server>('PATCH', `api/v1/servers/${created.id}`, { port: 2200, notes: 'moved' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: created.id, name: 'crud-web-1', port: 2200, notes: 'moved', tags: ['eu', 'web'] });
    expect((await guardian.request<Server>('GET', `api/v1/servers/${created.id}`)).body.port).toBe(2200);

    const deleted = await guardian.request('DELETE', `api/v1/servers/${created.id}`);
    expect(deleted).toMatchObject({ status: 200, body: { id: created.id } });
    expect((await guardian.request('GET', `api/v1/servers/${created.id}`)).status).toBe(404);
  });

  it('lists with search, tag and environment filters, sorting and paging from the query string', async () => {
    const fleet = [
      { name: 'lst-alpha', host: 'alpha.lst.test', port: 22, environment: 'lst-prod', tags: ['lst-web', 'lst-eu'] },
      { name: 'lst-bravo', host: 'bravo.lst.test', port: 2201, environment: 'lst-prod', tags: ['lst-web'] },
      { name: 'lst-charlie', host: 'charlie.lst.test', port: 2202, environment: 'lst-stage', tags: ['lst-db', 'lst-eu'] },
      { name: 'lst-delta', host: 'delta.lst.test', port: 2203, environment: 'lst-stage', tags: ['lst-web', 'lst-eu'], notes: 'needle' },
      { name: 'lst-echo', host: 'echo.lst.test', port: 2204, environment: 'lst-dev', tags: [] },
    ];
    for (const server of fleet) await create(server);
    const list = async (query: string) => {
      const { status, body } = await guardian.request<Page>('GET', `api/v1/servers?${query}`);
      expect(status).toBe(200);
      return body;
    };

    expect(names(await list('q=lst-'))).toEqual(['lst-alpha', 'lst-bravo', 'lst-charlie', 'lst-delta', 'lst-echo']);
    expect(names(await list('q=needle'))).toEqual(['lst-delta']);
    expect(names(await list('q=CHARLIE.lst'))).toEqual(['lst-charlie']);
    expect(names(await list('tags=lst-web,lst-eu'))).toEqual(['lst-alpha', 'lst-delta']);
    expect(names(await list('tags=lst-eu&environment=lst-stage'))).toEqual(['lst-charlie', 'lst-delta']);
    expect(names(await list('environment=lst-dev'))).toEqual(['lst-echo']);
    expect(names(await list('q=lst-&sort=port&order=desc'))).toEqual(['lst-echo', 'lst-delta', 'lst-charlie', 'lst-bravo', 'lst-alpha']);

    const page = await list('q=lst-&sort=name&limit=2&offset=2');
    expect(names(page)).toEqual(['lst-charlie', 'lst-delta']);
    expect(page.total).toBe(5);
    const last = await list('q=lst-&limit=2&offset=4');
    expect({ names: names(last), total: last.total }).toEqual({ names: ['lst-echo'], total: 5 });
  });
});

describe('errors', () => {
  const json = (body: unknown): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  it.each([
    {
      what: 'a port out of range',
      path: 'api/v1/servers',
      init: json({ name: 'err-1', host: 'a.test', port: 70_000 }),
      status: 400,
      code: 'VALIDATION_FAILED',
      mentions: 'port',
    },
    {
      what: 'an unknown field',
      path: 'api/v1/servers',
      init: json({ name: 'err-2', host: 'a.test', colour: 'red' }),
      status: 400,
      code: 'VALIDATION_FAILED',
      mentions: 'colour',
    },
    {
      what: 'malformed JSON',
      path: 'api/v1/servers',
      init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' },
      status: 400,
      code: 'VALIDATION_FAILED',
      mentions: 'could not be read',
    },
    {
      what: 'a server id that does not exist',
      path: `api/v1/servers/${randomUUID()}`,
      init: { method: 'GET' },
      status: 404,
      code: 'NOT_FOUND',
      mentions: 'no server',
    },
    { what: 'an unknown route', path: 'api/v1/no-such-thing', init: { method: 'GET' }, status: 404, code: 'NOT_FOUND', mentions: '/api/v1/no-such-thing' },
    {
      what: 'a body over the limit (10 MiB)',
      path: 'api/v1/servers/import',
      init: json({ format: 'csv', content: 'x'.repeat(10 * 1024 * 1024) }),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      mentions: 'larger',
    },
    {
      what: 'a text/plain body',
      path: 'api/v1/servers',
      init: { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'name=x' },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      mentions: 'JSON',
    },
  ])('answers $what with $status $code in the error shape', async ({ path, init, status, code, mentions }) => {
    const response = await fetch(guardian.at(path), { ...init, headers: { ...guardian.auth(), ...(init.headers as Record<string, string> | undefined) } });
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: unknown };
    const error = AppErrorShape.parse(body.error);
    expect(error.code).toBe(code);
    expect(error.message).toContain(mentions);
    expect(error.hint.length).toBeGreaterThan(0);
    expect(response.headers.get('x-correlation-id')).toBe(error.correlationId);
  });

  it('answers a second server with the same name (any case) with 409 CONFLICT', async () => {
    await create({ name: 'dup-web', host: 'dup.test' });
    const init = json({ name: 'DUP-WEB', host: 'other.test' });
    const response = await fetch(guardian.at('api/v1/servers'), { ...init, headers: { ...guardian.auth(), ...(init.headers as Record<string, string>) } });
    expect(response.status).toBe(409);
    const error = AppErrorShape.parse(((await response.json()) as { error: unknown }).error);
    expect(error).toMatchObject({ code: 'CONFLICT', issues: [{ path: ['name'] }] });
    expect(response.headers.get('x-correlation-id')).toBe(error.correlationId);
  });
});

describe('operability endpoints', () => {
  it('answers /healthz and /readyz with 200, /readyz naming the database engine and saying whether checks run late', async () => {
    expect(await guardian.request('GET', 'healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await guardian.request('GET', 'readyz')).toMatchObject({
      status: 200,
      body: { status: 'ready', database: { engine: 'sqlite', version: expect.stringMatching(/^3\.\d+\.\d+$/) }, checks: { late: 0, message: null } },
    });
  });

  it('names the database engine and its version in /system/info and /metrics, the same in both', async () => {
    const { body } = await guardian.request<{ database: { engine: string; version: string } }>('GET', 'api/v1/system/info');
    expect(body.database).toEqual({ engine: 'sqlite', version: expect.stringMatching(/^3\.\d+\.\d+$/) });
    const metrics = await (await fetch(guardian.at('metrics'))).text();
    expect(metrics).toContain(`guardian_database_info{engine="sqlite",version="${body.database.version}"} 1`);
  });

  it('exposes Prometheus metrics, counting API requests by contract method and status', async () => {
    await create({ name: 'metrics-web', host: 'metrics.test' });
    const counted = /^guardian_http_requests_total\{method="servers\.create",status="200"\} (\d+)$/m;
    const text = await pollUntil(
      async () => {
        const response = await fetch(guardian.at('metrics'));
        expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
        return response.text();
      },
      (body) => counted.test(body),
      { what: 'the servers.create counter on /metrics', timeoutMs: 10_000 },
    );
    expect(text).toMatch(/^# TYPE guardian_process_cpu_seconds_total counter$/m);
    expect(text).toMatch(/^guardian_nodejs_eventloop_lag_seconds \d/m);
    expect(Number(counted.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
  });

  it('publishes an OpenAPI 3.1 document with one operation per contract method', async () => {
    type Operation = { operationId: string; parameters: { name: string; in: string }[] };
    const { status, body } = await guardian.request<{ openapi: string; paths: Record<string, Record<string, Operation>> }>('GET', 'api/v1/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    for (const def of methodList) {
      const path = API_PREFIX + def.http.path.replace(/:(\w+)/g, '{$1}');
      const operation = body.paths[path]?.[def.http.method.toLowerCase()];
      expect(operation?.operationId, `${def.http.method} ${path}`).toBe(def.name);
      for (const [, param] of def.http.path.matchAll(/:(\w+)/g)) {
        expect(operation?.parameters).toContainEqual(expect.objectContaining({ name: param, in: 'path' }));
      }
    }
    const operationIds = Object.values(body.paths).flatMap((verbs) => Object.values(verbs).map((op) => op.operationId));
    expect(operationIds.sort()).toEqual([...methodList.map((def) => def.name), 'events'].sort());
  });
});

describe('events and jobs', () => {
  it('streams servers.changed over Server-Sent Events when a server is created', async () => {
    const events = await openEvents(guardian.at('api/v1/events'), guardian.auth());
    try {
      const created = await create({ name: 'sse-web', host: 'sse.test' });
      const changed = await events.waitFor((e) => e.event === 'servers.changed' && JSON.stringify(e.data).includes(created.id));
      expect(changed.data).toEqual({ change: 'created', ids: [created.id] });
    } finally {
      events.close();
    }
  });

  it('imports a CSV as a job: good rows created, the bad row rejected with its line, progress streamed', async () => {
    const events = await openEvents(guardian.at('api/v1/events?events=job.progress'), guardian.auth());
    try {
      const csv = [
        'name,host,port,environment,tags',
        'imp-1,imp1.test,22,staging,web',
        'imp-2,imp2.test,not-a-port,staging,web',
        'imp-3,imp3.test,2222,production,db;eu',
        'imp-4,2001:db8::4,22,production,',
      ].join('\n');
      const started = await guardian.request<Job>('POST', 'api/v1/servers/import', { format: 'csv', content: csv, fileName: 'fleet.csv' });
      expect(started.status).toBe(200);
      expect(started.body).toMatchObject({ kind: 'servers.import', status: 'queued' });

      const finished = await pollUntil(
        async () => (await guardian.request<Job>('GET', `api/v1/jobs/${started.body.id}`)).body,
        (job) => ['succeeded', 'failed', 'cancelled'].includes(job.status),
        { what: 'the import job to finish', timeoutMs: 20_000 },
      );
      expect(finished.status).toBe('succeeded');
      const summary = finished.result as ImportSummary;
      expect(summary).toMatchObject({ rows: 4, created: 3, updated: 0, unchanged: 0 });
      expect(summary.rejected).toEqual([{ line: 3, name: 'imp-2', reason: expect.stringContaining('SSH port') }]);

      const imported = await guardian.request<Page>('GET', 'api/v1/servers?q=imp-');
      expect(names(imported.body)).toEqual(['imp-1', 'imp-3', 'imp-4']);

      const last = await events.waitFor((e) => e.event === 'job.progress' && (e.data as Job).id === started.body.id && (e.data as Job).status === 'succeeded');
      expect((last.data as Job).result).toEqual(summary);
      expect(events.received.every((e) => e.event === 'job.progress')).toBe(true);
      expect(events.received.some((e) => (e.data as Job).id === started.body.id && (e.data as Job).status === 'running')).toBe(true);
    } finally {
      events.close();
    }
  });
});

describe('operations over REST', () => {
  it('answers an output search at GET /operations/search from its query string, not as a run id, and the retention setting beside it', async () => {
    const query = `text=${encodeURIComponent('Permission denied')}&since=0&until=${Date.now()}&serverIds=${randomUUID()},${randomUUID()}&limit=5`;
    expect(await guardian.request('GET', `api/v1/operations/search?${query}`)).toMatchObject({ status: 200, body: { items: [], more: false } });
    const empty = await guardian.request<{ error: { code: string; issues: unknown[] } }>('GET', 'api/v1/operations/search?text=%20');
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['text'], message: 'Enter the text to look for' }] });
    expect(await guardian.request('GET', 'api/v1/operations/settings')).toMatchObject({ status: 200, body: { runRetentionDays: 90 } });
    expect(await guardian.request('PUT', 'api/v1/operations/settings', { runRetentionDays: 30 })).toMatchObject({
      status: 200,
      body: { runRetentionDays: 30 },
    });
  });
});

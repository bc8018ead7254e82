import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppErrorShape, methodList, methods, pathParams, type MethodDef } from '../../../shared/api';
import { isFinished, JobSchema, type Job } from '../../../shared/api/jobs';
import { IMPORT_MAX_BYTES, ImportSummary } from '../../../shared/api/servers';
import { LOCAL_OWNER, PERMISSIONS } from '../../../shared/permissions';
import { useTempCore } from '../testing/harness';

/**
 * Whatever arrives at the router (fuzzed, malformed, hostile), the answer is a value the
 * method's output schema accepts or an error of the one shape; malformed input is
 * VALIDATION_FAILED; nothing ever surfaces as INTERNAL. And every call of a method the contract
 * marks audited writes exactly one audit event (whatever its outcome), every other call none,
 * and every job a call starts records its end.
 */

const RUNS = 200;
const SEED = 20_260_101;

const env = useTempCore({ scope: 'all', prefix: 'guardian-contract-' });
const knownIds: string[] = [];

beforeAll(async () => {
  for (const name of ['web-1', 'db-1', 'cache-1']) {
    const created = await env.core.router.invoke(LOCAL_OWNER, 'servers.create', { name, host: `${name}.example.com`, tags: ['seed'] }, { origin: 'test' });
    knownIds.push(created.id);
  }
});

const keysOf = (def: MethodDef): string[] => (def.input instanceof z.ZodObject ? Object.keys(def.input.shape) : []);

/** Everything fast-check can make, including the odd corners of JavaScript. */
const junk = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
});

const hostileNumber = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, -0, 0.5, 1e308, -1e308, 2 ** 53 + 1, 70_000);
const hostileString = fc.oneof(
  fc.string({ maxLength: 300, unit: 'binary' }),
  fc.constantFrom('', ' ', '\u0000', '\u202e', '%', '_', "'; DROP TABLE servers; --", '../../etc/passwd', '__proto__', 'constructor', '-1', 'NaN', '1e3'),
  fc.integer({ min: 0, max: 6 }).map((power) => 'x'.repeat(10 ** power + 1)),
);
const hostileValue = fc.oneof(junk, hostileNumber, hostileString, fc.array(hostileString, { maxLength: 40 }));

/** Ids of servers and jobs that exist, so fuzzed get/update/delete/cancel sometimes hit a real one. */
const knownJobIds: string[] = [];
const pickFrom = (list: string[]) => fc.nat().map((index) => list[index % Math.max(list.length, 1)] ?? '00000000-0000-4000-8000-000000000000');
const anyId = fc.oneof(fc.uuid(), pickFrom(knownIds), pickFrom(knownJobIds));

/** Mostly valid values, sometimes odd ones, so calls reach the services as well as the validation. */
const mostly = <T, U>(good: fc.Arbitrary<T>, odd: fc.Arbitrary<U>) => fc.oneof({ arbitrary: good, weight: 5 }, { arbitrary: odd, weight: 1 });
const slug = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,10}$/);
const plausible: Record<string, fc.Arbitrary<unknown>> = {
  id: anyId,
  name: mostly(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,30}$/), fc.constantFrom('web-1', 'WEB-1', ' spaced ', '', 'n'.repeat(101), 'tab\there')),
  // Loopback only: a method that connects (a probe) is refused at once instead of waiting on the network.
  host: mostly(
    fc.constantFrom('localhost', '127.0.0.1', '127.0.0.2', '[::1]', '::1'),
    fc.constantFrom('999.1.1.1', 'has space', '-bad-.example', '[a.example.com]', ''),
  ),
  port: mostly(fc.integer({ min: 1, max: 65_535 }), fc.oneof(fc.integer({ min: -5, max: 70_000 }), hostileNumber)),
  user: mostly(fc.constantFrom(null, 'root', 'deploy@corp'), fc.constantFrom('bad user', '', 'u'.repeat(65))),
  environment: mostly(slug, fc.constantFrom('Prod Env', '', '-x')),
  tags: mostly(fc.array(slug, { maxLength: 5 }), fc.oneof(fc.constant('web,eu'), fc.array(fc.constantFrom('bad tag', '', 'Web'), { maxLength: 3 }))),
  notes: fc.string({ maxLength: 200 }),
  q: fc.oneof(fc.constantFrom('web', '%', '_', '\\', "'"), fc.string({ maxLength: 20 })),
  sort: fc.constantFrom('name', 'host', 'port', 'environment', 'createdAt', 'updatedAt', 'password'),
  order: fc.constantFrom('asc', 'desc', 'sideways'),
  limit: mostly(fc.integer({ min: 1, max: 500 }), fc.oneof(fc.integer({ min: -1, max: 20_000 }), fc.constantFrom('10', '0', 'ten'))),
  offset: mostly(fc.integer({ min: 0, max: 1000 }), fc.constantFrom('5', '-1', -1)),
  format: mostly(fc.constantFrom('json', 'csv', 'ssh_config'), fc.constant('xml')),
  content: fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.constantFrom(
      '[{"name":"x","host":"x.example.com"},{"name":"y","host":"999.1.1.1"}]',
      'name,host,port\nq,q.example.com,22\nr,r.example.com,port\n',
      'Host z zz\n  HostName %h.example.com\nHost *\n  User deploy\n',
      '{',
      'name,host\n"',
      'Match exec "false"\nHost *\n',
    ),
  ),
  fileName: fc.string({ maxLength: 40 }),
  timeoutMs: mostly(fc.constantFrom(100, 150), fc.constantFrom(99, 30_001, '100', 'soon')),
};
const generic = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.boolean(), fc.constant(null), fc.uuid(), fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }));

/** Inputs with the method's own keys: often valid, often almost valid. */
function validish(def: MethodDef): fc.Arbitrary<Record<string, unknown>> {
  const keys = keysOf(def);
  return fc.record(Object.fromEntries(keys.map((key) => [key, plausible[key] ?? generic])), { requiredKeys: [] });
}

/** The method's keys, with values of the wrong type or out of range. */
function wrongTyped(def: MethodDef): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(Object.fromEntries(keysOf(def).map((key) => [key, hostileValue])), { requiredKeys: [] });
}

const extraKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'isAdmin', 'role', ''), fc.string({ minLength: 1, maxLength: 12 }));

/** A copy of `input` with one more own, enumerable key (even `__proto__`, as JSON.parse makes it). */
function withKey(input: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy = { ...input };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

const eventsOf = (correlationId: string, action: string) =>
  env.core.database.sqlite.prepare('SELECT outcome FROM audit_events WHERE correlation_id = ? AND action = ?').pluck().all(correlationId, action) as string[];

/** The one property every answer must have. Returns the error code, if any. */
async function answerIsSound(def: MethodDef, input: unknown): Promise<string | undefined> {
  const correlationId = randomUUID();
  const result = await env.core.router.call(LOCAL_OWNER, def.name, input, { origin: 'test', correlationId });
  const outcome = result.ok ? 'ok' : result.error.code;
  expect(eventsOf(correlationId, def.name), `${def.name} (${outcome}): audit events written`).toEqual(def.audit === false ? [] : [outcome]);
  if (result.ok) {
    const checked = def.output.safeParse(result.value);
    expect(checked.success, `${def.name} answered a value its output schema refuses: ${checked.error?.message}`).toBe(true);
    if (def.name === 'servers.create') knownIds.push((result.value as { id: string }).id);
    if (def.output === JobSchema) {
      const job = result.value as Job;
      knownJobIds.push(job.id);
      const finished = await env.core.jobs.waitFor(job.id);
      expect(isFinished(finished)).toBe(true);
      expect(eventsOf(job.id, 'job.finished'), `the end of job ${finished.kind}`).toEqual([finished.status === 'succeeded' ? 'ok' : (finished.error?.code ?? finished.status.toUpperCase())]);
      expect(finished.error?.code, `job ${finished.kind} crashed on ${JSON.stringify(input)?.slice(0, 200)}`).not.toBe('INTERNAL');
      if (finished.status === 'succeeded' && finished.kind === 'servers.import') expect(ImportSummary.safeParse(finished.result).success).toBe(true);
    }
    return undefined;
  }
  const { error } = result;
  expect(AppErrorShape.safeParse(error).success, `malformed error ${JSON.stringify(error)}`).toBe(true);
  expect(error.code, `${def.name} failed INTERNAL on ${String(JSON.stringify(input, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)))?.slice(0, 300)}`).not.toBe('INTERNAL');
  if (!def.input.safeParse(input ?? {}).success) {
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.issues?.length).toBeGreaterThan(0);
  }
  return error.code;
}

describe.each(methodList.map((def) => [def.name, def] as const))('%s under fuzzed input', (_name, def) => {
  it('answers anything at all soundly', async () => {
    await fc.assert(
      fc.asyncProperty(junk, async (input) => {
        await answerIsSound(def, input);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('answers its own keys with wrong, hostile or plausible values soundly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(wrongTyped(def), validish(def)), async (input) => {
        await answerIsSound(def, input);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('refuses any key it does not know, prototype keys included, with VALIDATION_FAILED', async () => {
    const known = new Set(keysOf(def));
    await fc.assert(
      fc.asyncProperty(validish(def), extraKey.filter((key) => !known.has(key)), hostileValue, async (input, key, value) => {
        const sneaky = withKey(input, key, value);
        expect(await answerIsSound(def, sneaky)).toBe('VALIDATION_FAILED');
      }),
      { numRuns: RUNS / 2, seed: SEED },
    );
  });
});

describe('the contract', () => {
  it('leaves Object.prototype untouched after all that', () => {
    const probe: Record<string, unknown> = {};
    expect(probe.isAdmin).toBeUndefined();
    expect(probe.role).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('names each method by its key in `methods`', () => {
    for (const [key, def] of Object.entries(methods)) expect(def.name).toBe(key);
  });

  it('gives every method a known permission and an HTTP route whose parameters are input fields', () => {
    const access = new Set<string>([...PERMISSIONS, 'public', 'authenticated']);
    for (const def of methodList) {
      expect(access.has(def.permission), `${def.name}: ${def.permission}`).toBe(true);
      expect(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).toContain(def.http.method);
      expect(def.http.path).toMatch(/^\/[a-z0-9/:._-]*$/i);
      for (const param of pathParams(def.http.path)) expect(keysOf(def), `${def.name} route :${param}`).toContain(param);
    }
  });

  it('never gives two methods the same verb and path', () => {
    const routes = methodList.map((def) => `${def.http.method} ${def.http.path.replace(/:[A-Za-z0-9]+/g, ':')}`);
    const repeated = routes.filter((route, index) => routes.indexOf(route) !== index);
    expect(repeated).toEqual([]);
  });

  it('refuses an import larger than the limit before reading it', async () => {
    const result = await env.core.router.call(LOCAL_OWNER, 'servers.import', { format: 'json', content: ' '.repeat(IMPORT_MAX_BYTES + 1) }, { origin: 'test' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.issues?.[0]).toEqual({ path: ['content'], message: 'The file is larger than 8 MiB' });
  });
});

import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppErrorShape, methodList, type MethodDef } from '@shared/api';
import { isFinished, JobSchema, type Job } from '@shared/api/jobs';
import { ImportSummary } from '@shared/api/servers';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { read, type Dialect } from '../db/engine';
import { useTempCore } from './harness';

/**
 * Contract fuzzing (main/core/api/contract.property.*.test.ts): whatever arrives at the router
 * (fuzzed, malformed, hostile), the answer is a value the method's output schema accepts or an
 * error of the one shape; malformed input is VALIDATION_FAILED; nothing ever surfaces as
 * INTERNAL. And every call of a method the contract marks audited writes exactly one audit event
 * (whatever its outcome), every other call none, and every job a call starts records its end.
 *
 * The methods are fuzzed in a few files, by domain, each over a core of its own: the files run
 * side by side, and each audit log holds only its own domains' events (audit.verify walks all of
 * it on every call). Each file fuzzes on both engines, SQLite first, then PostgreSQL with fewer
 * cases of the same seed (see {@link RUNS}). Only tests import this module.
 */

/** Which domains (the part of a method name before the dot) each fuzzing file takes; every domain is in exactly one. */
export const FUZZ_SHARDS = {
  accounts: ['system', 'updates', 'auth', 'sessions', 'onboarding', 'users', 'apikeys', 'security'],
  fleet: ['servers', 'checks', 'health', 'incidents', 'maintenance', 'monitoring', 'alerts'],
  vault: ['vault', 'secrets'],
  jobs: ['jobs', 'reports', 'schedules', 'audit', 'operations', 'runbooks', 'terminal'],
} as const satisfies Record<string, readonly string[]>;
export type FuzzShard = keyof typeof FUZZ_SHARDS;

export const domainOf = (def: MethodDef): string => def.name.slice(0, def.name.indexOf('.'));

/** The shards that take a domain: exactly one for every domain the contract has. */
export const shardsOf = (domain: string): FuzzShard[] =>
  (Object.keys(FUZZ_SHARDS) as FuzzShard[]).filter((shard) => (FUZZ_SHARDS[shard] as readonly string[]).includes(domain));

/**
 * Cases per property. On PostgreSQL a case costs about four times what it does on SQLite (round
 * trips to the server, the audit event written over the network), so there the same seed's first
 * cases run: each method still gets 25 calls there, junk, hostile and plausible, and the suite stays
 * inside its time (docs/quality.md). Validation, permissions and the answers' shapes are the same
 * code on both engines; what differs is each store's SQL and what the database accepts (jsonb
 * refused a canonical JSON text with a bare comma, which SQLite stored).
 */
const RUNS: Record<Dialect, number> = { sqlite: 200, postgres: 10 };
const SEED = 20_260_101;

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

/**
 * One engine's fuzzing: its core, and the ids of servers and jobs that exist there, so fuzzed
 * get/update/delete/cancel sometimes hit a real one. Kept per run, never in the module: the files
 * share a worker's modules.
 */
interface FuzzRun {
  core(): Core;
  audit(): AuditReads;
  knownIds: string[];
  knownJobIds: string[];
  /** For each job seen, the newest event before the call that first returned it: its end is recorded after that. */
  jobsSince: Map<string, number>;
  plausible: Record<string, fc.Arbitrary<unknown>>;
}

const pickFrom = (list: string[]) => fc.nat().map((index) => list[index % Math.max(list.length, 1)] ?? '00000000-0000-4000-8000-000000000000');

/** Mostly valid values, sometimes odd ones, so calls reach the services as well as the validation. */
const mostly = <T, U>(good: fc.Arbitrary<T>, odd: fc.Arbitrary<U>) => fc.oneof({ arbitrary: good, weight: 5 }, { arbitrary: odd, weight: 1 });
const slug = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,10}$/);
/** Values for the keys methods share, but `id` (see {@link FuzzRun}). */
const PLAUSIBLE: Record<string, fc.Arbitrary<unknown>> = {
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
const generic = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.uuid(),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
);

/** Inputs with the method's own keys: often valid, often almost valid. */
function validish(run: FuzzRun, def: MethodDef): fc.Arbitrary<Record<string, unknown>> {
  const keys = keysOf(def);
  return fc.record(Object.fromEntries(keys.map((key) => [key, run.plausible[key] ?? generic])), { requiredKeys: [] });
}

/** The method's keys, with values of the wrong type or out of range. */
function wrongTyped(def: MethodDef): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(Object.fromEntries(keysOf(def).map((key) => [key, hostileValue])), { requiredKeys: [] });
}

const extraKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'isAdmin', 'role', ''),
  fc.string({ minLength: 1, maxLength: 12 }),
);

/** A copy of `input` with one more own, enumerable key (even `__proto__`, as JSON.parse makes it). */
function withKey(input: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy = { ...input };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** What the fuzz reads of a core's audit log. */
interface AuditReads {
  /** The newest event's sequence number: a call's events are all after it (the log only appends). */
  lastSeq(): Promise<number>;
  /**
   * The outcomes of the events for `correlationId` and `action` written after event `since`: by
   * sequence number, since the log has no index on correlation ids.
   */
  eventsOf(correlationId: string, action: string, since: number): Promise<string[]>;
}

const LAST_SEQ = 'SELECT coalesce(max(seq), 0) AS seq FROM audit_events';

/**
 * On SQLite through the file's own connection, its statements prepared once: the fuzz makes tens
 * of thousands of calls there, and through the data layer (the same CPU time) its tests took 12 to
 * 17 s against 7 to 11 s, in a few runs each on a busy machine. On PostgreSQL through the core's
 * data layer.
 */
function auditReads(core: Core): AuditReads {
  const sqlite = core.database.sqlite?.sqlite;
  if (sqlite) {
    const lastSeq = sqlite.prepare(LAST_SEQ).pluck();
    const eventsSince = sqlite.prepare('SELECT outcome FROM audit_events WHERE seq > ? AND correlation_id = ? AND action = ? ORDER BY seq').pluck();
    return {
      lastSeq: async () => lastSeq.get() as number,
      eventsOf: async (correlationId, action, since) => eventsSince.all(since, correlationId, action) as string[],
    };
  }
  return {
    lastSeq: async () => (await core.data.lookup(LAST_SEQ, [], (row) => read.number(row, 'seq'))) ?? 0,
    eventsOf: (correlationId, action, since) =>
      core.data.all(
        sql`SELECT outcome FROM audit_events WHERE seq > ${since} AND correlation_id = ${correlationId} AND action = ${action} ORDER BY seq`,
        (row) => read.text(row, 'outcome'),
      ),
  };
}

/**
 * The input as text for a failure message (bigints as strings), cut short. Made only when a
 * check fails: some inputs hold strings of a megabyte.
 */
const shown = (input: unknown, length: number): string =>
  String(JSON.stringify(input, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))).slice(0, length);

/** The one property every answer must have. Returns the error code, if any. */
async function answerIsSound(run: FuzzRun, def: MethodDef, input: unknown): Promise<string | undefined> {
  const core = run.core();
  const audit = run.audit();
  const { knownIds, knownJobIds, jobsSince } = run;
  const correlationId = randomUUID();
  const before = await audit.lastSeq();
  const result = await core.router.call(LOCAL_OWNER, def.name, input, { origin: 'test', correlationId });
  const outcome = result.ok ? 'ok' : result.error.code;
  expect(await audit.eventsOf(correlationId, def.name, before), `${def.name} (${outcome}): audit events written`).toEqual(def.audit === false ? [] : [outcome]);
  if (result.ok) {
    const checked = def.output.safeParse(result.value);
    expect(checked.success, `${def.name} answered a value its output schema refuses: ${checked.error?.message}`).toBe(true);
    if (def.name === 'servers.create') knownIds.push((result.value as { id: string }).id);
    if (def.output === JobSchema) {
      const job = result.value as Job;
      knownJobIds.push(job.id);
      const since = jobsSince.get(job.id) ?? before;
      jobsSince.set(job.id, since);
      const finished = await core.jobs.waitFor(job.id);
      expect(isFinished(finished)).toBe(true);
      expect(await audit.eventsOf(job.id, 'job.finished', since), `the end of job ${finished.kind}`).toEqual([
        finished.status === 'succeeded' ? 'ok' : (finished.error?.code ?? finished.status.toUpperCase()),
      ]);
      if (finished.error?.code === 'INTERNAL') expect.fail(`job ${finished.kind} crashed on ${shown(input, 200)}`);
      if (finished.status === 'succeeded' && finished.kind === 'servers.import') expect(ImportSummary.safeParse(finished.result).success).toBe(true);
    }
    return undefined;
  }
  const { error } = result;
  expect(AppErrorShape.safeParse(error).success, `malformed error ${JSON.stringify(error)}`).toBe(true);
  if (error.code === 'INTERNAL') expect.fail(`${def.name} failed INTERNAL on ${shown(input, 300)}`);
  if (!def.input.safeParse(input ?? {}).success) {
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.issues?.length).toBeGreaterThan(0);
  }
  return error.code;
}

/**
 * Fuzzes every method of the shard's domains, the audit log's first and then in the contract's
 * order, on each engine against one core for the file (seeded with three servers), then checks
 * nothing polluted Object.prototype.
 */
export function fuzzContract(shard: FuzzShard): void {
  // The audit log's own methods first, while the log holds little else: audit.verify walks all of
  // it on every call, and by the end of a shard it holds every earlier call's event (thousands).
  // Which inputs each method gets does not depend on the order; the job ids they may pick do, and
  // the jobs' methods get more real ones to pick from this way.
  const fuzzed = methodList
    .filter((def) => shardsOf(domainOf(def)).includes(shard))
    .sort((a, b) => Number(domainOf(b) === 'audit') - Number(domainOf(a) === 'audit'));

  describe.each(['sqlite', 'postgres'] as const)('on %s', (engine) => {
    const env = useTempCore({ scope: 'all', prefix: `guardian-contract-${shard}-`, engine });
    const knownIds: string[] = [];
    const knownJobIds: string[] = [];
    let audit: AuditReads | undefined;
    const run: FuzzRun = {
      core: () => env.core,
      audit: () => (audit ??= auditReads(env.core)),
      knownIds,
      knownJobIds,
      jobsSince: new Map(),
      plausible: { ...PLAUSIBLE, id: fc.oneof(fc.uuid(), pickFrom(knownIds), pickFrom(knownJobIds)) },
    };
    const numRuns = RUNS[engine];

    beforeAll(async () => {
      for (const name of ['web-1', 'db-1', 'cache-1']) {
        const created = await env.core.router.invoke(LOCAL_OWNER, 'servers.create', { name, host: `${name}.example.com`, tags: ['seed'] }, { origin: 'test' });
        knownIds.push(created.id);
      }
    });

    describe.each(fuzzed.map((def) => [def.name, def] as const))('%s under fuzzed input', (_name, def) => {
      it('answers anything at all soundly', async () => {
        await fc.assert(
          fc.asyncProperty(junk, async (input) => {
            await answerIsSound(run, def, input);
          }),
          { numRuns, seed: SEED },
        );
      });

      it('answers its own keys with wrong, hostile or plausible values soundly', async () => {
        await fc.assert(
          fc.asyncProperty(fc.oneof(wrongTyped(def), validish(run, def)), async (input) => {
            await answerIsSound(run, def, input);
          }),
          { numRuns, seed: SEED },
        );
      });

      it('refuses any key it does not know, prototype keys included, with VALIDATION_FAILED', async () => {
        const known = new Set(keysOf(def));
        await fc.assert(
          fc.asyncProperty(
            validish(run, def),
            extraKey.filter((key) => !known.has(key)),
            hostileValue,
            async (input, key, value) => {
              const sneaky = withKey(input, key, value);
              expect(await answerIsSound(run, def, sneaky)).toBe('VALIDATION_FAILED');
            },
          ),
          { numRuns: numRuns / 2, seed: SEED },
        );
      });
    });
  });

  describe('after all that', () => {
    it('leaves Object.prototype untouched', () => {
      const probe: Record<string, unknown> = {};
      expect(probe.isAdmin).toBeUndefined();
      expect(probe.role).toBeUndefined();
      expect(Object.keys(Object.prototype)).toEqual([]);
    });
  });
}

import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditFilter } from '@shared/api/audit';
import { AppError } from '@shared/api/errors';
import { jsonParam, read, type AsyncDatabase, type Queryable } from '../db/engine';
import { useEngines } from '../testing/engines';
import { canonicalDetails } from './chain';
import { getAuditEvent, listAuditEvents } from './reads';
import { indexCopiedEvents } from './store';
import { facetText, searchText } from './search';

/**
 * The audit log's filters on both engines (docs/architecture.md §4, §9): every filter finds exactly the
 * events it should, the same on SQLite (FTS5) and PostgreSQL (GIN indexes), and PostgreSQL answers
 * from its indexes.
 */

const engines = useEngines('guardian-audit-reads-');
const ENGINES = {
  sqlite: async () => (await engines.fresh('sqlite')).db,
  postgres: async () => (await engines.fresh('postgres')).db,
};

interface Planted {
  seq: number;
  at: number;
  actor: string;
  actorName: string | null;
  action: string;
  target: string | null;
  outcome: string;
  details: Record<string, unknown>;
}

/**
 * The events, from seq 101 (retention removed the first hundred): names with spaces and in other
 * scripts, failures and successes, details whose words look like search syntax, and a word
 * ("alice") that is also an actor's name.
 */
const EVENTS: Planted[] = [
  {
    seq: 101,
    at: 1000,
    actor: 'user:u1',
    actorName: 'Alice Smith',
    action: 'servers.create',
    target: 'server:web 1',
    outcome: 'ok',
    details: { name: 'web 1', host: 'db-1.example.com' },
  },
  {
    seq: 102,
    at: 2000,
    actor: 'user:u2',
    actorName: 'Борис',
    action: 'servers.delete',
    target: 'server:сервер-2',
    outcome: 'FORBIDDEN',
    details: { reason: 'Нет доступа', note: 'alice was here' },
  },
  {
    seq: 103,
    at: 2000,
    actor: 'apiKey:k1',
    actorName: 'ci key',
    action: 'audit.export',
    target: 'export:csv',
    outcome: 'ok',
    details: { format: 'csv', path: '/tmp/a & b | !c.csv' },
  },
  {
    seq: 104,
    at: 3000,
    actor: 'system:scheduler',
    actorName: null,
    action: 'job.finished',
    target: null,
    outcome: 'TIMEOUT',
    details: { job: 'backup', message: 'a & b | !c failed: "x" OR y' },
  },
  {
    seq: 105,
    at: 4000,
    actor: 'anonymous',
    actorName: null,
    action: 'auth.login',
    target: 'user:alice',
    outcome: 'UNAUTHENTICATED',
    details: { username: 'alice', ip: '203.0.113.9' },
  },
  {
    seq: 106,
    at: 5000,
    actor: 'user:u1',
    actorName: 'alice',
    action: 'servers.update',
    target: 'server:web 1',
    outcome: 'ok',
    details: { changes: ['port'], café: 'Café crème' },
  },
  {
    seq: 107,
    at: 6000,
    actor: 'user:u3',
    actorName: "Zoë O'Brien",
    action: 'settings.update',
    target: 'settings',
    outcome: 'VALIDATION',
    details: { field: 'retention', value: 10 },
  },
  {
    seq: 108,
    at: 6000,
    actor: 'user:u1',
    actorName: 'alice',
    action: 'servers.create',
    target: 'server:日本',
    outcome: 'ok',
    details: { name: '日本サーバー', nested: { deep: 'Ω-42' } },
  },
];

const insert = (event: Planted) =>
  sql`INSERT INTO audit_events (seq, at, actor, actor_name, origin, action, target, outcome, correlation_id, details, prev_hash, hash)
      VALUES (${event.seq}, ${event.at}, ${event.actor}, ${event.actorName}, ${'api'}, ${event.action}, ${event.target}, ${event.outcome},
              ${`c-${event.seq}`}, ${jsonParam(event.details)}, ${`prev-${event.seq}`}, ${`hash-${event.seq}`})`;

/** On PostgreSQL, the search vectors the audit store writes with each event (migrations-pg 0003), from the text it computes. */
const withSearchText = (event: Planted) =>
  sql`UPDATE audit_events SET search_facets = to_tsvector('simple', ${facetText(event)}),
      search_words = to_tsvector('simple', ${searchText(canonicalDetails(event.details))}) WHERE seq = ${event.seq}`;

/**
 * Rows written straight to the table, then indexed for search: as the audit log writes them, or
 * with `copied` as `guardian db copy` indexes what it wrote (indexCopiedEvents: on PostgreSQL
 * through migrations-pg 0002's functions, as the migration that added the vectors did too).
 */
async function plant(database: AsyncDatabase, events: readonly Planted[], copied = false): Promise<void> {
  await database.transaction(async (tx) => {
    for (const event of events) {
      await tx.run(insert(event));
      if (tx.dialect === 'postgres' && !copied) await tx.run(withSearchText(event));
    }
    if (tx.dialect === 'sqlite' || copied) await indexCopiedEvents(tx);
  });
}

/** Every filter, with the seqs it must find, newest first. */
const CASES: [string, AuditFilter, number[]][] = [
  ['no filter', {}, [108, 107, 106, 105, 104, 103, 102, 101]],
  ['actor as a principal', { actor: 'user:u1' }, [108, 106, 101]],
  ['actor as a name', { actor: 'alice' }, [108, 106]],
  ['actor as a name with a space', { actor: 'Alice Smith' }, [101]],
  ['actor name is exact, not a prefix or case-insensitive', { actor: 'Alice' }, []],
  ['actor as an API key name', { actor: 'ci key' }, [103]],
  ['actor name in Cyrillic', { actor: 'Борис' }, [102]],
  ['actor name with punctuation and a diacritic', { actor: "Zoë O'Brien" }, [107]],
  ['actor anonymous', { actor: 'anonymous' }, [105]],
  ['actor system', { actor: 'system:scheduler' }, [104]],
  ['action', { action: 'servers.create' }, [108, 101]],
  ['target with a space', { target: 'server:web 1' }, [106, 101]],
  ['target in another script', { target: 'server:日本' }, [108]],
  ['target in Cyrillic with a hyphen', { target: 'server:сервер-2' }, [102]],
  ['target names a user, not the actor', { target: 'user:alice' }, [105]],
  ['outcome ok', { outcome: 'ok' }, [108, 106, 103, 101]],
  ['outcome error: every failure', { outcome: 'error' }, [107, 105, 104, 102]],
  ['outcome a specific code', { outcome: 'FORBIDDEN' }, [102]],
  ['outcome a code nobody got', { outcome: 'CONFLICT' }, []],
  ['a word in the details (also an actor name: the details only)', { q: 'alice' }, [105, 102]],
  ['a word in any case', { q: 'ALICE' }, [105, 102]],
  ['every word must be found', { q: 'alice here' }, [102]],
  ['tsquery syntax is text', { q: 'a & b | !c' }, [104, 103]],
  ['FTS syntax is text', { q: '"x" OR y' }, [104]],
  ['a NOT is a word too', { q: 'x NOT y' }, []],
  ['a host name is its words', { q: 'example' }, [101]],
  ['a host name as typed', { q: 'db-1.example.com' }, [101]],
  ['an address', { q: '203.0.113.9' }, [105]],
  ['a diacritic is ignored', { q: 'cafe' }, [106]],
  ['a diacritic in the query, upper case', { q: 'CAFÉ CRÈME' }, [106]],
  ['Cyrillic in another case', { q: 'нет' }, [102]],
  ['a word in Japanese', { q: '日本サーバー' }, [108]],
  ['a nested value', { q: 'Ω 42' }, [108]],
  ['a key of the details', { q: 'username' }, [105]],
  ['a field value is not a detail word', { q: 'Борис' }, []],
  ['no words at all: no word condition', { q: '!!! ??' }, [108, 107, 106, 105, 104, 103, 102, 101]],
  ['from a time', { from: 2000 }, [108, 107, 106, 105, 104, 103, 102]],
  ['to a time (exclusive)', { to: 2000 }, [101]],
  ['from and to', { from: 2000, to: 4000 }, [104, 103, 102]],
  ['from and to between events', { from: 2500, to: 5001 }, [106, 105, 104]],
  ['from after the last event', { from: 7000 }, []],
  ['to before the first event', { to: 500 }, []],
  ['action from a time', { action: 'servers.create', from: 1500 }, [108]],
  ['failures with a word', { outcome: 'error', q: 'alice' }, [105, 102]],
  ['successes by a principal', { outcome: 'ok', actor: 'user:u1' }, [108, 106, 101]],
  ['an actor name and a word found only in others’ details', { actor: 'alice', q: 'alice' }, []],
  ['every filter at once', { actor: 'user:u1', action: 'servers.update', target: 'server:web 1', outcome: 'ok', q: 'crème', from: 5000, to: 6000 }, [106]],
];

const seqs = (page: { items: { seq: number }[] }) => page.items.map((event) => event.seq);

/** The runs: SQLite, PostgreSQL with the search vectors the store writes, and PostgreSQL rows indexed as a copy indexes them. */
type Run = 'sqlite' | 'postgres' | 'postgres, rows indexed as a copy';

/** Each run's answers, kept to compare them at the end. */
const answers: Record<Run, Record<string, number[]>> = { sqlite: {}, postgres: {}, 'postgres, rows indexed as a copy': {} };

describe.each(['sqlite', 'postgres', 'postgres, rows indexed as a copy'] as const)('audit reads on %s', (run: Run) => {
  let database: AsyncDatabase;

  beforeAll(async () => {
    database = await ENGINES[run === 'sqlite' ? 'sqlite' : 'postgres']();
    await plant(database, EVENTS, run === 'postgres, rows indexed as a copy');
  });

  afterAll(async () => {
    await database?.close();
  });

  it.each(CASES)('%s', async (name, filter, expected) => {
    const page = await listAuditEvents(database, { ...filter, limit: 100 });
    expect(seqs(page)).toEqual(expected);
    expect(page.nextBefore).toBeNull();
    answers[run][name] = seqs(page);
  });

  it('pages newest first by the cursor, with nextBefore until the last page', async () => {
    const first = await listAuditEvents(database, { limit: 3 });
    expect([seqs(first), first.nextBefore]).toEqual([[108, 107, 106], 106]);
    const second = await listAuditEvents(database, { limit: 3, before: 106 });
    expect([seqs(second), second.nextBefore]).toEqual([[105, 104, 103], 103]);
    const last = await listAuditEvents(database, { limit: 3, before: 103 });
    // Exactly the rest: no further page is promised.
    expect([seqs(last), last.nextBefore]).toEqual([[102, 101], null]);
  });

  it('pages a filtered list, the cursor inside the filter and a time range', async () => {
    const first = await listAuditEvents(database, { outcome: 'error', limit: 2 });
    expect([seqs(first), first.nextBefore]).toEqual([[107, 105], 105]);
    const second = await listAuditEvents(database, { outcome: 'error', limit: 2, before: 105 });
    expect([seqs(second), second.nextBefore]).toEqual([[104, 102], null]);
    const ranged = await listAuditEvents(database, { q: 'a b c', from: 2000, to: 6000, limit: 1, before: 104 });
    expect([seqs(ranged), ranged.nextBefore]).toEqual([[103], null]);
  });

  it('returns each event as the API shows it: details as the object written, hash-chain fields as text', async () => {
    const page = await listAuditEvents(database, { target: 'server:日本', limit: 1 });
    const expected = {
      seq: 108,
      at: 6000,
      actor: 'user:u1',
      actorName: 'alice',
      origin: 'api',
      action: 'servers.create',
      target: 'server:日本',
      outcome: 'ok',
      correlationId: 'c-108',
      details: { name: '日本サーバー', nested: { deep: 'Ω-42' } },
      prevHash: 'prev-108',
      hash: 'hash-108',
    };
    expect(page.items).toEqual([expected]);
    expect(await getAuditEvent(database, 108)).toEqual(expected);
    expect(await getAuditEvent(database, 104)).toMatchObject({ actorName: null, target: null, outcome: 'TIMEOUT' });
  });

  it('an event that is not there is NOT_FOUND, with the retention hint', async () => {
    const error = await getAuditEvent(database, 100).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'There is no audit event 100.', hint: 'It may be older than the retention period.' });
  });
});

describe('audit reads on both engines', () => {
  it('every filter found the same events on SQLite and PostgreSQL, rows indexed as the audit log or a copy indexes them', () => {
    expect(Object.keys(answers.postgres)).toHaveLength(CASES.length);
    expect(answers.postgres).toEqual(answers.sqlite);
    expect(answers['postgres, rows indexed as a copy']).toEqual(answers.sqlite);
  });

  it("the search text Guardian writes is the text PostgreSQL's functions compute for a copied row", async () => {
    const database = await ENGINES.postgres();
    try {
      const samples = [
        ...EVENTS,
        ...[
          'Crème brûlée à la carte',
          'naïve café Ångström',
          'e\u0301\u0302 stacked marks',
          'ǅemal ŉ',
          'tab\tnew\nline "quoted" \\ back',
          'a.b@c-d.example/path?x=1&y=2',
          '½ Ⅻ ١٢٣ ２０２６',
          '🙂 emoji_and_snake',
          '',
        ].map(
          (text, index) =>
            ({
              at: 1,
              actor: 'user:u1',
              action: 'servers.create',
              seq: 1 + index,
              actorName: index % 2 ? null : text,
              target: index % 3 ? text : null,
              outcome: index % 2 ? 'ok' : 'DENIED',
              details: { text, n: index, list: [text, 1.5, true, null] },
            }) satisfies Planted,
        ),
      ];
      for (const event of samples) {
        const details = canonicalDetails(event.details);
        const computed = await database.get(
          sql`SELECT guardian_audit_facets(${event.action}, ${event.actor}, ${event.actorName}, ${event.target}, ${event.outcome}) AS facets,
                     to_tsvector('simple', guardian_search_words(${jsonParam(event.details)}::jsonb::text))::text AS words,
                     to_tsvector('simple', ${searchText(details)})::text AS ours`,
          (row) => ({ facets: read.text(row, 'facets'), words: read.text(row, 'words'), ours: read.text(row, 'ours') }),
        );
        expect(facetText(event), JSON.stringify(event.details)).toBe(computed?.facets);
        // The same tokens (a tsvector lists each once, sorted); their positions differ, as PostgreSQL orders a JSON object's keys its own way.
        const tokens = (vector: string | undefined) =>
          (vector ?? '')
            .split(' ')
            .map((entry) => entry.replace(/:[\d,]+$/, ''))
            .sort();
        expect(tokens(computed?.ours), JSON.stringify(event.details)).toEqual(tokens(computed?.words));
      }
    } finally {
      await database.close();
    }
  });
});

/** A Queryable that explains each read instead of running it, keeping the plans. */
function explaining(database: Queryable, plans: string[]): Queryable {
  return {
    dialect: database.dialect,
    get: (query, map) => database.get(query, map),
    run: (query) => database.run(query),
    execute: (text, params) => database.execute(text, params),
    executeMany: (text, rows) => database.executeMany(text, rows),
    lookup: (text, params, map) => database.lookup(text, params, map),
    async all<T>(query: SQL): Promise<T[]> {
      const lines = await database.all(sql`EXPLAIN ${query}`, (row) => read.text(row, 'QUERY PLAN'));
      plans.push(lines.join('\n'));
      return [];
    },
  };
}

describe('audit search on PostgreSQL', () => {
  it('answers field and word filters from the GIN indexes, at thousands of events', async () => {
    const database = await ENGINES.postgres();
    try {
      await plant(database, EVENTS);
      await database.run(
        sql`INSERT INTO audit_events (seq, at, actor, actor_name, origin, action, target, outcome, correlation_id, details)
            SELECT 1000 + n, 10000 + n, 'user:bulk', 'bulk user', 'api', 'servers.update', 'server:' || (n % 50), 'ok', 'c', jsonb_build_object('n', n, 'word', 'common')
            FROM generate_series(1, 4000) AS n`,
      );
      await indexCopiedEvents(database);
      await database.run(sql`ANALYZE audit_events`);
      const indexes = await database.all(sql`SELECT indexname FROM pg_indexes WHERE tablename = 'audit_events' ORDER BY indexname`, (row) =>
        read.text(row, 'indexname'),
      );
      expect(indexes).toEqual(['audit_events_details', 'audit_events_facets', 'audit_events_pkey']);

      const plans: string[] = [];
      await database.transaction(async (tx) => {
        // Only the plan's choice of index is checked, not the planner's cost estimates for a small table.
        await tx.run(sql`SET LOCAL enable_seqscan = off`);
        await listAuditEvents(explaining(tx, plans), { actor: 'Борис', limit: 100 });
        await listAuditEvents(explaining(tx, plans), { q: 'доступа', limit: 100 });
      });
      expect(plans[0]).toMatch(/Bitmap Index Scan on audit_events_facets/);
      expect(plans[1]).toMatch(/Bitmap Index Scan on audit_events_details/);

      // And the answers, among the thousands.
      expect(seqs(await listAuditEvents(database, { actor: 'Борис', limit: 100 }))).toEqual([102]);
      expect(seqs(await listAuditEvents(database, { q: 'common 4000', limit: 100 }))).toEqual([5000]);
      expect(seqs(await listAuditEvents(database, { target: 'server:7', from: 10000 + 3900, limit: 100 }))).toEqual([4957, 4907]);
    } finally {
      await database.close();
    }
  });

  it('an event with a value too long for a search token is still written and found by its other fields and words', async () => {
    const database = await ENGINES.postgres();
    try {
      // PostgreSQL leaves words over 2047 bytes out of a tsvector, where a larger one would refuse the insert.
      const long = 'x'.repeat(3000);
      await plant(database, [
        {
          seq: 1,
          at: 1,
          actor: 'user:u9',
          actorName: long,
          action: 'servers.create',
          target: long,
          outcome: 'ok',
          details: { blob: long, note: 'short words' },
        },
      ]);
      expect(seqs(await listAuditEvents(database, { actor: 'user:u9', q: 'short', limit: 10 }))).toEqual([1]);
      expect((await getAuditEvent(database, 1)).details).toEqual({ blob: long, note: 'short words' });
    } finally {
      await database.close();
    }
  });
});

import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalDetails, canonicalEvent, ChainWalker, GENESIS, hashEvent, type ChainBreak, type ChainEvent, type StoredEvent } from './chain';

/**
 * The hash chain on its own, without a database: every way of changing history is found at the
 * first broken event and named as what it is (docs/audit.md). audit.test.ts proves the same on a
 * real database file through `audit.verify`.
 */

/** Ten events as the log records them, each linked to the one before. */
function history(count = 10, anchor = { seq: 0, hash: GENESIS }): StoredEvent[] {
  const events: StoredEvent[] = [];
  let prev = anchor.hash;
  for (let seq = anchor.seq + 1; seq <= anchor.seq + count; seq++) {
    const event: ChainEvent = {
      seq,
      at: 1_767_225_600_000 + seq * 1000,
      actor: 'user:alice-1',
      actorName: 'alice',
      origin: 'http:127.0.0.1',
      action: 'servers.update',
      target: `server:${seq}`,
      outcome: 'ok',
      correlationId: `corr-${seq}`,
      details: canonicalDetails({ notes: `rack ${seq}` }),
    };
    const hash = hashEvent(prev, event);
    events.push({ ...event, prevHash: prev, hash });
    prev = hash;
  }
  return events;
}

function walk(events: StoredEvent[], anchor = { seq: 0, hash: GENESIS }): ChainWalker {
  const walker = new ChainWalker(anchor);
  for (const event of events) walker.push(event);
  walker.finish();
  return walker;
}

const brokenAt = (events: StoredEvent[], anchor?: { seq: number; hash: string }): ChainBreak | null => walk(events, anchor).broken;

/** The event at `seq` (1-based) in a history starting at 1. */
const at = (events: StoredEvent[], seq: number): StoredEvent => {
  const event = events[seq - 1];
  if (!event) throw new Error(`no event ${seq}`);
  return event;
};

/** Rewrites one event as someone who knows the formula would: new content, hash recomputed from its stored previous hash. */
function rehashed(event: StoredEvent, change: Partial<ChainEvent>): StoredEvent {
  const changed = { ...event, ...change };
  return { ...changed, hash: hashEvent(changed.prevHash ?? '', changed) };
}

describe('an intact chain', () => {
  it('verifies every event and ends at the last one, its head', () => {
    const events = history();
    const walker = walk(events);
    expect(walker.broken).toBeNull();
    expect(walker.count).toBe(10);
    expect(walker.headSeq).toBe(10);
    expect(walker.head).toBe(at(events, 10).hash);
  });

  it('verifies from a retention checkpoint: the first event left follows the checkpoint, not genesis', () => {
    const anchor = { seq: 40, hash: 'c'.repeat(64) };
    const events = history(5, anchor);
    expect(brokenAt(events, anchor)).toBeNull();
    expect(walk(events, anchor)).toMatchObject({ count: 5, headSeq: 45, head: events[4]?.hash });
    // The same events against genesis are not the log that was kept.
    expect(brokenAt(events)).toMatchObject({ seq: 1, kind: 'removed' });
  });

  it('of no events verifies nothing and keeps its anchor as the head', () => {
    const walker = walk([], { seq: 7, hash: 'a'.repeat(64) });
    expect(walker).toMatchObject({ count: 0, broken: null, headSeq: 7, head: 'a'.repeat(64) });
  });
});

describe('a changed history is found at its first broken event, and named', () => {
  it('one event deleted', () => {
    const events = history().filter((event) => event.seq !== 4);
    expect(brokenAt(events)).toEqual({ seq: 4, kind: 'removed', message: 'event 4 is missing: removed from the log' });
  });

  it('several events deleted in a row', () => {
    const events = history().filter((event) => event.seq < 4 || event.seq > 6);
    expect(brokenAt(events)).toEqual({ seq: 4, kind: 'removed', message: 'events 4 to 6 are missing: removed from the log' });
  });

  it('the first event deleted', () => {
    expect(brokenAt(history().slice(1))).toMatchObject({ seq: 1, kind: 'removed', message: 'event 1 is missing: removed from the log' });
  });

  it('the last event deleted is not a break the chain can see: the head is one event earlier (audit.test.ts proves a head kept elsewhere catches it)', () => {
    const walker = walk(history().slice(0, -1));
    expect(walker.broken).toBeNull();
    expect(walker.headSeq).toBe(9);
  });

  it.each([1, 2, 3])('an event moved %i places later or earlier, keeping its sequence numbers in place', (distance) => {
    const events = history();
    // The row numbered 3 holds the event recorded as 3 + distance, and that row holds event 3.
    const moved = events.map((event) => {
      if (event.seq === 3) return { ...at(events, 3 + distance), seq: 3 };
      if (event.seq === 3 + distance) return { ...at(events, 3), seq: 3 + distance };
      return event;
    });
    expect(brokenAt(moved)).toEqual({
      seq: 3,
      kind: 'reordered',
      message: `event 3 holds the event recorded as ${3 + distance}: events were reordered`,
    });
  });

  it.each([1, 2, 3])('the event recorded as %i places earlier found in a later row is named as reordered there', (distance) => {
    // An earlier event's content under a later number, with everything before it intact.
    const events = history();
    const row = 3 + distance;
    events[row - 1] = { ...at(events, 3), seq: row };
    expect(brokenAt(events)).toMatchObject({ seq: row, kind: 'reordered', message: `event ${row} holds the event recorded as 3: events were reordered` });
  });

  it('an event moved further than three places is named as edited: its hash proves no nearby number', () => {
    const events = history();
    const moved = events.map((event) => (event.seq === 2 ? { ...at(events, 6), seq: 2 } : event.seq === 6 ? { ...at(events, 2), seq: 6 } : event));
    expect(brokenAt(moved)).toMatchObject({ seq: 2, kind: 'edited' });
  });

  it('an edited field, with the hashes left alone', () => {
    const events = history();
    events[4] = { ...at(events, 5), outcome: 'PERMISSION_DENIED' };
    expect(brokenAt(events)).toEqual({ seq: 5, kind: 'edited', message: 'event 5 was edited: its content no longer matches its hash' });
  });

  it('the last event edited', () => {
    const events = history();
    events[9] = { ...at(events, 10), details: canonicalDetails({ notes: 'nothing to see' }) };
    expect(brokenAt(events)).toMatchObject({ seq: 10, kind: 'edited' });
  });

  it('a stored hash changed while the content is what was recorded (the next event still points at the true hash)', () => {
    const events = history();
    events[4] = { ...at(events, 5), hash: 'f'.repeat(64) };
    expect(brokenAt(events)).toEqual({
      seq: 5,
      kind: 'hash-altered',
      message: "event 5's stored hash was changed; its content is what was recorded",
    });
  });

  it('the last stored hash changed: with no event after it, it cannot be told from an edit', () => {
    const events = history();
    events[9] = { ...at(events, 10), hash: 'f'.repeat(64) };
    expect(brokenAt(events)).toMatchObject({ seq: 10, kind: 'edited' });
  });

  it('an edited event whose previous hash was changed too', () => {
    const events = history();
    events[4] = { ...at(events, 5), outcome: 'INTERNAL', prevHash: 'e'.repeat(64) };
    expect(brokenAt(events)).toEqual({ seq: 5, kind: 'edited', message: 'event 5 was edited and does not follow event 4' });
  });

  it('an event whose hashes were erased in the database', () => {
    const events = history();
    events[4] = { ...at(events, 5), prevHash: null, hash: null };
    expect(brokenAt(events)).toEqual({ seq: 5, kind: 'edited', message: 'event 5 was edited and does not follow event 4' });
  });

  it('an event replaced and re-hashed by someone who knows the formula: the next event no longer follows it', () => {
    const events = history();
    events[4] = rehashed(at(events, 5), { outcome: 'PERMISSION_DENIED' });
    expect(brokenAt(events)).toEqual({
      seq: 6,
      kind: 'relinked',
      message: 'event 6 does not follow event 5: an earlier event was replaced and re-hashed, or events were removed and renumbered',
    });
  });

  it('events removed and the rest renumbered and re-hashed onto a different chain', () => {
    const events = history();
    events[5] = rehashed({ ...at(events, 6), prevHash: 'd'.repeat(64) }, {});
    expect(brokenAt(events)).toMatchObject({ seq: 6, kind: 'relinked' });
  });

  it('counts only the events before the first break, and ignores what comes after it', () => {
    const events = history();
    events[2] = { ...at(events, 3), outcome: 'edited' };
    events[6] = { ...at(events, 7), outcome: 'edited too' };
    const walker = walk(events);
    expect(walker.broken).toMatchObject({ seq: 3, kind: 'edited' });
    expect(walker.count).toBe(2);
    expect(walker.headSeq).toBe(2);
    expect(walker.head).toBe(at(events, 2).hash);
  });

  it('a break found before the last event is kept when the walk finishes', () => {
    const events = history(3);
    const walker = new ChainWalker({ seq: 0, hash: GENESIS });
    walker.push({ ...at(events, 1), outcome: 'edited' });
    walker.push(at(events, 2));
    expect(walker.broken).toMatchObject({ seq: 1, kind: 'edited' });
    walker.push(at(events, 3));
    walker.finish();
    expect(walker.broken).toMatchObject({ seq: 1, kind: 'edited' });
    expect(walker.count).toBe(0);
  });
});

describe('the canonical form anyone can recompute', () => {
  const event = (details: unknown): ChainEvent => ({
    seq: 3,
    at: 1_767_225_600_123,
    actor: 'user:alice-1',
    actorName: null,
    origin: 'ipc',
    action: 'vault.unlock',
    target: null,
    outcome: 'ok',
    correlationId: 'c-1',
    details: canonicalDetails(details),
  });

  it('is RFC 8785 JSON of the event, as any JCS library writes it', () => {
    const fields = fc.record({
      seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      at: fc.integer({ min: 0, max: 8_640_000_000_000 }),
      actor: fc.string(),
      actorName: fc.option(fc.string(), { nil: null }),
      origin: fc.string(),
      action: fc.string(),
      target: fc.option(fc.string(), { nil: null }),
      outcome: fc.string(),
      correlationId: fc.string(),
      details: fc.dictionary(fc.string(), fc.jsonValue()),
    });
    fc.assert(
      fc.property(fields, (fields) => {
        const chainEvent = { ...fields, details: canonicalDetails(fields.details) };
        expect(canonicalEvent(chainEvent)).toBe(canonicalize({ ...fields, details: JSON.parse(chainEvent.details) as unknown }));
      }),
    );
  });

  it('is SHA-256 over the previous hash and that JSON', () => {
    const e = event({ slot: 'passphrase' });
    // echo -n "$GENESIS$json" | sha256sum gives the same.
    expect(hashEvent(GENESIS, e)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashEvent(GENESIS, e)).not.toBe(hashEvent('1'.repeat(64), e));
    expect(canonicalEvent(e)).toBe(
      '{"action":"vault.unlock","actor":"user:alice-1","actorName":null,"at":1767225600123,"correlationId":"c-1","details":{"slot":"passphrase"},"origin":"ipc","outcome":"ok","seq":3,"target":null}',
    );
  });

  it('stores details with their keys sorted, and no details as an empty object', () => {
    expect(canonicalDetails({ b: 1, a: { d: 2, c: [3] } })).toBe('{"a":{"c":[3],"d":2},"b":1}');
    expect(canonicalDetails(undefined)).toBe('{}');
    expect(canonicalDetails(null)).toBe('{}');
    // Details JSON cannot write (never from a parsed input) still leave an event the chain can hash.
    expect(canonicalDetails({ toJSON: () => undefined })).toBe('{}');
  });
});

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type Database from 'better-sqlite3';
import { stringify } from 'csv-stringify/sync';
import { AppError } from '../../../shared/api/errors';
import type { AuditEvent, AuditFilter, AuditSettings, VerifyReport } from '../../../shared/api/audit';
import { AuditSettings as AuditSettingsSchema } from '../../../shared/api/audit';
import type { Clock } from '../clock';
import type { Artifacts } from '../jobs/artifacts';
import type { JobContext, JobService } from '../jobs/service';
import { toCsvCell } from '../servers/csv-cells';
import type { SettingsStore } from '../settings/store';
import { ChainWalker, GENESIS, type StoredEvent } from './chain';
import { searchExpression } from './search';

/**
 * Reading the audit log: filtered pages by sequence cursor (fast at millions of events: filters
 * are intersected in the search index and time ranges become sequence ranges), verification of the
 * chain, streamed exports, and retention at a checkpoint. The heavy parts run as jobs in chunks,
 * yielding to the event loop between chunks.
 */

/** An audit_events row as SQLite returns it. */
export interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  actor_name: string | null;
  origin: string;
  action: string;
  target: string | null;
  outcome: string;
  correlation_id: string;
  details: string;
  prev_hash: string | null;
  hash: string | null;
}

const COLUMNS = 'seq, at, actor, actor_name, origin, action, target, outcome, correlation_id, details, prev_hash, hash';
/** The columns when the search index joins in (it has a `details` column of its own, always null). */
const EVENT_COLUMNS = COLUMNS.split(', ')
  .map((column) => `audit_events.${column}`)
  .join(', ');
const CHUNK = 5000;
const SETTINGS_KEY = 'audit';
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A row as the chain sees it. */
export function storedEvent(row: AuditRow): StoredEvent {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    actorName: row.actor_name,
    origin: row.origin,
    action: row.action,
    target: row.target,
    outcome: row.outcome,
    correlationId: row.correlation_id,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function toAuditEvent(row: AuditRow): AuditEvent {
  const event = storedEvent(row);
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(event.details) as Record<string, unknown>;
  } catch {
    details = { unreadable: event.details };
  }
  return { ...event, details, prevHash: event.prevHash ?? '', hash: event.hash ?? '' };
}

interface Query {
  from: string;
  where: string;
  params: unknown[];
  /** The sequence column to bound and order by. */
  seq: string;
}

export interface AuditServiceDeps {
  sqlite: Database.Database;
  clock: Clock;
  settings: SettingsStore;
  artifacts: Artifacts;
  jobs: JobService;
}

export class AuditService {
  constructor(private readonly deps: AuditServiceDeps) {}

  /**
   * The tables, conditions and parameters for a filter. Field and word filters run in the search
   * index, which then drives the query in sequence order (`seq` names its rowid, so the bounds
   * reach FTS5); time bounds become sequence bounds.
   */
  private query(filter: AuditFilter, before?: number): Query {
    const expression = searchExpression(filter);
    const seq = expression ? 'audit_search.rowid' : 'audit_events.seq';
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (expression) {
      conditions.push('audit_search MATCH ?');
      params.push(expression);
    }
    if (filter.from !== undefined) {
      conditions.push(`${seq} >= ?`);
      params.push(this.firstSeqAtOrAfter(filter.from));
    }
    if (filter.to !== undefined) {
      conditions.push(`${seq} < ?`);
      params.push(this.firstSeqAtOrAfter(filter.to));
    }
    if (before !== undefined) {
      conditions.push(`${seq} < ?`);
      params.push(before);
    }
    if (filter.outcome === 'ok') conditions.push("audit_events.outcome = 'ok'");
    return {
      from: expression ? 'audit_search JOIN audit_events ON audit_events.seq = audit_search.rowid' : 'audit_events',
      where: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '',
      params,
      seq,
    };
  }

  /**
   * The first sequence number whose time is at or after `at` (one past the last event when none
   * is): `at` never decreases along `seq`, so bisecting the primary key finds it in ~20 lookups.
   */
  private firstSeqAtOrAfter(at: number): number {
    const { sqlite } = this.deps;
    // Two subqueries: SQLite answers a lone min() or max() from the key, both at once by a full scan.
    const bounds = sqlite.prepare('SELECT (SELECT min(seq) FROM audit_events) AS lo, (SELECT max(seq) FROM audit_events) AS hi').get() as {
      lo: number | null;
      hi: number | null;
    };
    if (bounds.lo === null || bounds.hi === null) return 1;
    const atOrAfter = sqlite.prepare<[number], { seq: number; at: number }>('SELECT seq, at FROM audit_events WHERE seq >= ? ORDER BY seq LIMIT 1');
    let lo = bounds.lo;
    let hi = bounds.hi + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = atOrAfter.get(mid);
      if (!row || row.at >= at) hi = mid;
      else lo = row.seq + 1;
    }
    return lo;
  }

  list(filter: AuditFilter & { before?: number | undefined; limit: number }): { items: AuditEvent[]; nextBefore: number | null } {
    const { from, where, params, seq } = this.query(filter, filter.before);
    const rows = this.deps.sqlite.prepare<unknown[], AuditRow>(`SELECT ${EVENT_COLUMNS} FROM ${from} ${where} ORDER BY ${seq} DESC LIMIT ?`).all(...params, filter.limit + 1);
    const more = rows.length > filter.limit;
    const items = rows.slice(0, filter.limit).map(toAuditEvent);
    return { items, nextBefore: more ? (items[items.length - 1]?.seq ?? null) : null };
  }

  get(seq: number): AuditEvent {
    const row = this.deps.sqlite.prepare<[number], AuditRow>(`SELECT ${COLUMNS} FROM audit_events WHERE seq = ?`).get(seq);
    if (!row) throw new AppError('NOT_FOUND', `There is no audit event ${seq}.`, { hint: 'It may be older than the retention period.' });
    return toAuditEvent(row);
  }

  /** Starts verification as a job (the Audit page, `guardian audit verify`, a schedule). */
  startVerify(createdBy: string, expectHead?: string) {
    return this.deps.jobs.start({ kind: 'audit.verify', title: 'Verify the audit log', createdBy }, (job) => this.verify(job, expectHead));
  }

  startExport(createdBy: string, filter: AuditFilter, format: 'csv' | 'jsonl') {
    const title = `Export the audit log as ${format === 'csv' ? 'CSV' : 'JSON Lines'}`;
    return this.deps.jobs.start({ kind: 'audit.export', title, createdBy }, (job) => this.export(job.id, filter, format, job));
  }

  startPrune(createdBy: string) {
    return this.deps.jobs.start({ kind: 'audit.prune', title: 'Remove old audit events', createdBy }, (job) => this.prune(createdBy, job));
  }

  /** Where verification starts: the last checkpoint retention left, or genesis. */
  anchor(): { seq: number; hash: string; checkpoint: boolean } {
    const checkpoint = this.deps.sqlite.prepare('SELECT last_seq, last_hash FROM audit_checkpoints ORDER BY id DESC LIMIT 1').get() as
      | { last_seq: number; last_hash: string }
      | undefined;
    return checkpoint ? { seq: checkpoint.last_seq, hash: checkpoint.last_hash, checkpoint: true } : { seq: 0, hash: GENESIS, checkpoint: false };
  }

  /** Walks the chain from its anchor, in chunks, reporting progress. */
  async verify(job: Pick<JobContext, 'signal' | 'progress'>, expectHead?: string): Promise<VerifyReport> {
    const { sqlite } = this.deps;
    const anchor = this.anchor();
    const walker = new ChainWalker(anchor);
    const total = (sqlite.prepare('SELECT count(*) AS n FROM audit_events WHERE seq > ?').get(anchor.seq) as { n: number }).n;
    const chunk = sqlite.prepare<[number, number], AuditRow>(`SELECT ${COLUMNS} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`);
    let foundAt: number | null = expectHead === anchor.hash ? anchor.seq : null;
    let after = anchor.seq;
    let seen = 0;
    for (;;) {
      if (job.signal.aborted) throw new AppError('CANCELLED', 'Verification was cancelled.', { hint: 'Start it again to check the whole chain.' });
      const rows = chunk.all(after, CHUNK);
      if (rows.length === 0) break;
      for (const row of rows) {
        walker.push(storedEvent(row));
        if (expectHead && foundAt === null && row.hash === expectHead) foundAt = row.seq;
      }
      after = rows[rows.length - 1]?.seq ?? after;
      seen += rows.length;
      job.progress(seen, total);
      if (walker.broken) break;
      await yieldToLoop();
    }
    walker.finish();
    const broken = walker.broken;
    const expectedHead = expectHead ? { hash: expectHead, foundAt: broken && foundAt !== null && foundAt >= broken.seq ? null : foundAt } : null;
    const summary = broken
      ? `chain broken at event ${broken.seq}: ${broken.message}`
      : `${walker.count} events, chain intact, head hash ${walker.head}` +
        (expectedHead ? (expectedHead.foundAt !== null ? `; the head you kept is event ${expectedHead.foundAt}: nothing up to it changed` : '; the head you kept is NOT in the chain') : '');
    return {
      kind: 'audit.verify',
      intact: broken === null && (expectedHead === null || expectedHead.foundAt !== null),
      events: walker.count,
      headSeq: walker.headSeq,
      headHash: walker.head,
      anchor,
      broken,
      expectedHead,
      summary,
    };
  }

  /** Streams the filtered events, oldest first, to a file the job hands over. */
  async export(jobId: string, filter: AuditFilter, format: 'csv' | 'jsonl', job: Pick<JobContext, 'signal' | 'progress'>) {
    const { sqlite, artifacts, clock } = this.deps;
    const { from, where, params, seq } = this.query(filter);
    const total = (sqlite.prepare(`SELECT count(*) AS n FROM ${from} ${where}`).get(...params) as { n: number }).n;
    const stamp = new Date(clock.now()).toISOString().slice(0, 19).replace(/[:T]/g, '-');
    const draft = artifacts.begin(jobId, `audit-${stamp}.${format}`);
    const out = createWriteStream(draft.path, { encoding: 'utf8' });
    const next = sqlite.prepare<unknown[], AuditRow>(`SELECT ${EVENT_COLUMNS} FROM ${from} ${where ? `${where} AND` : 'WHERE'} ${seq} > ? ORDER BY ${seq} LIMIT ?`);
    const write = async (text: string) => {
      if (!out.write(text)) await once(out, 'drain');
    };
    try {
      if (format === 'csv') await write(stringify([CSV_HEADER]));
      let after = 0;
      let written = 0;
      for (;;) {
        if (job.signal.aborted) throw new AppError('CANCELLED', 'The export was cancelled.', { hint: 'Start it again to get the file.' });
        const rows = next.all(...params, after, CHUNK);
        if (rows.length === 0) break;
        await write(format === 'csv' ? stringify(rows.map(csvRow)) : rows.map((row) => `${JSON.stringify(toAuditEvent(row))}\n`).join(''));
        after = rows[rows.length - 1]?.seq ?? after;
        written += rows.length;
        job.progress(written, total);
      }
      out.end();
      await once(out, 'finish');
      return { kind: 'audit.export' as const, format, events: written, artifact: draft.commit(format === 'csv' ? 'text/csv' : 'application/x-ndjson', 'audit:read') };
    } catch (error) {
      out.destroy();
      draft.discard();
      throw error;
    }
  }

  settings(): AuditSettings {
    return this.deps.settings.get(SETTINGS_KEY, AuditSettingsSchema, { retentionDays: null });
  }

  updateSettings(next: AuditSettings): AuditSettings {
    this.deps.settings.set(SETTINGS_KEY, next);
    return next;
  }

  checkpoints() {
    return this.deps.sqlite
      .prepare<[], { at: number; last_seq: number; last_hash: string; removed: number; by: string }>('SELECT at, last_seq, last_hash, removed, by FROM audit_checkpoints ORDER BY id DESC LIMIT 100')
      .all()
      .map((row) => ({ at: row.at, lastSeq: row.last_seq, lastHash: row.last_hash, removed: row.removed, by: row.by }));
  }

  /**
   * Removes events older than the retention period. The checkpoint (the last removed event's
   * sequence and hash) is written first, in its own transaction; deletion follows in chunks. A
   * stop half-way leaves old events behind the checkpoint, which verification skips and the next
   * run removes.
   */
  async prune(by: string, job: Pick<JobContext, 'signal' | 'progress'>) {
    const { sqlite, clock } = this.deps;
    const { retentionDays } = this.settings();
    const anchor = this.anchor();
    if (retentionDays === null) return { kind: 'audit.prune' as const, removed: 0, checkpoint: null, reason: 'retention is off: every event is kept' };
    const cutoff = clock.now() - retentionDays * 86_400_000;
    const last = sqlite.prepare<[number], { seq: number; hash: string }>('SELECT seq, hash FROM audit_events WHERE at < ? ORDER BY seq DESC LIMIT 1').get(cutoff);
    let checkpoint: { lastSeq: number; lastHash: string } | null = null;
    if (last && last.seq > anchor.seq) {
      const count = (sqlite.prepare('SELECT count(*) AS n FROM audit_events WHERE seq > ? AND seq <= ?').get(anchor.seq, last.seq) as { n: number }).n;
      sqlite.prepare('INSERT INTO audit_checkpoints (at, last_seq, last_hash, removed, by) VALUES (?, ?, ?, ?, ?)').run(clock.now(), last.seq, last.hash, count, by);
      checkpoint = { lastSeq: last.seq, lastHash: last.hash };
    }
    const upTo = this.anchor().seq;
    const total = (sqlite.prepare('SELECT count(*) AS n FROM audit_events WHERE seq <= ?').get(upTo) as { n: number }).n;
    const drop = sqlite.prepare('DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events WHERE seq <= ? ORDER BY seq LIMIT ?)');
    let removed = 0;
    for (;;) {
      if (job.signal.aborted) break;
      const changes = drop.run(upTo, CHUNK).changes;
      if (changes === 0) break;
      removed += changes;
      job.progress(removed, total);
      await yieldToLoop();
    }
    return { kind: 'audit.prune' as const, removed, checkpoint, reason: null };
  }
}

const CSV_HEADER = ['seq', 'at', 'time', 'actor', 'actorName', 'origin', 'action', 'target', 'outcome', 'correlationId', 'details', 'prevHash', 'hash'];

function csvRow(row: AuditRow): string[] {
  return [
    String(row.seq),
    String(row.at),
    new Date(row.at).toISOString(),
    row.actor,
    row.actor_name ?? '',
    row.origin,
    row.action,
    row.target ?? '',
    row.outcome,
    row.correlation_id,
    row.details,
    row.prev_hash ?? '',
    row.hash ?? '',
  ].map(toCsvCell);
}

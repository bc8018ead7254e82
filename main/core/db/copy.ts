import { is, sql, type SQL } from 'drizzle-orm';
import { getTableConfig as pgConfig, PgTable } from 'drizzle-orm/pg-core';
import { AppError } from '@shared/api/errors';
import { canonicalDetails, ChainWalker, GENESIS } from '../audit/chain';
import { indexCopiedEvents } from '../audit/store';
import type { Logger } from '../logging/logger';
import type { DatabaseChoice } from './database-url';
import { read, type AsyncDatabase, type Queryable, type Row } from './engine';
import { inspectDatabase, migrateDatabase } from './inspect';
import { postgresEngine } from './postgres/engine';
import { openPostgresPool } from './postgres/pool';
import * as postgresSchema from './schema.pg';
import { openSqliteEngine } from './sqlite-engine';

/**
 * `guardian db copy` (docs/storage.md): a whole Guardian from one database into an empty one, SQLite
 * to PostgreSQL (the move from the desktop app to a team server) or back. Every table in
 * foreign-key order, in batches read by primary key, all written in one transaction on the target
 * (a failure leaves it empty); then every table's row count and the audit chain are verified on the
 * target. A target that holds any row is refused before anything is written; the source is only
 * read, on one snapshot, so a Guardian still running on it does not tear the copy.
 */

export interface CopyProgress {
  table: string;
  copied: number;
  total: number;
}

export interface CopyReport {
  tables: { table: string; rows: number }[];
  rows: number;
  audit: { events: number; intact: boolean; headHash: string };
}

interface TableShape {
  name: string;
  columns: { name: string; dataType: string; identity: boolean }[];
  primaryKey: string[];
  references: string[];
}

/** The tables as the PostgreSQL schema declares them (the schemas of both engines are the same, schema-dialects.test.ts), parents before children. */
function tablesInOrder(): TableShape[] {
  const tables: PgTable[] = Object.values(postgresSchema).filter((value) => is(value, PgTable));
  const shapes = tables.map((table): TableShape => {
    const config = pgConfig(table);
    const composite = config.primaryKeys[0]?.columns.map((column) => column.name);
    return {
      name: config.name,
      columns: config.columns.map((column) => ({ name: column.name, dataType: column.dataType, identity: column.generatedIdentity !== undefined })),
      primaryKey: composite ?? config.columns.filter((column) => column.primary).map((column) => column.name),
      references: config.foreignKeys.map((key) => pgConfig(key.reference().foreignTable).name).filter((name) => name !== config.name),
    };
  });
  const ordered: TableShape[] = [];
  const placed = new Set<string>();
  while (ordered.length < shapes.length) {
    const ready = shapes.filter((shape) => !placed.has(shape.name) && shape.references.every((name) => placed.has(name)));
    if (ready.length === 0) throw new Error('the schema has a foreign-key cycle');
    for (const shape of ready.sort((a, b) => a.name.localeCompare(b.name))) {
      ordered.push(shape);
      placed.add(shape.name);
    }
  }
  return ordered;
}

const ident = (name: string) => sql.identifier(name);
const list = (names: string[]) =>
  sql.join(
    names.map((name) => ident(name)),
    sql`, `,
  );

function openEngine(choice: DatabaseChoice, logger: Logger): AsyncDatabase {
  if (choice.engine === 'sqlite') return openSqliteEngine(choice.file);
  return postgresEngine(openPostgresPool(choice.pool, logger, { max: 2 }), choice.display);
}

/** A value as read from `from`, as `to` stores it: flags and JSON differ between the engines. */
function convert(value: unknown, dataType: string, to: DatabaseChoice['engine']): unknown {
  if (value === null || value === undefined) return null;
  if (dataType === 'boolean') return value === true || value === 1;
  // JSON arrives as text from both; SQLite keeps canonical JSON (the audit chain hashes it as stored), PostgreSQL's jsonb normalises it.
  if (dataType === 'json' && to === 'sqlite') return canonicalDetails(JSON.parse(String(value)));
  return value;
}

async function count(database: Queryable, table: string): Promise<number> {
  return (await database.get(sql`SELECT count(*) AS n FROM ${ident(table)}`, (row) => read.number(row, 'n'))) ?? 0;
}

/** The first rows after `after` in primary-key order (row values compare the same way on both engines). */
function batchQuery(shape: TableShape, after: Row | null, limit: number): SQL {
  const columns = list(shape.columns.map((column) => column.name));
  const key = list(shape.primaryKey);
  const where =
    after === null
      ? sql``
      : sql` WHERE (${key}) > (${sql.join(
          shape.primaryKey.map((name) => sql`${after[name]}`),
          sql`, `,
        )})`;
  return sql`SELECT ${columns} FROM ${ident(shape.name)}${where} ORDER BY ${key} LIMIT ${limit}`;
}

function insertQuery(shape: TableShape, rows: Row[], to: DatabaseChoice['engine']): SQL {
  const values = sql.join(
    rows.map(
      (row) =>
        sql`(${sql.join(
          shape.columns.map((column) => sql`${convert(row[column.name], column.dataType, to)}`),
          sql`, `,
        )})`,
    ),
    sql`, `,
  );
  // PostgreSQL's identity columns take the copied ids as they are (they are GENERATED BY DEFAULT).
  return sql`INSERT INTO ${ident(shape.name)} (${list(shape.columns.map((column) => column.name))}) VALUES ${values}`;
}

/** Parameters per INSERT stay under SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_PARAMETERS = 30_000;

export async function copyDatabase(
  from: DatabaseChoice,
  to: DatabaseChoice,
  options: { logger: Logger; now: () => number; backupsDir: string; batchRows?: number; onProgress?: (progress: CopyProgress) => void },
): Promise<CopyReport> {
  if (from.display === to.display)
    throw new AppError('VALIDATION_FAILED', 'The source and the target are the same database.', { hint: 'Name another target.' });
  const inspected = await inspectDatabase(from, options.logger);
  if (inspected.schema.state !== 'up to date') {
    throw new AppError('CONFLICT', `The source ${from.display} is not at this Guardian's schema (${inspected.schema.state}).`, {
      hint: 'Run guardian db migrate on it first (or copy with the Guardian that wrote it).',
    });
  }
  const tables = tablesInOrder();
  const target = await inspectDatabase(to, options.logger);
  if (target.schema.state === 'newer than this Guardian') {
    throw new AppError('DB_NEWER_VERSION', `The target ${to.display} was written by a newer Guardian.`, { hint: 'Choose an empty database as the target.' });
  }
  if (target.schema.applied > 0) await refuseIfNotEmpty(to, tables, options.logger);
  await migrateDatabase(to, options);

  const source = openEngine(from, options.logger);
  const writer = openEngine(to, options.logger);
  try {
    const totals = new Map<string, number>();
    // One snapshot of the source for the whole copy: a Guardian still running there does not tear it.
    await source.snapshot((reader) =>
      writer.transaction(async (tx) => {
        for (const shape of tables) totals.set(shape.name, await count(reader, shape.name));
        for (const shape of tables) {
          const total = totals.get(shape.name) ?? 0;
          const limit = Math.max(1, Math.min(options.batchRows ?? 1_000, Math.floor(MAX_PARAMETERS / shape.columns.length)));
          let copied = 0;
          let after: Row | null = null;
          options.onProgress?.({ table: shape.name, copied, total });
          for (;;) {
            const rows: Row[] = await reader.all(batchQuery(shape, after, limit), (row) => row);
            if (rows.length === 0) break;
            await tx.run(insertQuery(shape, rows, to.engine));
            copied += rows.length;
            after = rows[rows.length - 1] ?? null;
            options.onProgress?.({ table: shape.name, copied, total });
          }
        }
        if (to.engine === 'postgres') await resetIdentities(tx, tables);
        // The audit log indexes its events for search as it writes them; a copy indexes them once.
        await indexCopiedEvents(tx);
      }),
    );

    const counted: CopyReport['tables'] = [];
    for (const shape of tables) {
      const rows = await count(writer, shape.name);
      if (rows !== totals.get(shape.name)) {
        throw new AppError('INTERNAL', `The copy of ${shape.name} has ${rows} rows where the source has ${totals.get(shape.name)}.`, {
          hint: 'Empty the target and copy again; report this if it happens twice.',
        });
      }
      counted.push({ table: shape.name, rows });
    }
    const audit = await verifyAuditChain(writer);
    if (!audit.intact) {
      throw new AppError('INTERNAL', `The audit chain does not verify on the target ${to.display}.`, {
        hint: 'Check the source with guardian audit verify; if it is intact there, empty the target and copy again.',
      });
    }
    return { tables: counted, rows: counted.reduce((sum, table) => sum + table.rows, 0), audit };
  } finally {
    await Promise.all([source.close(), writer.close()]);
  }
}

async function refuseIfNotEmpty(to: DatabaseChoice, tables: TableShape[], logger: Logger): Promise<void> {
  const target = openEngine(to, logger);
  try {
    const held: string[] = [];
    for (const shape of tables) {
      const rows = await count(target, shape.name);
      if (rows > 0) held.push(`${shape.name} (${rows})`);
    }
    if (held.length > 0) {
      throw new AppError('CONFLICT', `The target ${to.display} already holds data: ${held.slice(0, 5).join(', ')}${held.length > 5 ? ', …' : ''}.`, {
        hint: 'A copy goes into an empty database only, so nothing there is overwritten: create a new database (or a new file) and copy into it.',
      });
    }
  } finally {
    await target.close();
  }
}

/** After explicit ids were copied in, each identity column continues after the largest. */
async function resetIdentities(tx: Queryable, tables: TableShape[]): Promise<void> {
  for (const shape of tables) {
    for (const column of shape.columns.filter((each) => each.identity)) {
      await tx.run(
        sql`SELECT setval(pg_get_serial_sequence(${shape.name}, ${column.name}), coalesce((SELECT max(${ident(column.name)}) FROM ${ident(shape.name)}), 0) + 1, false)`,
      );
    }
  }
}

/** The audit chain on either engine, from the last checkpoint (or genesis), with the hashes recomputed. */
async function verifyAuditChain(database: AsyncDatabase): Promise<CopyReport['audit']> {
  const anchor = (await database.get(sql`SELECT last_seq, last_hash FROM audit_checkpoints ORDER BY id DESC LIMIT 1`, (row) => ({
    seq: read.number(row, 'last_seq'),
    hash: read.text(row, 'last_hash'),
  }))) ?? { seq: 0, hash: GENESIS };
  const walker = new ChainWalker(anchor);
  let after = anchor.seq;
  for (;;) {
    const events = await database.all(
      sql`SELECT seq, at, actor, actor_name, origin, action, target, outcome, correlation_id, details, prev_hash, hash FROM audit_events WHERE seq > ${after} ORDER BY seq LIMIT 5000`,
      (row) => ({
        seq: read.number(row, 'seq'),
        at: read.number(row, 'at'),
        actor: read.text(row, 'actor'),
        actorName: read.textOrNull(row, 'actor_name'),
        origin: read.text(row, 'origin'),
        action: read.text(row, 'action'),
        target: read.textOrNull(row, 'target'),
        outcome: read.text(row, 'outcome'),
        correlationId: read.text(row, 'correlation_id'),
        details: canonicalDetails(read.json(row, 'details')),
        prevHash: read.textOrNull(row, 'prev_hash'),
        hash: read.textOrNull(row, 'hash'),
      }),
    );
    if (events.length === 0) break;
    for (const event of events) walker.push(event);
    after = events[events.length - 1]?.seq ?? after;
    if (walker.broken) break;
  }
  walker.finish();
  return { events: walker.count, intact: walker.broken === null, headHash: walker.head };
}

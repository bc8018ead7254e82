import { is, SQL } from 'drizzle-orm';
import { getTableConfig as pgConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as postgres from './schema.pg';
import * as sqlite from './schema';

/**
 * SQLite and PostgreSQL each have a drizzle schema (one schema cannot serve both dialects), and
 * they must not drift (docs/architecture.md §4): the same tables under the same export names, each
 * with the same columns (name, the type the code sees, nullability, primary key), indexes (name,
 * uniqueness, what they cover), foreign keys (columns, target, on delete), unique constraints and
 * checks. Only the SQL types differ, each engine's own: a time is a bigint on PostgreSQL.
 */

type Config = ReturnType<typeof sqliteConfig> | ReturnType<typeof pgConfig>;
type Index = Config['indexes'][number];
type ForeignKey = Config['foreignKeys'][number];

function shape(config: Config) {
  const indexPart = (part: unknown) => (is(part, SQL) ? 'expression' : (part as { name: string }).name);
  return {
    name: config.name,
    columns: config.columns
      .map((column) => ({ name: column.name, dataType: column.dataType, notNull: column.notNull, primary: column.primary, unique: column.isUnique }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    primaryKeys: config.primaryKeys.map((key) => key.columns.map((column) => column.name)),
    indexes: (config.indexes as Index[])
      .map((index) => ({ name: index.config.name ?? '', unique: index.config.unique, on: (index.config.columns as unknown[]).map(indexPart) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    foreignKeys: (config.foreignKeys as ForeignKey[])
      .map((key) => {
        const reference = key.reference();
        const target = reference.foreignTable;
        return {
          columns: reference.columns.map((column) => column.name),
          table: is(target, PgTable) ? pgConfig(target).name : sqliteConfig(target as SQLiteTable).name,
          foreignColumns: reference.foreignColumns.map((column) => column.name),
          onDelete: key.onDelete ?? 'no action',
        };
      })
      .sort((a, b) => a.columns.join().localeCompare(b.columns.join())),
    uniqueConstraints: config.uniqueConstraints.map((constraint) => constraint.getName()).sort(),
    checks: config.checks.map((check) => check.name).sort(),
  };
}

const sqliteTables = Object.entries(sqlite).flatMap(([name, table]): [string, SQLiteTable][] => (is(table, SQLiteTable) ? [[name, table]] : []));
const postgresTables = Object.entries(postgres).flatMap(([name, table]): [string, PgTable][] => (is(table, PgTable) ? [[name, table]] : []));

describe('the SQLite and PostgreSQL schemas', () => {
  it('declare the same tables under the same names', () => {
    expect(postgresTables.map(([name]) => name).sort()).toEqual(sqliteTables.map(([name]) => name).sort());
    expect(sqliteTables.length).toBeGreaterThan(15);
  });

  it.each(sqliteTables)('%s has the same columns, keys, indexes and constraints on both', (name, table) => {
    const twin = postgres[name as keyof typeof postgres];
    expect(is(twin, PgTable), `${name} is missing from schema.pg.ts`).toBe(true);
    expect(shape(pgConfig(twin as PgTable))).toEqual(shape(sqliteConfig(table)));
  });
});

import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import type { AsyncDatabase, Queryable, Row } from '../engine';
import { databaseUnavailable, isConnectionFailure } from './pool';

/**
 * The async data layer on PostgreSQL (docs/architecture.md §4): statements outside a transaction go
 * to the pool, each transaction gets a pooled connection of its own. A connection that cannot be
 * had, or breaks, is DB_UNAVAILABLE naming the database (never its password).
 */

const dialect = new PgDialect();

/** A connection that failed becomes DB_UNAVAILABLE; a statement's own error (a duplicate key) stays as it is. */
function rewrap(error: unknown, display: string): unknown {
  return isConnectionFailure(error) ? databaseUnavailable(error, display) : error;
}

function queryable(client: pg.Pool | pg.PoolClient, display: string): Queryable {
  const execute = async (query: SQL) => {
    const { sql, params } = dialect.sqlToQuery(query);
    try {
      return await client.query<Record<string, unknown>>(sql, params);
    } catch (error) {
      throw rewrap(error, display);
    }
  };
  return {
    dialect: 'postgres',
    async all<T>(query: SQL, map: (row: Row) => T): Promise<T[]> {
      return (await execute(query)).rows.map(map);
    },
    async get<T>(query: SQL, map: (row: Row) => T): Promise<T | undefined> {
      const [row] = (await execute(query)).rows;
      return row === undefined ? undefined : map(row);
    },
    async run(query: SQL): Promise<{ changes: number }> {
      return { changes: (await execute(query)).rowCount ?? 0 };
    },
  };
}

/** The async layer over a pool (openPostgresPool); `display` names the database in errors. */
export function postgresEngine(pool: pg.Pool, display: string): AsyncDatabase {
  const direct = queryable(pool, display);
  return {
    ...direct,
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw databaseUnavailable(error, display);
      }
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await work(queryable(client, display));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw rewrap(error, display);
      } finally {
        // A connection whose rollback failed is not given to the next caller.
        client.release(broken);
      }
    },
    async snapshot<T>(work: (reads: Queryable) => Promise<T>): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw databaseUnavailable(error, display);
      }
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        return await work(queryable(client, display));
      } catch (error) {
        throw rewrap(error, display);
      } finally {
        await client.query('COMMIT').catch(() => undefined);
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@shared/api/errors';
import { createLogger } from '../../logging/logger';
import { TestPostgres } from '../../testing/postgres';
import { databaseUnavailable, openPostgresPool } from './pool';

/**
 * The pool to PostgreSQL when the server goes away and comes back (docs/architecture.md §4): a
 * query fails with a retryable DB_UNAVAILABLE, an idle connection that breaks is logged rather than
 * crashing the process, and the same pool works again once the server is back.
 */

let server: TestPostgres;

// A server of this file's own, not the run's shared one (main/core/testing/engines.ts): a test
// stops it and starts it again, which would cut off every other file's databases.
beforeAll(async () => {
  server = await TestPostgres.start();
});

afterAll(() => server?.destroy());

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('warn', { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe('the PostgreSQL pool', () => {
  it('reads 64-bit integers as numbers', async () => {
    const pool = openPostgresPool({ connectionString: await server.createDatabase() }, capturingLogger().logger);
    try {
      const { rows } = await pool.query<{ at: unknown }>('SELECT 1767225600000::bigint AS at');
      expect(rows[0]?.at).toBe(1_767_225_600_000);
    } finally {
      await pool.end();
    }
  });

  it('survives PostgreSQL going away: a retryable DB_UNAVAILABLE while it is down, the broken idle connection logged, and the same pool working again once it is back', async () => {
    const url = await server.createDatabase();
    const { logger, lines } = capturingLogger();
    const pool = openPostgresPool({ connectionString: url }, logger, { connectTimeoutMs: 2_000 });
    try {
      await pool.query('SELECT 1');
      server.stop('immediate');
      // The idle connection hears the server go; without the pool's error listener that would end the process.
      for (let waited = 0; waited < 5_000 && lines.length === 0; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lines.map((line) => line.msg)).toEqual(['a database connection broke while idle; the next query opens another']);
      const failure = await pool.query('SELECT 1').catch((error: unknown) => databaseUnavailable(error, 'postgres://postgres@127.0.0.1/test'));
      expect(failure).toBeInstanceOf(AppError);
      expect(failure).toMatchObject({ code: 'DB_UNAVAILABLE', retryable: true });
      expect((failure as AppError).message).toMatch(
        /^The database postgres:\/\/postgres@127\.0\.0\.1\/test cannot be used: (connection refused|the server closed the connection)/,
      );

      server.restart();
      const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      server.restart();
      await pool.end();
    }
  });

  it('survives a connection breaking while a transaction holds it: logged, never fatal, its next statement a retryable DB_UNAVAILABLE, and the pool working again once the server is back', async () => {
    const url = await server.createDatabase();
    const { logger, lines } = capturingLogger();
    const pool = openPostgresPool({ connectionString: url }, logger, { connectTimeoutMs: 2_000 });
    try {
      const client = await pool.connect();
      await client.query('BEGIN');
      // Between two statements, as a transaction awaiting other work is: no query runs on the connection when it breaks.
      server.stop('immediate');
      for (let waited = 0; waited < 5_000 && lines.length === 0; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lines.map((line) => line.msg)).toEqual(['a database connection broke while in use; what runs on it fails and the next query opens another']);
      const failure = await client.query('SELECT 1').catch((error: unknown) => databaseUnavailable(error, 'postgres://postgres@127.0.0.1/test'));
      expect(failure).toMatchObject({ code: 'DB_UNAVAILABLE', retryable: true });
      client.release(true);

      server.restart();
      const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
      // Given back and taken again, a connection carries one listener of ours, not one per use.
      const again = await pool.connect();
      const listeners = again.listenerCount('error');
      again.release();
      const third = await pool.connect();
      expect(third.listenerCount('error')).toBe(listeners);
      third.release();
    } finally {
      server.restart();
      await pool.end();
    }
  });

  it('a wrong password is DB_UNAVAILABLE too, but not retryable, with a hint about the credentials', () => {
    const error = databaseUnavailable(
      Object.assign(new Error('password authentication failed for user "guardian"'), { code: '28P01' }),
      'postgres://guardian@db/guardian',
    );
    expect(error).toMatchObject({ code: 'DB_UNAVAILABLE', retryable: false });
    expect(error.message).toBe('The database postgres://guardian@db/guardian cannot be used: the server refused the user name or password.');
    expect(error.hint).toContain('PGPASSFILE');
  });
});

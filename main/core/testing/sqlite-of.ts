import type Database from 'better-sqlite3';
import type { Core } from '../app';

/**
 * The SQLite connection of a core that runs on SQLite: how tests and benches plant and inspect rows
 * the API does not reach. A core on PostgreSQL has none: such a test reads through `core.data`.
 */
export function sqliteOf(core: Pick<Core, 'database'>): Database.Database {
  const sqlite = core.database.sqlite?.sqlite;
  if (!sqlite) throw new Error(`This core runs on ${core.database.engine.engine}, not SQLite: plant and inspect through core.data.`);
  return sqlite;
}

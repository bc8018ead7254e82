import { Command, Option } from 'commander';
import type { DatabaseUrlSource } from '@core/db/database-url';
import type { DatabaseReport } from '@core/db/inspect';
import { createLogger } from '@core/logging/logger';
import { dataPaths } from '@core/paths';

/**
 * `guardian db check` and `guardian db migrate`: look at a database, SQLite or PostgreSQL, before
 * Guardian uses it, and prepare it (docs/architecture.md §4). The URL comes from --database or
 * GUARDIAN_DATABASE_URL; a password may only come through the environment, never the flag.
 */

/** Exit code of `db check` when the schema is not this Guardian's (1 and 2 are "failed" and "usage"; 3 to 5 are taken). */
export const DB_NOT_READY_EXIT = 6;

interface DbOptions {
  dataDir: string;
  database?: string;
  json?: boolean;
}

const databaseOption = () =>
  new Option(
    '--database <url>',
    'sqlite:<path> (default: guardian.db in the data folder) or postgres://user@host:port/db?sslmode=verify-full&sslrootcert=…',
  ).env('GUARDIAN_DATABASE_URL');

/**
 * The database the command names, refusing a password given on the command line. Loaded when a
 * db command runs: PostgreSQL's driver would otherwise add to every other command's start.
 */
async function chosen(command: Command, options: DbOptions) {
  const { parseDatabaseUrl } = await import('@core/db/database-url');
  const from = command.getOptionValueSource('database');
  const source: DatabaseUrlSource = from === 'env' ? 'environment' : 'flag';
  return parseDatabaseUrl(options.database, { dataDir: options.dataDir, cwd: process.cwd(), env: process.env, source });
}

/** Warnings and errors on standard error; what the command reports goes to standard output. */
const stderrLogger = () => createLogger('warn', process.stderr);

function printReport(report: DatabaseReport): void {
  const lines = [
    ['engine', `${report.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'} ${report.version}`],
    ['database', report.database],
    ['tls', report.tls],
    ['schema', `${report.schema.applied} of ${report.schema.known} migrations: ${report.schema.state}`],
  ];
  for (const [name, value] of lines)
    process.stdout.write(`${name?.padEnd(10)}${value}
`);
  const next: Record<DatabaseReport['schema']['state'], string> = {
    'up to date': '',
    'not created': 'guardian db migrate creates its tables (or Guardian does at its first start).',
    'migrations pending': 'guardian db migrate applies them (or Guardian does at its next start).',
    'newer than this Guardian': 'A newer Guardian wrote it: upgrade this one before using it.',
  };
  if (next[report.schema.state]) process.stdout.write(`${next[report.schema.state]}\n`);
}

export function addDatabaseCommands(program: Command, dataDirOption: () => Option): void {
  const db = program.command('db').description('The database Guardian keeps everything in: SQLite (the default) or PostgreSQL.');

  db.command('check')
    .description('Connect to the database and say which engine and version it is, how the connection is protected and whether its schema is this Guardian’s.')
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .option('--json', 'print the report as JSON', false)
    .action(async (options: DbOptions, command: Command) => {
      const { inspectDatabase } = await import('@core/db/inspect');
      const report = await inspectDatabase(await chosen(command, options), stderrLogger());
      if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printReport(report);
      if (report.schema.state !== 'up to date') process.exitCode = DB_NOT_READY_EXIT;
    });

  db.command('migrate')
    .description(
      'Create the tables in an empty database or bring an older one to this Guardian’s schema, in one transaction (a SQLite file is backed up first).',
    )
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .action(async (options: DbOptions, command: Command) => {
      const choice = await chosen(command, options);
      const { migrateDatabase } = await import('@core/db/inspect');
      const { from, to, backupFile } = await migrateDatabase(choice, { logger: stderrLogger(), backupsDir: dataPaths(options.dataDir).backups, now: Date.now });
      process.stdout.write(
        from === to ? `${choice.display}: already up to date (schema ${to})\n` : `${choice.display}: migrated from schema ${from} to ${to}\n`,
      );
      if (backupFile) process.stdout.write(`the file before: ${backupFile}\n`);
    });
}

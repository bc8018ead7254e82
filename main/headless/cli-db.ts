import { Command, Option } from 'commander';
import type { DatabaseUrlSource } from '@core/db/database-url';
import type { DatabaseReport } from '@core/db/inspect';
import { createLogger } from '@core/logging/logger';
import { dataPaths } from '@core/paths';

/**
 * `guardian db check`, `db migrate` and `db copy`: look at a database, SQLite or PostgreSQL, before
 * Guardian uses it, prepare it, and move a whole Guardian into it (docs/architecture.md §4,
 * docs/storage.md). A URL comes from its flag or GUARDIAN_DATABASE_URL; a password may only come
 * through the environment, systemd's credential or a pgpass file, never a flag.
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
 * The database an option names, refusing a password given on the command line. Loaded when a db
 * command runs: PostgreSQL's driver would otherwise add to every other command's start.
 */
async function named(command: Command, option: string, value: string | undefined, dataDir: string) {
  const { parseDatabaseUrl } = await import('@core/db/database-url');
  const source: DatabaseUrlSource = command.getOptionValueSource(option) === 'env' ? 'environment' : 'flag';
  return parseDatabaseUrl(value, { dataDir, cwd: process.cwd(), env: process.env, source });
}

const chosen = (command: Command, options: DbOptions) => named(command, 'database', options.database, options.dataDir);

/** Warnings and errors on standard error; what the command reports goes to standard output. */
const stderrLogger = () => createLogger('warn', process.stderr);

function printReport(report: DatabaseReport): void {
  const lines = [
    ['engine', `${report.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'} ${report.version}`],
    ['database', report.database],
    ['tls', report.tls],
    ['schema', `${report.schema.applied} of ${report.schema.known} migrations: ${report.schema.state}`],
  ];
  for (const [name, value] of lines) process.stdout.write(`${name?.padEnd(10)}${value}\n`);
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

  db.command('copy')
    .description(
      'Copy a whole Guardian into an empty database (SQLite to PostgreSQL, or back) from one snapshot of the source, then verify every table’s rows and the audit chain there.',
    )
    .addOption(dataDirOption())
    .option('--from <url>', 'the database to copy (default: guardian.db in the data folder)')
    .addOption(new Option('--to <url>', 'an empty database to copy into').env('GUARDIAN_DATABASE_URL').makeOptionMandatory())
    .action(async (options: { dataDir: string; from?: string; to: string }, command: Command) => {
      const from = await named(command, 'from', options.from, options.dataDir);
      const to = await named(command, 'to', options.to, options.dataDir);
      const { copyDatabase } = await import('@core/db/copy');
      let shown = 0;
      const report = await copyDatabase(from, to, {
        logger: stderrLogger(),
        now: Date.now,
        backupsDir: dataPaths(options.dataDir).backups,
        onProgress: ({ table, copied, total }) => {
          // A line per table, and on a terminal a running count at most every 200 ms.
          const now = Date.now();
          if (copied === total || (process.stderr.isTTY && now - shown > 200)) {
            shown = now;
            process.stderr.write(`${process.stderr.isTTY ? '\r' : ''}${table}: ${copied} of ${total}${copied === total ? '\n' : ''}`);
          }
        },
      });
      process.stdout.write(
        `copied ${report.rows} rows in ${report.tables.length} tables from ${from.display} to ${to.display}; every table's rows counted on the target; audit chain intact (${report.audit.events} events, head ${report.audit.headHash})\n`,
      );
    });
}

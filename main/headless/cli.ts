#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AppError } from '@shared/api/errors';
import { isFinished, type Job } from '@shared/api/jobs';
import { IMPORT_FORMATS, type ImportSummary } from '@shared/api/servers';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core, CoreOptions } from '@core/app';
import { LOG_LEVELS, silentLogger } from '@core/logging/logger';
import { defaultDataDir, packageInfo } from '@core/paths';
import { addAlertCommands } from './cli-alerts';
import { addAuditCommands } from './cli-audit';
import { addDatabaseCommands } from './cli-db';
import { addAccountCommands } from './cli-accounts';
import { addHealthCommands } from './cli-health';
import { addReportCommands } from './cli-reports';
import { addJobCommands } from './cli-jobs';
import { addOperationCommands } from './cli-operations';
import { addPastRunCommands } from './cli-past-runs';
import { addTerminalCommands } from './cli-terminal';
import { addRunbookCommands } from './cli-runbooks';
import { printTable, showJobProgress } from './cli-output';
import { publicName } from './http/request-guard';
import type { ServeFlags } from './serve-config';

/**
 * Exit codes, documented in the README. `config` is sysexits' EX_CONFIG: serve's configuration file
 * cannot be used, which a service manager need not restart (RestartPreventExitStatus=78).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, config: 78 } as const;

const CLI = { origin: 'cli' };

/** What a server named by another's option is to it: how the refusal of an unknown name says it. */
const LINKS = {
  jumpHost: { missing: 'to connect through', hint: 'add the jump host first' },
  dependsOn: { missing: 'to depend on', hint: 'add the server it sits behind first' },
} as const;

/**
 * The id of the server an option names (--jump-host, --depends-on): undefined when none is
 * named, null for "none" where `none` may clear it (an edit).
 */
async function linkedServerIdOf(core: Core, name: string | undefined, link: keyof typeof LINKS, none = false): Promise<string | null | undefined> {
  if (name === undefined) return undefined;
  if (none && /^none$/i.test(name)) return null;
  const found = await core.servers.findByName(name);
  if (!found)
    throw new AppError('NOT_FOUND', `There is no server named "${name}" ${LINKS[link].missing}.`, {
      hint: `See "guardian servers list"; ${LINKS[link].hint}.`,
    });
  return found.id;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('a port is a number from 0 to 65535');
  return port;
}

/** Repeatable, and a comma-separated list in GUARDIAN_PUBLIC_NAME. */
function collectPublicNames(value: string, previous: string[] | undefined): string[] {
  const names = value.split(',').filter((name) => name.trim() !== '');
  for (const name of names) {
    if (publicName(name) === null) throw new InvalidArgumentError(`"${name}" is not a host name or an IP address (no scheme, port or path)`);
  }
  return [...(previous ?? []), ...names];
}

const dataDirOption = () => new Option('--data-dir <dir>', 'where Guardian keeps its database and logs').default(defaultDataDir(), 'the per-user data folder');

async function withCore<T>(dataDir: string, work: (core: Core) => Promise<T>, overrides: Partial<CoreOptions> = {}): Promise<T> {
  // Loaded when a command needs it, not at start: the whole core is most of the CLI's start-up cost,
  // which --help, --version and a mistyped command should not pay.
  const { createCore } = await import('@core/app');
  const { commandDatabase } = await import('./serve-config');
  // The database of a Guardian on PostgreSQL comes from the environment or the configuration file, as its service has it.
  const core = await createCore({
    dataDir,
    logger: silentLogger(),
    mode: 'headless',
    database: commandDatabase(dataDir, { cwd: process.cwd(), env: process.env }),
    ...overrides,
  });
  try {
    return await work(core);
  } finally {
    await core.close();
  }
}

function guessFormat(file: string): (typeof IMPORT_FORMATS)[number] {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.csv') return 'csv';
  return 'ssh_config';
}

export function buildProgram(): Command {
  const program = new Command('guardian')
    .description('Guardian Server Manager: watch, keep the keys of, and act on a fleet of servers.')
    .version(packageInfo.version)
    .showHelpAfterError(true);

  program
    .command('serve')
    .description('Run Guardian as a service: REST API under /api/v1, events, /healthz, /readyz, /metrics.')
    .addOption(dataDirOption())
    .option('--host <host>', 'address to listen on; another than loopback needs TLS or --allow-insecure-http', '127.0.0.1')
    .option('--port <port>', 'port to listen on; 0 picks a free one', parsePort, 7420)
    .option('--ui', 'also serve the web UI (the same renderer as the desktop app)', false)
    .addOption(new Option('--log-level <level>', 'least severe level logged').choices(LOG_LEVELS).default('info'))
    .option('--tls-cert <file>', 'PEM certificate (chain): serve HTTPS')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--allow-insecure-http', 'allow plain HTTP on a non-loopback --host (behind a TLS proxy you control)', false)
    .option('--trust-proxy <address...>', 'reverse proxies (addresses or CIDRs) whose X-Forwarded-For/-Proto/-Host are believed')
    .addOption(
      new Option(
        '--public-name <name>',
        'a host name clients use to reach Guardian besides loopback and --host (repeatable); requests naming another host are refused',
      )
        .argParser(collectPublicNames)
        .env('GUARDIAN_PUBLIC_NAME'),
    )
    .addOption(
      new Option(
        '--vault-key-file <file>',
        'the vault key file (32 B to 64 KiB of random data): unlocks the vault at start, and is the only key file API callers can unlock with; also $CREDENTIALS_DIRECTORY/vault-key',
      ).env('GUARDIAN_VAULT_KEY_FILE'),
    )
    .addOption(
      new Option(
        '--database <url>',
        'sqlite:<path> (default: guardian.db in the data folder) or postgres://user@host:port/db?sslmode=verify-full&sslrootcert=… (the password from GUARDIAN_DATABASE_URL, $CREDENTIALS_DIRECTORY/database-password or pgpass, never this flag or the config file)',
      ).env('GUARDIAN_DATABASE_URL'),
    )
    .addOption(
      new Option(
        '--config <file>',
        'a JSON file of these settings, named in camelCase ({"port": 7420, "tlsCert": "…"}); a flag or environment variable beats the file (default: guardian.json in the data folder, if it exists)',
      ).env('GUARDIAN_CONFIG'),
    )
    .action(async (flags: ServeFlags, command: Command) => {
      // The whole file is checked before anything starts: a bad one stops serve with CONFIG_INVALID.
      const { resolveServeOptions } = await import('./serve-config');
      const options = resolveServeOptions(flags, (option) => command.getOptionValueSource(option), { cwd: process.cwd(), env: process.env });
      // Loaded here, not at the top: the HTTP server and the log file's rotation cost every other
      // command a third of its start.
      const { serve } = await import('./serve');
      await serve(options);
    });

  const servers = program.command('servers').description('The server inventory.');

  servers
    .command('list')
    .description('List servers.')
    .addOption(dataDirOption())
    .option('-q, --search <text>', 'only servers whose name, host, tags or notes contain this')
    .option('--tag <tag...>', 'only servers with all these tags')
    .option('--environment <env>', 'only servers in this environment')
    .option('--json', 'print JSON', false)
    .action(async (options: { dataDir: string; search?: string; tag?: string[]; environment?: string; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const page = await core.router.invoke(
          LOCAL_OWNER,
          'servers.list',
          { q: options.search, tags: options.tag, environment: options.environment, limit: 10_000 },
          CLI,
        );
        if (options.json) process.stdout.write(`${JSON.stringify(page.items, null, 2)}\n`);
        else {
          // A jump host by name; one the filters left out is looked up.
          const names = new Map(page.items.map((s) => [s.id, s.name]));
          const via = async (id: string | null) => (id === null ? '-' : (names.get(id) ?? (await core.servers.get(id)).name));
          printTable(
            ['NAME', 'HOST', 'SSH PORT', 'USER', 'ENVIRONMENT', 'TAGS', 'VIA'],
            await Promise.all(
              page.items.map(async (s) => [s.name, s.host, String(s.port), s.user ?? '', s.environment || '-', s.tags.join(','), await via(s.jumpHostId)]),
            ),
          );
        }
      });
    });

  servers
    .command('add')
    .description('Add a server.')
    .addOption(dataDirOption())
    .requiredOption('--name <name>', 'unique name')
    .requiredOption('--host <host>', 'DNS name, IPv4 or IPv6 address')
    .option('--port <port>', 'the SSH port Guardian connects to (default 22); not the port its check watches', parsePort)
    .option('--user <user>', 'SSH login name')
    .option('--environment <env>', 'e.g. production, staging, dev')
    .option('--tag <tag...>', 'tags')
    .option('--notes <text>', 'free text')
    .option('--jump-host <name>', 'connect through this server (a jump host, as ssh -J), which logs in with its own vault credential')
    .option('--depends-on <name>', 'the server it sits behind (a router): while that one is down, its alerts are held back')
    .option('--agent-forwarding', 'forward Guardian’s SSH agent to it for operations’ commands (as ssh -A; never to its jump hosts); off unless given')
    .option('--check-port <port>', 'the port its TCP check watches, e.g. 443 (default: the SSH port)', parsePort)
    .option('--no-check', 'add no check: nothing will watch the server until you add one')
    .option('--json', 'print the created server (and its check) as JSON', false)
    .action(
      async (
        options: Record<string, unknown> & { dataDir: string; json: boolean; check: boolean; checkPort?: number; jumpHost?: string; dependsOn?: string },
      ) => {
        const { dataDir, json, tag, check, checkPort, jumpHost, dependsOn, ...fields } = options;
        if (!check && checkPort !== undefined) {
          throw new AppError('VALIDATION_FAILED', '--no-check and --check-port ask for opposite things.', {
            hint: 'Keep --check-port to watch that port, or --no-check to add no check.',
          });
        }
        const monitor = check ? (checkPort === undefined ? undefined : { type: 'tcp' as const, port: checkPort }) : false;
        await withCore(dataDir, async (core) => {
          const jumpHostId = await linkedServerIdOf(core, jumpHost, 'jumpHost');
          const dependsOnId = await linkedServerIdOf(core, dependsOn, 'dependsOn');
          const server = await core.router.invoke(LOCAL_OWNER, 'servers.create', { ...fields, tags: tag, monitor, jumpHostId, dependsOnId }, CLI);
          if (json) {
            process.stdout.write(`${JSON.stringify(server, null, 2)}\n`);
            return;
          }
          process.stdout.write(`added ${server.name} (${server.id})\n`);
          process.stdout.write(
            server.check
              ? `watched by the check "${server.check.name}" (TCP port ${server.check.port}; the SSH port is ${server.port})\n`
              : `not watched: no check was added (add one with: guardian check add ${server.name} --type tcp --port <port>)\n`,
          );
        });
      },
    );

  servers
    .command('edit')
    .description('Change some fields of a server, by name; those not given keep their value.')
    .addOption(dataDirOption())
    .argument('<name>', 'the server to change')
    .option('--rename <name>', 'a new unique name')
    .option('--host <host>', 'DNS name, IPv4 or IPv6 address')
    .option('--port <port>', 'the SSH port Guardian connects to', parsePort)
    .option('--user <user>', 'SSH login name')
    .option('--environment <env>', 'e.g. production, staging, dev')
    .option('--tag <tag...>', 'its tags (replacing those it has)')
    .option('--notes <text>', 'free text')
    .option('--jump-host <name>', 'connect through this server (a jump host, as ssh -J), or "none" to connect directly')
    .option('--depends-on <name>', 'the server it sits behind (a router), or "none"')
    .option('--agent-forwarding', 'forward Guardian’s SSH agent to it for operations’ commands (as ssh -A; never to its jump hosts)')
    .option('--no-agent-forwarding', 'stop forwarding the agent to it')
    .option('--json', 'print the server as JSON', false)
    .action(
      async (
        name: string,
        options: Record<string, unknown> & { dataDir: string; json: boolean; rename?: string; tag?: string[]; jumpHost?: string; dependsOn?: string },
      ) => {
        const { dataDir, json, rename, tag, jumpHost, dependsOn, ...fields } = options;
        await withCore(dataDir, async (core) => {
          const found = await core.servers.findByName(name);
          if (!found) throw new AppError('NOT_FOUND', `There is no server named "${name}".`, { hint: 'See "guardian servers list".' });
          const jumpHostId = await linkedServerIdOf(core, jumpHost, 'jumpHost', true);
          const dependsOnId = await linkedServerIdOf(core, dependsOn, 'dependsOn', true);
          const server = await core.router.invoke(
            LOCAL_OWNER,
            'servers.update',
            { ...fields, id: found.id, name: rename, tags: tag, jumpHostId, dependsOnId },
            CLI,
          );
          if (json) process.stdout.write(`${JSON.stringify(server, null, 2)}\n`);
          else process.stdout.write(`saved ${server.name}\n`);
        });
      },
    );

  servers
    .command('remove')
    .description('Remove a server by name.')
    .addOption(dataDirOption())
    .argument('<name>', 'the server to remove')
    .action(async (name: string, options: { dataDir: string }) => {
      await withCore(options.dataDir, async (core) => {
        const found = await core.servers.findByName(name);
        if (!found) throw new AppError('NOT_FOUND', `There is no server named "${name}".`, { hint: 'See "guardian servers list".' });
        await core.router.invoke(LOCAL_OWNER, 'servers.delete', { id: found.id }, CLI);
        process.stdout.write(`removed ${found.name}\n`);
      });
    });

  servers
    .command('import')
    .description('Import servers from a JSON, CSV or OpenSSH ssh_config file (same names update, never duplicate).')
    .addOption(dataDirOption())
    .argument('<file>', 'the file to import')
    .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(IMPORT_FORMATS))
    .option('--no-check', 'add no checks to the servers created (by default each gets a TCP check on its check_port, or its SSH port)')
    .option('--json', 'print the summary as JSON', false)
    .action(async (file: string, options: { dataDir: string; format?: (typeof IMPORT_FORMATS)[number]; json: boolean; check: boolean }) => {
      const content = readFileSync(file, 'utf8');
      await withCore(options.dataDir, async (core) => {
        const started = await core.router.invoke(
          LOCAL_OWNER,
          'servers.import',
          { format: options.format ?? guessFormat(file), content, fileName: file, monitor: options.check },
          CLI,
        );
        const job: Job = await showJobProgress(core, started, !options.json);
        if (!isFinished(job) || job.status === 'failed') {
          throw job.error ? AppError.fromShape(job.error) : new AppError('INTERNAL', 'The import did not finish.', { hint: '' });
        }
        const summary = job.result as ImportSummary;
        if (summary.rejected.length) process.exitCode = EXIT.failed;
        if (options.json) {
          process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.rejected.length} rejected; ${summary.checks} ${summary.checks === 1 ? 'check' : 'checks'} added\n`,
        );
        for (const bad of summary.rejected) process.stdout.write(`  line ${bad.line}: ${bad.reason}\n`);
      });
    });

  servers
    .command('export')
    .description('Export servers as JSON or CSV (the import format).')
    .addOption(dataDirOption())
    .addOption(new Option('--format <format>', 'file format').choices(['json', 'csv']).default('json'))
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (options: { dataDir: string; format: 'json' | 'csv'; out?: string }) => {
      await withCore(options.dataDir, async (core) => {
        const file = await core.router.invoke(LOCAL_OWNER, 'servers.export', { format: options.format }, CLI);
        if (options.out) {
          writeFileSync(options.out, file.content);
          process.stderr.write(`wrote ${file.count} servers to ${options.out}\n`);
        } else process.stdout.write(file.content);
      });
    });

  addAccountCommands(program, dataDirOption, withCore);
  addHealthCommands(program, dataDirOption, withCore);
  addReportCommands(program, dataDirOption, withCore);
  addJobCommands(program, dataDirOption, withCore);
  addOperationCommands(program, dataDirOption, withCore);
  addRunbookCommands(program, dataDirOption, withCore);
  addPastRunCommands(program, dataDirOption, withCore);
  addTerminalCommands(program, dataDirOption, withCore);
  addAuditCommands(program, dataDirOption, withCore);
  addAlertCommands(program, dataDirOption, withCore);
  addDatabaseCommands(program, dataDirOption);
  program.hook('preAction', (_program, action) => useServeConfig(action));
  return program;
}

/**
 * A command beside `guardian serve` works on serve's data: the configuration file GUARDIAN_CONFIG
 * names (or the data folder's guardian.json) gives its data folder unless --data-dir does, and its
 * database unless --database or GUARDIAN_DATABASE_URL does (withCore reads the same for the
 * commands without a --database option). serve reads the file itself (serve-config.ts).
 */
async function useServeConfig(action: Command): Promise<void> {
  const has = (name: string) => action.options.some((option) => option.attributeName() === name);
  if (action.name() === 'serve' || !has('dataDir')) return;
  const { commandConfig } = await import('./serve-config');
  const config = commandConfig(action.getOptionValue('dataDir') as string, { cwd: process.cwd(), env: process.env });
  const unset = (name: string) => {
    const source = action.getOptionValueSource(name);
    return source !== 'cli' && !(source === 'env' && action.getOptionValue(name));
  };
  const { dataDir, database } = config?.settings ?? {};
  if (dataDir !== undefined && unset('dataDir')) action.setOptionValueWithSource('dataDir', dataDir, 'config');
  if (database !== undefined && has('database') && unset('database')) action.setOptionValueWithSource('database', database, 'config');
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof AppError) {
    process.stderr.write(`error: ${error.message}\nhint: ${error.hint}\n`);
    return error.code === 'CONFIG_INVALID' ? EXIT.config : EXIT.failed;
  }
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.failed;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // Every level (`guardian alert channel add` is three deep): a usage error is thrown, so it exits 2 rather than commander's 1.
  const override = (command: Command) => {
    command.exitOverride();
    for (const sub of command.commands) override(sub);
  };
  override(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    return reportError(error);
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(reportError(error)),
);

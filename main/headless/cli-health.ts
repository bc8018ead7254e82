import { Command, InvalidArgumentError, Option } from 'commander';
import { AppError } from '@shared/api/errors';
import { CheckSpec, type Check, type CheckResult, type CheckStatus } from '@shared/api/checks';
import { type FleetOverview } from '@shared/api/health';
import { ServerId, type Server } from '@shared/api/servers';
import { CHECK_TYPES, type CheckType } from '@shared/health';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '@core/app';
import { checkTarget } from '@core/health/target';
import { printTable } from './cli-output';

type WithCore = <T>(dataDir: string, work: (core: Core) => Promise<T>) => Promise<T>;

const CLI = { origin: 'cli' };

/**
 * Exit codes of `guardian check test`, documented in the README. 1 and 2 already mean "the
 * command failed" and "the command line was wrong", so a check's verdict takes 3 and 4.
 */
export const CHECK_EXIT: Record<CheckStatus, number> = { up: 0, degraded: 3, down: 4 };

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "10s", "5m", "1h", "1d", "250ms" or a bare number of milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('a duration is a number with a unit (10s, 5m, 1h, 1d) or milliseconds (1500)');
  return Math.round(Number(match[1]) * UNIT_MS[(match[2] ?? 'ms') as keyof typeof UNIT_MS]);
}

/** The largest unit that divides the duration: 30000 → "30s", 90000 → "90s", 3600000 → "1h". */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a whole number');
  return Number(value);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new InvalidArgumentError('a port is a number from 1 to 65535');
  return port;
}

function parseConfigJson(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`not JSON (${error instanceof Error ? error.message : String(error)}); quote it: --config '{"port": 443}'`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError('a JSON object such as \'{"port": 443}\'');
  return parsed as Record<string, unknown>;
}

type Flag = 'url' | 'host' | 'port' | 'record' | 'expect' | 'resolver';
type ConfigFlags = { [F in Flag]?: F extends 'port' ? number : string } & { type: CheckType; config?: Record<string, unknown> };

/** Which config field each friendly flag fills, per type; a type missing here does not compile. */
const FLAG_FIELDS: Record<CheckType, Partial<Record<Flag, string>>> = {
  http: { url: 'url' },
  tcp: { host: 'host', port: 'port' },
  tls: { host: 'host', port: 'port' },
  ssh: { host: 'host', port: 'port' },
  'ssh-metrics': { host: 'host', port: 'port' },
  game: { host: 'host', port: 'port' },
  dns: { host: 'name', record: 'recordType', expect: 'expected', resolver: 'server' },
};
const FLAGS: readonly Flag[] = ['url', 'host', 'port', 'record', 'expect', 'resolver'];

/** --config, then the friendly flags over it, then (for `check add`) the server's host and SSH port where the type takes them. */
function specFrom(options: ConfigFlags, server?: Server): unknown {
  const fields = FLAG_FIELDS[options.type];
  const config: Record<string, unknown> = { ...options.config };
  for (const flag of FLAGS) {
    const value = options[flag];
    if (value === undefined) continue;
    const field = fields[flag];
    if (!field) {
      const takes = Object.keys(fields).map((name) => `--${name}`);
      throw new AppError('VALIDATION_FAILED', `--${flag} does not apply to ${options.type} checks.`, {
        hint: `${options.type} checks take ${[...takes, "--config '{…}'"].join(', ')}.`,
        issues: [{ path: [flag], message: `not a ${options.type} option` }],
      });
    }
    config[field] = flag === 'record' && typeof value === 'string' ? value.toUpperCase() : value;
  }
  if (server) {
    const hostField = fields.host;
    // An ssh-metrics check logs in to its server's host by itself (the vault sends credentials nowhere else).
    if (hostField && config[hostField] === undefined && options.type !== 'ssh-metrics') config[hostField] = server.host;
    if ((options.type === 'ssh' || options.type === 'ssh-metrics') && config.port === undefined) config.port = server.port;
  }
  return { type: options.type, config };
}

function configOptions(command: Command): Command {
  return command
    .addOption(new Option('--type <type>', 'check type').choices(CHECK_TYPES).makeOptionMandatory())
    .option('--url <url>', 'http: the URL to request')
    .option('--host <host>', 'tcp, tls, ssh, ssh-metrics, game: the host; dns: the name to resolve')
    .option('--port <port>', 'tcp, tls, ssh, ssh-metrics, game: the port', parsePort)
    .option('--record <type>', 'dns: record type (A, AAAA, CNAME, MX, TXT)')
    .option('--expect <value>', 'dns: a value one of the answers must equal')
    .option('--resolver <ip[:port]>', 'dns: the resolver to ask (default: the system’s)')
    .option('--config <json>', 'the type’s config as a JSON object; the flags above override its fields', parseConfigJson);
}

async function findServer(core: Core, ref: string): Promise<Server> {
  const id = ServerId.safeParse(ref).success ? ref : (await core.servers.findByName(ref))?.id;
  if (!id) throw new AppError('NOT_FOUND', `There is no server named "${ref}".`, { hint: 'See "guardian servers list".' });
  return core.router.invoke(LOCAL_OWNER, 'servers.get', { id }, CLI);
}

function when(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
}

const latency = (ms: number | null) => (ms === null ? '-' : `${Math.round(ms)} ms`);

function targetOf(check: Check): string {
  const spec = CheckSpec.safeParse({ type: check.type, config: check.config });
  return spec.success ? checkTarget(spec.data).label : '-';
}

const json = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

function printCheckResult(result: CheckResult): void {
  process.stdout.write(`status:  ${result.status}\nlatency: ${latency(result.latencyMs)}\nmessage: ${result.message}\n`);
}

function printOverview(overview: FleetOverview): void {
  printTable(
    ['NAME', 'HOST', 'ENV', 'STATUS', 'SINCE', 'CHECKS'],
    overview.servers.map((s) => [s.name, s.host, s.environment || '-', s.status, when(s.since), String(s.checks)]),
  );
  const counts = (['up', 'degraded', 'down', 'unknown', 'paused'] as const).map((status) => `${overview.counts[status] ?? 0} ${status}`);
  const servers = overview.servers.length;
  process.stdout.write(`\n${servers} server${servers === 1 ? '' : 's'}: ${counts.join(', ')}\n`);
  if (overview.openIncidents.length === 0) {
    process.stdout.write('no open incidents\n');
    return;
  }
  process.stdout.write(`${overview.openIncidents.length} open incident${overview.openIncidents.length === 1 ? '' : 's'}:\n`);
  printTable(
    ['SERVER', 'SEVERITY', 'SINCE', 'CAUSE'],
    overview.openIncidents.map((i) => [i.serverName, i.severity, when(i.startedAt), i.cause]),
  );
}

/**
 * `guardian check …` and `guardian status`: the health engine's checks and the fleet overview,
 * directly on a data dir. Nothing here runs checks on a schedule; `guardian serve` does.
 */
export function addHealthCommands(program: Command, dataDirOption: () => Option, withCore: WithCore): void {
  const check = program.command('check').description('Health checks: what Guardian watches on each server.');

  check
    .command('list')
    .description('List checks with their state and last result.')
    .addOption(dataDirOption())
    .option('--server <server>', 'only this server’s checks (name or id)')
    .option('--json', 'print JSON', false)
    .action(async (options: { dataDir: string; server?: string; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const serverId = options.server === undefined ? undefined : (await findServer(core, options.server)).id;
        const { items } = await core.router.invoke(LOCAL_OWNER, 'checks.list', { serverId }, CLI);
        if (options.json) {
          json(items);
          return;
        }
        const servers = await core.router.invoke(LOCAL_OWNER, 'servers.list', { limit: 10_000 }, CLI);
        const names = new Map(servers.items.map((s) => [s.id, s.name]));
        const rows = items
          .map((c) => [
            c.id,
            names.get(c.serverId) ?? c.serverId,
            c.name,
            c.type,
            targetOf(c),
            formatDuration(c.intervalMs),
            c.state,
            c.lastMessage ?? '-',
            latency(c.lastLatencyMs),
          ])
          .sort((a, b) => (a[1] ?? '').localeCompare(b[1] ?? '') || (a[2] ?? '').localeCompare(b[2] ?? ''));
        printTable(['ID', 'SERVER', 'NAME', 'TYPE', 'TARGET', 'INTERVAL', 'STATE', 'LAST RESULT', 'LATENCY'], rows);
      });
    });

  configOptions(
    check
      .command('add')
      .description('Add a check to a server. Host (and the SSH port for ssh checks) default to the server’s.')
      .addOption(dataDirOption())
      .argument('<server>', 'the server (name or id)'),
  )
    .option('--name <name>', 'what to call it (default: type and target)')
    .option('--interval <duration>', 'how often it runs: 30s, 5m, 1h (default: the monitoring default)', parseDuration)
    .option('--timeout <duration>', 'how long one attempt may take: 10s', parseDuration)
    .option('--retries <n>', 'attempts again before a failure counts', parseCount)
    .option('--confirm-after <n>', 'results in a row before the state changes', parseCount)
    .option('--paused', 'add it paused', false)
    .option('--json', 'print the created check as JSON', false)
    .action(
      async (
        serverRef: string,
        options: ConfigFlags & {
          dataDir: string;
          name?: string;
          interval?: number;
          timeout?: number;
          retries?: number;
          confirmAfter?: number;
          paused: boolean;
          json: boolean;
        },
      ) => {
        await withCore(options.dataDir, async (core) => {
          const server = await findServer(core, serverRef);
          const created = await core.router.invoke(
            LOCAL_OWNER,
            'checks.create',
            {
              serverId: server.id,
              name: options.name,
              spec: specFrom(options, server),
              intervalMs: options.interval,
              timeoutMs: options.timeout,
              retries: options.retries,
              confirmAfter: options.confirmAfter,
              paused: options.paused,
            },
            CLI,
          );
          if (options.json) json(created);
          else process.stdout.write(`added ${created.name} to ${server.name} (${created.id})\n`);
        });
      },
    );

  configOptions(check.command('test').description('Run a check once without saving it. Exit code: 0 up, 3 degraded, 4 down.').addOption(dataDirOption()))
    .option('--timeout <duration>', 'how long it may take', parseDuration)
    .option('--json', 'print the result as JSON', false)
    .action(async (options: ConfigFlags & { dataDir: string; timeout?: number; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const result = await core.router.invoke(LOCAL_OWNER, 'checks.test', { spec: specFrom(options), timeoutMs: options.timeout }, CLI);
        if (options.json) json(result);
        else printCheckResult(result);
        process.exitCode = CHECK_EXIT[result.status];
      });
    });

  const pauseOrResume = (name: 'pause' | 'resume', done: string, already: string) =>
    check
      .command(name)
      .description(`${name === 'pause' ? 'Pause' : 'Resume'} one check, or every check of a server.`)
      .addOption(dataDirOption())
      .argument('[check-id]', 'the check (see "guardian check list")')
      .option('--server <server>', 'every check of this server (name or id)')
      .action(async (id: string | undefined, options: { dataDir: string; server?: string }) => {
        if ((id === undefined) === (options.server === undefined)) {
          throw new AppError('VALIDATION_FAILED', `Name a check id or --server, not both or neither.`, { hint: `e.g. guardian check ${name} --server web-1` });
        }
        await withCore(options.dataDir, async (core) => {
          const target = options.server === undefined ? { id } : { serverId: (await findServer(core, options.server)).id };
          const { ids } = await core.router.invoke(LOCAL_OWNER, name === 'pause' ? 'checks.pause' : 'checks.resume', target, CLI);
          process.stdout.write(ids.length === 0 ? `nothing to ${name}: ${already}\n` : `${done} ${ids.length} check${ids.length === 1 ? '' : 's'}\n`);
        });
      });
  pauseOrResume('pause', 'paused', 'already paused');
  pauseOrResume('resume', 'resumed', 'not paused');

  program
    .command('status')
    .description('The fleet at a glance: each server’s status, counts per status and open incidents. Exits 0 whatever the fleet’s state.')
    .addOption(dataDirOption())
    .option('--tag <tag...>', 'only servers with all these tags')
    .option('--env <env>', 'only servers in this environment')
    .option('--json', 'print the overview as JSON', false)
    .action(async (options: { dataDir: string; tag?: string[]; env?: string; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const overview = await core.router.invoke(LOCAL_OWNER, 'health.overview', { tags: options.tag, environment: options.env }, CLI);
        if (options.json) json(overview);
        else printOverview(overview);
      });
    });
}

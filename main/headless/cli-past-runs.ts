import { InvalidArgumentError, Option, type Command } from 'commander';
import { AppError } from '@shared/api/errors';
import { RUN_KINDS, RUN_OUTCOMES, TARGET_STATES, type OperationRun, type OutputMatch } from '@shared/api/operations';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '@core/app';
import { parseDuration } from './cli-health';
import { selectorOf, startAndFollow, type WithCore } from './cli-operations';
import { printTable } from './cli-output';
import { collectParam, count } from './cli-runbooks';

const CLI = { origin: 'cli' };

/** A point in time as typed: a duration ago ("7d", "12h") or a date ("2026-12-01", "2026-12-01T09:00Z"), as epoch ms. */
export function pointInTime(value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?(ms|s|m|h|d)$/.test(value.trim())) return now - parseDuration(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
    const time = Date.parse(value);
    if (Number.isFinite(time)) return time;
  }
  throw new InvalidArgumentError('a time ago (7d, 12h, 30m) or a date (2026-12-01, 2026-12-01T09:00Z)');
}

const collectName = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** A match's line, the match marked: bold and inverse on a terminal, between » and « otherwise (a pipe keeps plain text). */
function excerptOf(match: OutputMatch, terminal: boolean): string {
  const { before, match: found, after } = match.excerpt;
  return terminal ? `${before}\u001b[1;7m${found}\u001b[0m${after}` : `${before}»${found}«${after}`;
}

/** When a run started, in a cell: UTC to the second. */
const startedAt = (at: number): string => new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** What a run ran, in a cell: the runbook and version, a push's path and mode (its command says them, whole), or the command's first line, cut. */
function whatRan(run: Pick<OperationRun, 'command' | 'runbook'> & { file?: OperationRun['file'] }): string {
  if (run.runbook) return `runbook ${run.runbook.name} v${run.runbook.version}`;
  return run.file ? run.command : (run.command.split('\n')[0] ?? '').slice(0, 40);
}

/** How a run went, in the words `--outcome` takes; a rolling run stopped at its threshold says so (`--outcome failed` finds it). */
function outcomeOf(run: OperationRun): string {
  if (run.status !== 'finished') return run.status;
  if (run.stopReason) return 'stopped';
  return run.counts.succeeded === TARGET_STATES.reduce((sum, state) => sum + run.counts[state], 0) ? 'succeeded' : 'failed';
}

/** A run's targets by state, the states it has: "1 succeeded, 2 failed". */
const countsOf = (run: OperationRun): string =>
  TARGET_STATES.filter((state) => run.counts[state] > 0)
    .map((state) => `${run.counts[state]} ${state}`)
    .join(', ');

/** Who started a run, as people read it: an account's username, an API key's name, the command line. */
async function actorNames(core: Core): Promise<(createdBy: string) => string> {
  const [users, keys] = await Promise.all([core.router.invoke(LOCAL_OWNER, 'users.list', {}, CLI), core.router.invoke(LOCAL_OWNER, 'apikeys.list', {}, CLI)]);
  const names = new Map<string, string>([
    [`system:${LOCAL_OWNER.id}`, 'command line'],
    ...users.items.map((user): [string, string] => [`user:${user.id}`, user.username]),
    ...keys.items.map((key): [string, string] => [`apiKey:${key.id}`, `key ${key.name}`]),
  ]);
  return (createdBy) => names.get(createdBy) ?? createdBy;
}

/** `--by`: a username (any case), or who as a run's createdBy names it (user:ID, apiKey:ID, system:local-owner). */
async function createdByOf(core: Core, by: string): Promise<string> {
  if (by.includes(':')) return by;
  const { items } = await core.router.invoke(LOCAL_OWNER, 'users.list', {}, CLI);
  const user = items.find((each) => each.username.toLowerCase() === by.toLowerCase());
  if (!user) throw new AppError('NOT_FOUND', `There is no user named "${by}".`, { hint: 'See "guardian user list", or give user:ID or apiKey:ID.' });
  return `user:${user.id}`;
}

/**
 * `guardian output search TEXT`, `guardian runs list` and `guardian rerun RUN_ID`: past runs from
 * the command line, as the local owner. `guardian run` takes its words as the command, so none
 * can be a subcommand of it (`guardian run --on … -- search x` must run `search x`).
 */
export function addPastRunCommands(program: Command, dataDirOption: () => Option, withCore: WithCore): void {
  const output = program.command('output').description('What runs printed, as stored (docs/operations.md "Searching output").');

  output
    .command('search')
    .description('Which targets of which runs printed a text (any case, as typed, not a pattern), newest run first, with the line around the first match.')
    .addOption(dataDirOption())
    .argument('<text...>', 'the text to look for; its words are joined by one space')
    .option('--since <when>', 'runs started from then: a time ago (7d, 12h) or a date (2026-12-01)', (value) => pointInTime(value))
    .option('--until <when>', 'runs started before then: a time ago or a date', (value) => pointInTime(value))
    .option('--server <name>', 'only this server’s targets; repeat for more', collectName)
    .option('--limit <n>', 'targets at most (1-500)', count, 50)
    .option('--json', 'print JSON: the matches and whether there were more', false)
    .action(async (words: string[], options: { dataDir: string; since?: number; until?: number; server?: string[]; limit: number; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const serverIds = options.server
          ? (
              await selectorOf(
                core,
                options.server.map((value) => ({ kind: 'server' as const, value })),
              )
            ).serverIds
          : undefined;
        const found = await core.router.invoke(
          LOCAL_OWNER,
          'operations.searchOutput',
          {
            text: words.join(' '),
            limit: options.limit,
            ...(options.since !== undefined && { since: options.since }),
            ...(options.until !== undefined && { until: options.until }),
            ...(serverIds && { serverIds }),
          },
          CLI,
        );
        if (options.json) return void process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
        if (found.items.length === 0) return void process.stdout.write('No stored output has it.\n');
        const terminal = process.stdout.isTTY === true;
        printTable(
          ['STARTED', 'RUN', 'WHAT', 'SERVER', 'STATE', 'STREAM', 'LINE'],
          found.items.map((match) => [
            startedAt(match.runCreatedAt),
            match.runId,
            whatRan(match),
            match.serverName,
            match.state,
            match.stream,
            excerptOf(match, terminal),
          ]),
        );
        if (found.more) process.stdout.write(`\nMore targets matched than ${options.limit}: narrow with --since, --until or --server, or raise --limit.\n`);
      });
    });

  const runs = program.command('runs').description('Past and running runs (docs/operations.md "Listing runs").');

  runs
    .command('list')
    .description('Runs, newest first: what ran, how it went with its targets by state, who started it and when.')
    .addOption(dataDirOption())
    .addOption(new Option('--outcome <outcome>', 'how it went (failed: finished with a target that did not succeed)').choices(RUN_OUTCOMES))
    .addOption(new Option('--kind <kind>', 'what ran').choices(RUN_KINDS))
    .option('--by <who>', 'who started it: a username, or user:ID, apiKey:ID, system:local-owner')
    .option('--since <when>', 'runs started from then: a time ago (7d, 12h) or a date (2026-12-01)', (value) => pointInTime(value))
    .option('--runbook <name>', 'runs of this runbook, any version, archived too: its name or id')
    .option('--server <name>', 'runs with this server among their targets: its name')
    .option('--limit <n>', 'runs at most (1-500)', count, 50)
    .option('--json', 'print JSON: the runs', false)
    .action(
      async (options: {
        dataDir: string;
        outcome?: (typeof RUN_OUTCOMES)[number];
        kind?: (typeof RUN_KINDS)[number];
        by?: string;
        since?: number;
        runbook?: string;
        server?: string;
        limit: number;
        json: boolean;
      }) => {
        await withCore(options.dataDir, async (core) => {
          const createdBy = options.by === undefined ? undefined : await createdByOf(core, options.by);
          // By the contract, as `guardian runbook show` and `--on server:NAME` find them; unknown is NOT_FOUND naming the listing command.
          const runbookId =
            options.runbook === undefined ? undefined : (await core.router.invoke(LOCAL_OWNER, 'runbooks.get', { id: options.runbook }, CLI)).id;
          const serverId = options.server === undefined ? undefined : (await selectorOf(core, [{ kind: 'server', value: options.server }])).serverIds[0];
          const filter = {
            ...(options.outcome && { outcome: options.outcome }),
            ...(options.kind && { kind: options.kind }),
            ...(createdBy !== undefined && { createdBy }),
            ...(options.since !== undefined && { since: options.since }),
            ...(runbookId !== undefined && { runbookId }),
            ...(serverId !== undefined && { serverId }),
          };
          // One more than asked, to say whether there were more; a limit out of range goes as given, for the contract to refuse.
          const limit = options.limit >= 1 && options.limit < 500 ? options.limit + 1 : options.limit;
          const found = await core.router.invoke(LOCAL_OWNER, 'operations.runs', { ...filter, limit }, CLI);
          const items = found.items.slice(0, options.limit);
          if (options.json) return void process.stdout.write(`${JSON.stringify({ items }, null, 2)}\n`);
          if (items.length === 0) return void process.stdout.write('No run matches.\n');
          const nameOf = await actorNames(core);
          printTable(
            ['STARTED', 'RUN', 'WHAT', 'STATUS', 'TARGETS', 'BY'],
            items.map((run) => [startedAt(run.createdAt), run.id, whatRan(run), outcomeOf(run), countsOf(run), nameOf(run.createdBy)]),
          );
          if (found.items.length > items.length)
            process.stdout.write(`\nMore runs matched than ${options.limit}: narrow with the filters, or raise --limit.\n`);
        });
      },
    );

  program
    .command('rerun')
    .description(
      'Run again what a finished run ran (the same command, or the same runbook version and parameters), on all its targets or only those that did not succeed. Exit code 0 only when every target succeeded.',
    )
    .addOption(dataDirOption())
    .argument('<run-id>', 'the run’s id (guardian output search and guardian run --json print it)')
    .option('--failed', 'only the targets that did not succeed (failed, timed out, cancelled, skipped)', false)
    .option('--param <name=value>', 'a secret parameter’s value, which Guardian did not keep; repeat for each', collectParam)
    .option('--confirm <n>', 'for a dangerous runbook: the number of servers it will run on', count)
    .option('--vault-key-file <file>', 'the vault key file that unlocks the credentials; also $GUARDIAN_VAULT_KEY_FILE or $CREDENTIALS_DIRECTORY/vault-key')
    .option('--json', 'print one JSON event per line (target states, output, the summary)', false)
    .action(
      async (
        id: string,
        options: { dataDir: string; failed: boolean; param?: Record<string, string>; confirm?: number; vaultKeyFile?: string; json: boolean },
      ) => {
        await startAndFollow(withCore, options, async (core) =>
          core.router.invoke(
            LOCAL_OWNER,
            'operations.rerun',
            {
              id,
              only: options.failed ? 'failed' : 'all',
              params: options.param ?? {},
              ...(options.confirm !== undefined && { confirm: options.confirm }),
            },
            CLI,
          ),
        );
      },
    );
}

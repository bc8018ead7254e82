import { InvalidArgumentError, type Command, type Option } from 'commander';
import type { OutputMatch } from '@shared/api/operations';
import { LOCAL_OWNER } from '@shared/permissions';
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

/**
 * `guardian output search TEXT` and `guardian rerun RUN_ID`: past runs from the command line, as
 * the local owner. `guardian run` takes its words as the command, so neither can be a subcommand
 * of it (`guardian run --on … -- search x` must run `search x`).
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
            new Date(match.runCreatedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
            match.runId,
            match.runbook ? `runbook ${match.runbook.name} v${match.runbook.version}` : (match.command.split('\n')[0] ?? '').slice(0, 40),
            match.serverName,
            match.state,
            match.stream,
            excerptOf(match, terminal),
          ]),
        );
        if (found.more) process.stdout.write(`\nMore targets matched than ${options.limit}: narrow with --since, --until or --server, or raise --limit.\n`);
      });
    });

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

import { readFile, stat } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { AppError } from '@shared/api/errors';
import { PUSH_MAX_BYTES, type OperationRunWithTargets, type OperationTarget, type OutputChunk } from '@shared/api/operations';
import type { Server } from '@shared/api/servers';
import { batchOf } from '@shared/operations/rolling';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core, CoreOptions } from '@core/app';
import { configuredKeyFile } from '@core/vault/keyfile';
import { printTable } from './cli-output';

export type WithCore = <T>(dataDir: string, work: (core: Core) => Promise<T>, overrides?: Partial<CoreOptions>) => Promise<T>;

const CLI = { origin: 'cli' };

/** One `--on`: `tag:web`, `env:prod`, `server:NAME`. */
export interface On {
  kind: 'tag' | 'env' | 'server';
  value: string;
}

export function collectOn(value: string, previous: On[] | undefined): On[] {
  const match = /^(tag|env|server):(.+)$/.exec(value.trim());
  if (!match?.[1] || !match[2]) throw new InvalidArgumentError(`"${value}" is not tag:NAME, env:NAME or server:NAME`);
  return [...(previous ?? []), { kind: match[1] as On['kind'], value: match[2] }];
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a whole number');
  return Number(value);
}

/** `--serial 2` or `--serial 25%`: the contract judges the range, under `rolling.batchSize`. */
export function batchSize(value: string): number | string {
  if (/^\d+$/.test(value)) return Number(value);
  if (/^\d+%$/.test(value)) return value;
  throw new InvalidArgumentError('a whole number of targets (2) or a percentage of them (25%)');
}

/** The options that make a run rolling, for `guardian run` and `guardian runbook run`. */
export function addRollingOptions(command: Command): Command {
  return command
    .option('--serial <n|n%>', 'run in batches of this many targets (or this percentage of them), one batch after another', batchSize)
    .option('--max-fail <percent>', 'with --serial: stop after a batch once more than this percentage of all targets failed (default 0)', positiveInt);
}

/** The run's `rolling` from --serial and --max-fail; undefined when neither was given. */
export function rollingOf(options: { serial?: number | string; maxFail?: number }) {
  if (options.serial === undefined && options.maxFail === undefined) return undefined;
  if (options.serial === undefined) {
    throw new AppError('VALIDATION_FAILED', '--max-fail needs --serial: a failure threshold is checked between batches.', {
      hint: 'Add --serial N (targets per batch) or --serial N% (a percentage of them).',
    });
  }
  return { batchSize: options.serial, ...(options.maxFail !== undefined && { maxFailPercent: options.maxFail }) };
}

/** The selector the `--on` options name; a server by name is looked up (case does not matter, as names are unique so). */
export async function selectorOf(core: Core, on: On[]) {
  const names = on.filter((each) => each.kind === 'server').map((each) => each.value);
  let serverIds: string[] = [];
  if (names.length > 0) {
    const { items } = await core.router.invoke(LOCAL_OWNER, 'servers.list', { limit: 10_000 }, CLI);
    const byName = new Map(items.map((server: Server) => [server.name.toLowerCase(), server.id]));
    const missing = names.filter((name) => !byName.has(name.toLowerCase()));
    if (missing.length > 0)
      throw new AppError('NOT_FOUND', `There is no server named ${missing.map((name) => `"${name}"`).join(', ')}.`, { hint: 'See "guardian servers list".' });
    serverIds = names.map((name) => byName.get(name.toLowerCase()) ?? '');
  }
  return {
    serverIds,
    tags: on.filter((each) => each.kind === 'tag').map((each) => each.value),
    environments: on.filter((each) => each.kind === 'env').map((each) => each.value),
  };
}

/** Prints each target's output line by line, prefixed with its server's name; a line still open waits for its end. */
class Prefixed {
  private readonly open = new Map<string, string>();

  constructor(private readonly width: number) {}

  write(name: string, chunk: OutputChunk): void {
    const key = `${name}\0${chunk.stream}`;
    const lines = ((this.open.get(key) ?? '') + chunk.text).split('\n');
    this.open.set(key, lines.pop() ?? '');
    for (const line of lines) this.line(name, chunk.stream, line);
  }

  /** A target's lines not ended by a newline. */
  end(name: string): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const key = `${name}\0${stream}`;
      const rest = this.open.get(key);
      if (rest) this.line(name, stream, rest);
      this.open.delete(key);
    }
  }

  private line(name: string, stream: 'stdout' | 'stderr', text: string): void {
    (stream === 'stdout' ? process.stdout : process.stderr).write(`${name.padEnd(this.width)} | ${text}\n`);
  }
}

/** The key file a command unlocks the vault with (--vault-key-file, or serve's), or a refusal saying what it was needed for. */
export async function vaultKeyFileOrRefuse(flag: string | undefined, purpose: string): Promise<string> {
  // serve's module only when such a command runs: it brings the HTTP server with it.
  const { vaultKeyFileFrom } = await import('./serve');
  const keyFile = vaultKeyFileFrom(flag, process.env);
  if (!keyFile) {
    throw new AppError('VAULT_LOCKED', `The vault must be unlocked ${purpose}, and no key file was given.`, {
      hint: 'Pass --vault-key-file (or set GUARDIAN_VAULT_KEY_FILE): the key file guardian serve unlocks the vault with.',
    });
  }
  return keyFile;
}

/** A rolling run's "batch 2 of 5" line as each batch's first target starts (the page's rule: batches follow the run's target order). */
class BatchLines {
  private said = 0;

  constructor(private readonly run: OperationRunWithTargets) {}

  started(serverId: string): void {
    const { rolling } = this.run;
    if (!rolling) return;
    const batch = batchOf(
      this.run.targets.findIndex((target) => target.serverId === serverId),
      rolling.perBatch,
    );
    if (batch <= this.said) return;
    this.said = batch;
    process.stdout.write(`-- batch ${batch} of ${rolling.batches} --\n`);
  }
}

/** What `guardian run` and `guardian push` are given besides what they do. */
interface RunOptions {
  dataDir: string;
  on: On[];
  concurrency: number;
  timeout: number;
  serial?: number | string;
  maxFail?: number;
  vaultKeyFile?: string;
  json: boolean;
}

const seconds = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);

/**
 * `guardian run --on tag:web -- 'systemctl restart nginx'`: a command on the servers selected,
 * with the servers' vault credentials (the vault unlocked by its key file), output live, a summary
 * and exit code 0 only when every target succeeded. Ctrl-C cancels the run, remote commands too.
 */
export function addOperationCommands(program: Command, dataDirOption: () => Option, withCore: WithCore): void {
  const run = program
    .command('run')
    .description('Run a command over SSH on the servers selected, each with its vault credential. Exit code 0 only when every target succeeded.')
    .addOption(dataDirOption())
    .requiredOption('--on <selector>', 'tag:NAME, env:NAME or server:NAME; repeat to add more (tags and environments both given: both must match)', collectOn)
    .option('--concurrency <n>', 'targets at a time (one per host)', positiveInt, 10)
    .option('--timeout <seconds>', 'how long each target may take, connecting included', positiveInt, 300);
  addRollingOptions(run)
    .option('--vault-key-file <file>', 'the vault key file that unlocks the credentials; also $GUARDIAN_VAULT_KEY_FILE or $CREDENTIALS_DIRECTORY/vault-key')
    .option('--json', 'print one JSON event per line (target states, output, the summary)', false)
    .argument('<command...>', 'the command, after --')
    .action(async (words: string[], options: RunOptions) => {
      const rolling = rollingOf(options) ?? null;
      await startAndFollow(withCore, options, async (core) =>
        core.router.invoke(
          LOCAL_OWNER,
          'operations.run',
          {
            command: words.join(' '),
            targets: await selectorOf(core, options.on),
            concurrency: options.concurrency,
            timeoutSeconds: options.timeout,
            rolling,
          },
          CLI,
        ),
      );
    });
  addPushCommand(program, dataDirOption, withCore);
}

/** A vault note by its id or its name (any case), for `guardian push --secret`. */
async function noteId(core: Core, nameOrId: string): Promise<string> {
  const { items } = await core.router.invoke(LOCAL_OWNER, 'secrets.list', { kind: 'note' }, CLI);
  const found = items.find((secret) => secret.id === nameOrId) ?? items.find((secret) => secret.name.toLowerCase() === nameOrId.toLowerCase());
  if (!found)
    throw new AppError('NOT_FOUND', `There is no note "${nameOrId}" in the vault.`, {
      hint: 'A file kept in the vault is a note: see "guardian secret list".',
    });
  return found.id;
}

/**
 * `guardian push --on tag:web [--mode 0644] [--owner root:root] LOCALFILE REMOTEPATH`, or
 * `--secret NAME REMOTEPATH` for a vault note: the file written on each target over SFTP under a
 * temporary name, its SHA-256 checked there, then renamed into place (operations.push). Progress,
 * summary, --json and exit codes as `guardian run`.
 */
function addPushCommand(program: Command, dataDirOption: () => Option, withCore: WithCore): void {
  const push = program
    .command('push')
    .description('Push a file to the servers selected over SFTP: written under a temporary name, its SHA-256 checked on each, then renamed into place.')
    .addOption(dataDirOption())
    .requiredOption('--on <selector>', 'tag:NAME, env:NAME or server:NAME; repeat to add more', collectOn)
    .option('--mode <octal>', 'the file’s mode', '0644')
    .option('--owner <user[:group]>', 'its owner (chown on each server; the login user must be allowed to)')
    .option('--secret <name|id>', 'push this vault note’s text instead of a local file (only to the servers it is linked to)')
    .option('--concurrency <n>', 'targets at a time (one per host)', positiveInt, 10)
    .option('--timeout <seconds>', 'how long each target may take, connecting included', positiveInt, 300);
  addRollingOptions(push)
    .option('--vault-key-file <file>', 'the vault key file that unlocks the credentials; also $GUARDIAN_VAULT_KEY_FILE or $CREDENTIALS_DIRECTORY/vault-key')
    .option('--json', 'print one JSON event per line (target states, output, the summary)', false)
    .argument('<paths...>', 'LOCALFILE REMOTEPATH, or REMOTEPATH alone with --secret')
    .action(async (paths: string[], options: RunOptions & { mode: string; owner?: string; secret?: string }) => {
      const wanted = options.secret === undefined ? 2 : 1;
      if (paths.length !== wanted) {
        push.error(
          options.secret === undefined
            ? 'guardian push needs LOCALFILE REMOTEPATH (or --secret NAME REMOTEPATH)'
            : 'with --secret, guardian push takes REMOTEPATH alone',
        );
      }
      const [local, remote] = options.secret === undefined ? paths : [undefined, paths[0]];
      const rolling = rollingOf(options) ?? null;
      // Read before anything opens: a file that is not there is said before the vault is unlocked.
      if (local !== undefined && (await stat(local)).size > PUSH_MAX_BYTES) {
        throw new AppError('VALIDATION_FAILED', `${local} is larger than ${PUSH_MAX_BYTES / 1024 / 1024} MiB, the most a push carries.`, {
          hint: 'Copy a large file another way (rsync, a package), or push a smaller one.',
        });
      }
      const content = local === undefined ? undefined : (await readFile(local)).toString('base64');
      await startAndFollow(withCore, options, async (core) =>
        core.router.invoke(
          LOCAL_OWNER,
          'operations.push',
          {
            targets: await selectorOf(core, options.on),
            path: remote ?? '',
            mode: options.mode,
            ...(options.owner !== undefined && { owner: options.owner }),
            ...(content !== undefined ? { content } : { secretId: await noteId(core, options.secret ?? '') }),
            concurrency: options.concurrency,
            timeoutSeconds: options.timeout,
            rolling,
          },
          CLI,
        ),
      );
    });
}

/**
 * Unlocks the vault with its key file, starts a run and follows it to its end: `guardian run`
 * and `guardian runbook run` alike.
 */
export async function startAndFollow(
  withCore: WithCore,
  options: { dataDir: string; vaultKeyFile?: string | undefined; json: boolean },
  start: (core: Core) => Promise<OperationRunWithTargets>,
): Promise<void> {
  const keyFile = await vaultKeyFileOrRefuse(options.vaultKeyFile, 'to log in to servers');
  await withCore(
    options.dataDir,
    async (core) => {
      await core.vault.unlock({ kind: 'keyfile' });
      await followRun(core, await start(core), options.json);
    },
    { vaultKeyFile: configuredKeyFile(keyFile) },
  );
}

/**
 * Prints a run as it goes (each line prefixed with its server's name, or one JSON event per line)
 * and its summary; Ctrl-C cancels it, remote commands too. Exit code 0 only when every target
 * succeeded.
 */
async function followRun(core: Core, started: OperationRunWithTargets, json: boolean): Promise<void> {
  const names = new Map(started.targets.map((target) => [target.serverId, target.serverName]));
  const batches = new BatchLines(started);
  const print = new Prefixed(Math.max(...started.targets.map((target) => target.serverName.length)));
  const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);
  if (json)
    emit({
      type: 'run',
      id: started.id,
      command: started.command,
      runbook: started.runbook,
      params: started.params,
      rolling: started.rolling,
      file: started.file,
      targets: started.targets.map(({ serverId, serverName, address }) => ({ serverId, serverName, address })),
    });
  const unsubscribe = core.events.subscribe((name, payload) => {
    if (name === 'operation.output') {
      const batch = payload as { runId: string; items: { serverId: string; chunks: OutputChunk[] }[] };
      if (batch.runId !== started.id) return;
      for (const item of batch.items) {
        const serverName = names.get(item.serverId) ?? item.serverId;
        for (const chunk of item.chunks) {
          if (json) emit({ type: 'output', serverId: item.serverId, serverName, ...chunk });
          else print.write(serverName, chunk);
        }
      }
    } else if (name === 'operation.target') {
      const target = payload as OperationTarget & { runId: string };
      if (target.runId !== started.id) return;
      if (json) emit({ type: 'target', ...target });
      else if (target.finishedAt !== null) print.end(target.serverName);
      else if (target.state === 'connecting') batches.started(target.serverId);
    }
  });
  const cancel = () => void core.operations.cancel(started.id).catch(() => undefined);
  process.once('SIGINT', cancel);
  let finished: OperationRunWithTargets;
  try {
    finished = await core.operations.waitFor(started.id);
  } finally {
    process.off('SIGINT', cancel);
    unsubscribe();
  }
  if (json)
    emit({ type: 'summary', id: finished.id, status: finished.status, stopReason: finished.stopReason, counts: finished.counts, targets: finished.targets });
  else {
    process.stdout.write('\n');
    printTable(
      ['SERVER', 'STATE', 'EXIT', 'DURATION', 'MESSAGE'],
      finished.targets.map((target) => [
        target.serverName,
        target.state,
        target.exitCode === null ? '-' : String(target.exitCode),
        seconds(target.durationMs),
        target.message ?? '',
      ]),
    );
    if (finished.stopReason) process.stdout.write(`\n${finished.stopReason}\n`);
  }
  if (finished.targets.some((target) => target.state !== 'succeeded')) process.exitCode = 1;
}

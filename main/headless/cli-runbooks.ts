import { readFileSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command, type Option } from 'commander';
import type { Runbook, RunbookParam } from '@shared/api/runbooks';
import { LOCAL_OWNER } from '@shared/permissions';
import { addRollingOptions, collectOn, rollingOf, selectorOf, startAndFollow, type On, type WithCore } from './cli-operations';
import { printTable } from './cli-output';

const CLI = { origin: 'cli' };
const json = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** One `--param NAME=VALUE`: text, which a number parameter reads; the value may hold `=`. */
export function collectParam(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const at = value.indexOf('=');
  if (at < 1) throw new InvalidArgumentError(`"${value}" is not NAME=VALUE`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

export function count(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a whole number');
  return Number(value);
}

/** A parameter in one line: its type, bounds and default. */
function describeParam(param: RunbookParam): string {
  const parts: string[] = [param.type];
  switch (param.type) {
    case 'string':
      if (param.secret) parts.push('secret');
      if (param.minLength !== undefined) parts.push(`at least ${param.minLength} characters`);
      parts.push(`at most ${param.maxLength}`);
      if (param.pattern) parts.push(`matching ${param.pattern}`);
      break;
    case 'number':
      if (param.integer) parts.push('whole');
      if (param.min !== undefined) parts.push(`min ${param.min}`);
      if (param.max !== undefined) parts.push(`max ${param.max}`);
      break;
    case 'choice':
      parts.push(`one of ${param.options.join(', ')}`);
      break;
    case 'server':
      parts.push(`the server's ${param.field}`);
      break;
  }
  if (param.default !== undefined) parts.push(`default ${String(param.default)}`);
  else if (!param.required) parts.push('optional');
  return parts.join(', ');
}

function showRunbook(runbook: Runbook): void {
  const targets = runbook.defaultTargets;
  const lines = [
    `${runbook.name} (version ${runbook.version}${runbook.archivedAt === null ? '' : ', archived'})`,
    ...(runbook.description ? [runbook.description] : []),
    `runs as: ${runbook.sudo ? 'root (sudo -n)' : 'the login user'}; run by: ${runbook.runnableBy === 'operator' ? 'operators, admins, owners' : 'admins, owners'}`,
    `dangerous: ${runbook.dangerous ? 'yes (--confirm with the number of servers)' : 'no'}; concurrency ${runbook.concurrency}; timeout ${runbook.timeoutSeconds} s`,
    `rolling: ${runbook.rolling ? `batches of ${runbook.rolling.batchSize}, stops past ${runbook.rolling.maxFailPercent}% failed` : 'no (every target at once)'}`,
    `default targets: ${
      targets
        ? [
            ...targets.serverIds.map((id) => `server:${id}`),
            ...targets.tags.map((tag) => `tag:${tag}`),
            ...targets.environments.map((env) => `env:${env}`),
          ].join(' ')
        : 'none (give --on)'
    }`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (runbook.params.length > 0) {
    process.stdout.write('\n');
    printTable(
      ['PARAMETER', 'TYPE', 'DESCRIPTION'],
      runbook.params.map((param) => [param.name, describeParam(param), param.description]),
    );
  }
  process.stdout.write(`\n${runbook.script}${runbook.script.endsWith('\n') ? '' : '\n'}`);
}

/**
 * `guardian runbook list|show|run|export|import`: runbooks from the command line, as the local
 * owner. `run` is `guardian run`'s code with a runbook's script and parameters: live output
 * prefixed with the server's name, a summary table, exit code 0 only when every target succeeded.
 */
export function addRunbookCommands(program: Command, dataDirOption: () => Option, withCore: WithCore): void {
  const runbook = program.command('runbook').description('Runbooks: named scripts with typed parameters, run on servers over SSH (docs/operations.md).');

  runbook
    .command('list')
    .description('List runbooks by name.')
    .addOption(dataDirOption())
    .option('--archived', 'list the archived ones instead', false)
    .option('--json', 'print JSON', false)
    .action(async (options: { dataDir: string; archived: boolean; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const { items } = await core.router.invoke(LOCAL_OWNER, 'runbooks.list', { archived: options.archived }, CLI);
        if (options.json) return void json(items);
        printTable(
          ['NAME', 'VERSION', 'PARAMETERS', 'FLAGS', 'DESCRIPTION'],
          items.map((each) => [
            each.name,
            String(each.version),
            each.params.map((param) => param.name).join(',') || '-',
            [each.sudo && 'sudo', each.dangerous && 'dangerous', each.runnableBy === 'operator' && 'operators'].filter(Boolean).join(',') || '-',
            each.description.split('\n')[0] ?? '',
          ]),
        );
      });
    });

  runbook
    .command('show')
    .description('Show a runbook: its parameters, default targets, flags and script.')
    .addOption(dataDirOption())
    .option('--json', 'print JSON', false)
    .argument('<name>', 'the runbook’s name or id')
    .action(async (name: string, options: { dataDir: string; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const found = await core.router.invoke(LOCAL_OWNER, 'runbooks.get', { id: name }, CLI);
        if (options.json) json(found);
        else showRunbook(found);
      });
    });

  const run = runbook
    .command('run')
    .description(
      'Run a runbook on the servers selected (or its default targets), in its batches unless --serial says others. Exit code 0 only when every target succeeded.',
    )
    .addOption(dataDirOption())
    .argument('<name>', 'the runbook’s name or id')
    .option('--on <selector>', 'tag:NAME, env:NAME or server:NAME; repeat to add more (the runbook’s default targets when left out)', collectOn)
    .option('--param <name=value>', 'a parameter’s value; repeat for each', collectParam)
    .option('--confirm <n>', 'for a dangerous runbook: the number of servers it will run on', count);
  addRollingOptions(run)
    .option('--vault-key-file <file>', 'the vault key file that unlocks the credentials; also $GUARDIAN_VAULT_KEY_FILE or $CREDENTIALS_DIRECTORY/vault-key')
    .option('--json', 'print one JSON event per line (target states, output, the summary)', false)
    .action(
      async (
        name: string,
        options: {
          dataDir: string;
          on?: On[];
          param?: Record<string, string>;
          confirm?: number;
          serial?: number | string;
          maxFail?: number;
          vaultKeyFile?: string;
          json: boolean;
        },
      ) => {
        const rolling = rollingOf(options);
        await startAndFollow(withCore, options, async (core) =>
          core.router.invoke(
            LOCAL_OWNER,
            'runbooks.run',
            {
              id: name,
              params: options.param ?? {},
              ...(options.on && { targets: await selectorOf(core, options.on) }),
              ...(options.confirm !== undefined && { confirm: options.confirm }),
              ...(rolling && { rolling }),
            },
            CLI,
          ),
        );
      },
    );

  runbook
    .command('export')
    .description('Write a runbook’s current version as a file (JSON, version-stamped) that runbook import reads.')
    .addOption(dataDirOption())
    .argument('<name>', 'the runbook’s name or id')
    .option('--output <file>', 'write it here instead of standard output')
    .action(async (name: string, options: { dataDir: string; output?: string }) => {
      await withCore(options.dataDir, async (core) => {
        const file = await core.router.invoke(LOCAL_OWNER, 'runbooks.export', { id: name }, CLI);
        if (options.output) writeFileSync(options.output, file.content, { mode: 0o600 });
        else process.stdout.write(file.content);
      });
    });

  runbook
    .command('import')
    .description('Read a runbook file: a new name is created; a name that exists gets a new version (its old ones are kept).')
    .addOption(dataDirOption())
    .argument('<file>', 'a file written by runbook export')
    .option('--json', 'print JSON', false)
    .action(async (path: string, options: { dataDir: string; json: boolean }) => {
      const content = readFileSync(path, 'utf8');
      await withCore(options.dataDir, async (core) => {
        const imported = await core.router.invoke(LOCAL_OWNER, 'runbooks.import', { content }, CLI);
        if (options.json) return void json(imported);
        const said = { created: 'created', 'new-version': 'saved as a new version', unchanged: 'unchanged (the file says what the current version says)' };
        process.stdout.write(`${imported.runbook.name}: ${said[imported.outcome]}, version ${imported.runbook.version}\n`);
      });
    });
}

import { InvalidArgumentError, type Command, type Option } from 'commander';
import { AppError } from '@shared/api/errors';
import { SILENCE_STATES, SOURCE_CATEGORIES, type AlertChannel, type AlertRule, type AlertSilence } from '@shared/api/alerts';
import { CHANNEL_TYPES } from '@shared/alerts';
import { describeEscalation } from '@shared/alerts/escalation';
import type { Server } from '@shared/api/servers';
import { CHECK_TYPES } from '@shared/health';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core, CoreOptions } from '@core/app';
import { channelHost } from '@core/alerts';
import { configuredKeyFile } from '@core/vault/keyfile';
import { parseDuration } from './cli-health';
import { collectOn, selectorOf, vaultKeyFileOrRefuse, type On } from './cli-operations';
import { printTable } from './cli-output';

type WithCore = <T>(dataDir: string, work: (core: Core) => Promise<T>, overrides?: Partial<CoreOptions>) => Promise<T>;

const CLI = { origin: 'cli' };
const SEVERITIES = ['degraded', 'down'] as const;

/**
 * `guardian alert channel list|add|test|enable|disable|remove`, `guardian alert rule
 * list|add|enable|disable|remove` and `guardian silence add|list|expire` (docs/alerts.md): each one call through the router, so the contract's checks,
 * permissions and audit apply as they do to the Alerts page and the REST API. Tables for people,
 * `--json` for scripts. A channel's secret is a vault id here as everywhere: never its value.
 */

async function print(json: boolean, value: unknown, table: () => void | Promise<void>): Promise<void> {
  if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else await table();
}
const time = (at: number) => new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A repeatable option taking one of `values`. */
const oneOf =
  (values: readonly string[]) =>
  (value: string, previous: string[] | undefined): string[] => {
    if (!values.includes(value)) throw new InvalidArgumentError(`one of ${values.join(', ')}`);
    return [...(previous ?? []), value];
  };
const severity = oneOf(SEVERITIES);
const checkType = oneOf(CHECK_TYPES);
const source = oneOf(SOURCE_CATEGORIES);

/** `--escalate 10:pager` or `60:pager,phone`: whole minutes after opening, then channels by name or id. Bounds and order are the contract's. */
function escalateStep(value: string, previous: { afterMinutes: number; channels: string[] }[] | undefined) {
  const match = /^(\d+):(.+)$/.exec(value);
  const channels = match?.[2]?.split(',').map((each) => each.trim()) ?? [];
  if (!match || channels.includes('')) throw new InvalidArgumentError('MINUTES:CHANNEL[,CHANNEL], e.g. 15:pager or 60:pager,phone');
  return [...(previous ?? []), { afterMinutes: Number(match[1]), channels }];
}

function wholeMinutes(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a whole number of minutes');
  return Number(value);
}

function parseConfig(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError(`not JSON; quote it: --config '{"url": "https://hooks.example.net/guardian"}'`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError('a JSON object');
  return parsed as Record<string, unknown>;
}

function parseTime(value: string): number {
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new InvalidArgumentError('a date and time such as 2026-12-24T18:00:00Z (ISO 8601; without a zone it is local time)');
  return at;
}

/** A channel, rule or vault secret named by id or by name (names are unique; case must match). */
function byIdOrName<T extends { id: string; name: string }>(items: readonly T[], wanted: string, what: string, list: string): T {
  const found = items.find((item) => item.id === wanted) ?? items.find((item) => item.name === wanted);
  if (!found) throw new AppError('NOT_FOUND', `There is no ${what} "${wanted}".`, { hint: `See "${list}".` });
  return found;
}

function matchWords(match: AlertRule['match'], servers: ReadonlyMap<string, string>): string {
  const parts = [
    ...match.serverIds.map((id) => `server:${servers.get(id) ?? id}`),
    ...match.tags.map((tag) => `tag:${tag}`),
    ...match.environments.map((environment) => `env:${environment}`),
    ...(match.severities.length ? [`severity:${match.severities.join('|')}`] : []),
    ...(match.checkTypes.length ? [`check:${match.checkTypes.join('|')}`] : []),
  ];
  return parts.length ? parts.join(' ') : 'any incident';
}

/** A rule's matcher in words, led by its sources when it hears of more than incidents (docs/alerts.md, "Sources about no server"). */
function ruleWords(rule: AlertRule, servers: ReadonlyMap<string, string>): string {
  if (rule.sources.length === 1 && rule.sources[0] === 'incidents') return matchWords(rule.match, servers);
  const words = matchWords(rule.match, servers);
  return `sources:${rule.sources.join('|')}${words === 'any incident' ? '' : ` ${words}`}`;
}

async function serverNames(core: Core): Promise<Map<string, string>> {
  const { items } = await core.router.invoke(LOCAL_OWNER, 'servers.list', { limit: 10_000 }, CLI);
  return new Map(items.map((server: Server) => [server.id, server.name]));
}

const channels = async (core: Core) => (await core.router.invoke(LOCAL_OWNER, 'alerts.channels', {}, CLI)).items;
const rules = async (core: Core) => (await core.router.invoke(LOCAL_OWNER, 'alerts.rules', {}, CLI)).items;

function printChannels(items: readonly AlertChannel[]): void {
  printTable(
    ['NAME', 'TYPE', 'TARGET', 'STATE', 'ID'],
    items.map((channel) => [
      channel.name,
      channel.type,
      channelHost(channel) || '-',
      channel.enabled ? 'enabled' : `disabled${channel.disabledReason ? ` (${channel.disabledReason})` : ''}`,
      channel.id,
    ]),
  );
}

function printRules(items: readonly AlertRule[], channelNames: ReadonlyMap<string, string>, servers: ReadonlyMap<string, string>): void {
  printTable(
    ['NAME', 'MATCHES', 'SENDS TO', 'ESCALATION', 'STATE', 'ID'],
    items.map((rule) => [
      rule.name,
      ruleWords(rule, servers),
      rule.channelIds.map((id) => channelNames.get(id) ?? id).join(', '),
      describeEscalation(rule, (id) => channelNames.get(id) ?? id) || '-',
      rule.enabled ? 'enabled' : 'disabled',
      rule.id,
    ]),
  );
}

function printSilences(items: readonly AlertSilence[], servers: ReadonlyMap<string, string>): void {
  printTable(
    ['STATE', 'MATCHES', 'FROM', 'UNTIL', 'BY', 'REASON', 'ID'],
    items.map((silence) => [
      silence.state,
      matchWords(silence.match, servers),
      time(silence.startsAt),
      time(silence.endsAt),
      silence.createdBy,
      silence.expiredAt === null
        ? silence.reason
        : `${silence.reason} (expired by ${silence.expiredBy}${silence.expireReason ? `: ${silence.expireReason}` : ''})`,
      silence.id,
    ]),
  );
}

/** The matcher `--on`, `--severity` and `--check-type` name, a server by name looked up as `guardian run` does. */
async function matchOf(core: Core, options: { on?: On[] | undefined; severity?: string[] | undefined; checkType?: string[] | undefined }) {
  const selector = await selectorOf(core, options.on ?? []);
  return { ...selector, severities: options.severity ?? [], checkTypes: options.checkType ?? [] };
}

/** What `enable`, `disable` and `remove` act on: a channel or a rule, by name or id. */
interface Kept {
  noun: 'channel' | 'rule';
  list(core: Core): Promise<readonly { id: string; name: string }[]>;
  update: 'alerts.updateChannel' | 'alerts.updateRule';
  remove: 'alerts.deleteChannel' | 'alerts.deleteRule';
}

/** `enable`, `disable` and `remove` of a channel or a rule: one call each, audited as from the page. */
function addLifecycle(parent: Command, kept: Kept, dataDirOption: () => Option, withCore: WithCore): void {
  const setEnabled = (enabled: boolean) => async (core: Core, target: { id: string; name: string }) => ({
    answer: await core.router.invoke(LOCAL_OWNER, kept.update, { id: target.id, enabled }, CLI),
    words: `${enabled ? 'Enabled' : 'Disabled'} the ${kept.noun} ${target.name}.`,
  });
  const remove = async (core: Core, target: { id: string; name: string }) => {
    await core.router.invoke(LOCAL_OWNER, kept.remove, { id: target.id }, CLI);
    return { answer: { id: target.id, name: target.name, removed: true }, words: `Removed the ${kept.noun} ${target.name}.` };
  };
  for (const [verb, description, act] of [
    ['enable', `Enable a ${kept.noun} again.`, setEnabled(true)],
    ['disable', `Disable a ${kept.noun}: it is kept, and sends nothing until enabled.`, setEnabled(false)],
    ['remove', `Remove a ${kept.noun}. The delivery log keeps what it sent.`, remove],
  ] as const) {
    parent
      .command(verb)
      .description(description)
      .addOption(dataDirOption())
      .argument(`<${kept.noun}>`, `the ${kept.noun}’s name or id`)
      .option('--json', 'print JSON', false)
      .action(async (wanted: string, options: { dataDir: string; json: boolean }) => {
        await withCore(options.dataDir, async (core) => {
          const items = await kept.list(core);
          const { answer, words } = await act(core, byIdOrName(items, wanted, `alert ${kept.noun}`, `guardian alert ${kept.noun} list`));
          await print(options.json, answer, () => void process.stdout.write(`${words}\n`));
        });
      });
  }
}

export function addAlertCommands(program: Command, dataDirOption: () => Option, withCore: WithCore): void {
  const alert = program.command('alert').description('Alert channels and rules (docs/alerts.md).');
  const channel = alert.command('channel').description('Where notifications go.');

  channel
    .command('list')
    .description('List the channels: type, where each sends, whether it is enabled. Secrets are vault ids, never values.')
    .addOption(dataDirOption())
    .option('--json', 'print JSON', false)
    .action(async (options: { dataDir: string; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const items = await channels(core);
        await print(options.json, items, () => printChannels(items));
      });
    });

  channel
    .command('add')
    .description('Add a channel, checked as the Alerts page checks it (the target allowed, the secret of the right kind and yours to point).')
    .addOption(dataDirOption())
    .requiredOption('--name <name>', 'its name')
    .requiredOption('--type <type>', CHANNEL_TYPES.join(', '))
    .option('--url <url>', 'the URL a webhook posts to (config.url)')
    .option('--config <json>', 'the type’s config as JSON (docs/alerts.md gives each type’s fields)', parseConfig)
    .option('--secret <name-or-id>', 'the vault secret it signs, logs in or sends with (by name or id)')
    .option('--disabled', 'add it disabled', false)
    .option('--json', 'print JSON', false)
    .action(
      async (options: {
        dataDir: string;
        name: string;
        type: string;
        url?: string;
        config?: Record<string, unknown>;
        secret?: string;
        disabled: boolean;
        json: boolean;
      }) => {
        await withCore(options.dataDir, async (core) => {
          const config = { ...options.config, ...(options.url === undefined ? {} : { url: options.url }) };
          let secretId: string | undefined;
          if (options.secret !== undefined) {
            const { items } = await core.router.invoke(LOCAL_OWNER, 'secrets.list', {}, CLI);
            secretId = byIdOrName(items, options.secret, 'vault secret', 'guardian secret list').id;
          }
          const created = await core.router.invoke(
            LOCAL_OWNER,
            'alerts.createChannel',
            { name: options.name, type: options.type, config, ...(secretId ? { secretId } : {}), enabled: !options.disabled },
            CLI,
          );
          await print(options.json, created, () => printChannels([created]));
        });
      },
    );

  channel
    .command('test')
    .description('Send a test notification to a channel now and say what the receiver answered. Exit code 0 only when it was delivered.')
    .addOption(dataDirOption())
    .argument('<channel>', 'the channel’s name or id')
    .option(
      '--vault-key-file <file>',
      'the vault key file that unlocks the channel’s secret; also $GUARDIAN_VAULT_KEY_FILE or $CREDENTIALS_DIRECTORY/vault-key',
    )
    .option('--json', 'print JSON', false)
    .action(async (wanted: string, options: { dataDir: string; vaultKeyFile?: string; json: boolean }) => {
      const keyFile = await vaultKeyFileOrRefuse(options.vaultKeyFile, 'to read the channel’s secret');
      await withCore(
        options.dataDir,
        async (core) => {
          await core.vault.unlock({ kind: 'keyfile' });
          const target = byIdOrName(await channels(core), wanted, 'alert channel', 'guardian alert channel list');
          const result = await core.router.invoke(LOCAL_OWNER, 'alerts.testChannel', { id: target.id }, CLI);
          await print(options.json, result, () =>
            printTable(
              ['CHANNEL', 'DELIVERED', 'ANSWER', 'LATENCY', 'ID'],
              [
                [
                  target.name,
                  result.delivered ? 'yes' : 'no',
                  result.error ?? (result.statusCode === null ? '-' : `HTTP ${result.statusCode}`),
                  `${result.latencyMs} ms`,
                  result.id,
                ],
              ],
            ),
          );
          if (!result.delivered) process.exitCode = 1;
        },
        { vaultKeyFile: configuredKeyFile(keyFile) },
      );
    });

  addLifecycle(channel, { noun: 'channel', list: channels, update: 'alerts.updateChannel', remove: 'alerts.deleteChannel' }, dataDirOption, withCore);

  const rule = alert.command('rule').description('Which incidents go to which channels.');

  rule
    .command('list')
    .description('List the rules: what each matches, where it sends, and who is told next while nobody acknowledges.')
    .addOption(dataDirOption())
    .option('--json', 'print JSON', false)
    .action(async (options: { dataDir: string; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const items = await rules(core);
        const names = new Map((await channels(core)).map((each) => [each.id, each.name]));
        const servers = await serverNames(core);
        await print(options.json, items, () => printRules(items, names, servers));
      });
    });

  rule
    .command('add')
    .description(
      'Add a rule: incidents it matches (nothing given: every incident) go to its channels; with --source security or jobs, security events and failed jobs of its severities too.',
    )
    .addOption(dataDirOption())
    .requiredOption('--name <name>', 'its name')
    .requiredOption('--channel <name-or-id>', 'a channel to send to; repeat for more', collect)
    .option('--source <source>', `what it hears of: ${SOURCE_CATEGORIES.join(', ')}; repeat for more (none: incidents only)`, source)
    .option('--on <selector>', 'tag:NAME, env:NAME or server:NAME; repeat to add more', collectOn)
    .option('--severity <severity>', 'degraded or down; repeat for both (none: both)', severity)
    .option('--check-type <type>', `incidents with a bad check of this type (${CHECK_TYPES.join(', ')}); repeat for more (none: any)`, checkType)
    .option(
      '--escalate <minutes:channels>',
      'while nobody acknowledges, tell these channels (by name or id, comma-separated) once the incident has been open MINUTES; repeat for later steps (at most 5)',
      escalateStep,
    )
    .option('--repeat <minutes>', 'tell it again every MINUTES (at least 5) until someone acknowledges', wholeMinutes)
    .option('--disabled', 'add it disabled', false)
    .option('--json', 'print JSON', false)
    .action(
      async (options: {
        dataDir: string;
        name: string;
        channel: string[];
        source?: string[];
        on?: On[];
        severity?: string[];
        checkType?: string[];
        escalate?: { afterMinutes: number; channels: string[] }[];
        repeat?: number;
        disabled: boolean;
        json: boolean;
      }) => {
        await withCore(options.dataDir, async (core) => {
          const known = await channels(core);
          const idOf = (wanted: string) => byIdOrName(known, wanted, 'alert channel', 'guardian alert channel list').id;
          const match = await matchOf(core, options);
          const input = {
            name: options.name,
            ...(options.source ? { sources: options.source } : {}),
            match,
            channelIds: options.channel.map(idOf),
            escalation: (options.escalate ?? []).map((step) => ({ afterMinutes: step.afterMinutes, channelIds: step.channels.map(idOf) })),
            repeatMinutes: options.repeat ?? null,
            enabled: !options.disabled,
          };
          const created = await core.router.invoke(LOCAL_OWNER, 'alerts.createRule', input, CLI);
          await print(options.json, created, async () => printRules([created], new Map(known.map((each) => [each.id, each.name])), await serverNames(core)));
        });
      },
    );

  addLifecycle(rule, { noun: 'rule', list: rules, update: 'alerts.updateRule', remove: 'alerts.deleteRule' }, dataDirOption, withCore);

  const silence = program.command('silence').description('Hold back the notifications of what a matcher picks, for a while, with a reason (docs/alerts.md).');

  silence
    .command('add')
    .description('Silence incidents by server, tag, environment, severity or check type until an end (at most 90 days); they still open, but notify no one.')
    .addOption(dataDirOption())
    .option('--on <selector>', 'tag:NAME, env:NAME or server:NAME; repeat to add more (tags and environments both given: both must match)', collectOn)
    .option('--severity <severity>', 'degraded or down; repeat for both', severity)
    .option('--check-type <type>', `incidents with a bad check of this type (${CHECK_TYPES.join(', ')}); repeat for more`, checkType)
    .option('--for <duration>', 'how long: 30m, 2h, 1d', parseDuration)
    .option('--until <time>', 'when it ends: 2026-12-24T18:00:00Z', parseTime)
    .option('--start <time>', 'when it begins (default now)', parseTime)
    .requiredOption('--reason <text>', 'why: kept with the silence and in the audit log')
    .option('--json', 'print JSON', false)
    .action(
      async (options: {
        dataDir: string;
        on?: On[];
        severity?: string[];
        checkType?: string[];
        for?: number;
        until?: number;
        start?: number;
        reason: string;
        json: boolean;
      }) => {
        await withCore(options.dataDir, async (core) => {
          const match = await matchOf(core, options);
          // The contract refuses both or neither of --for and --until with a field error, as it does for the page.
          const input = {
            match,
            reason: options.reason,
            ...(options.start === undefined ? {} : { startsAt: options.start }),
            ...(options.until === undefined ? {} : { endsAt: options.until }),
            ...(options.for === undefined ? {} : { durationMinutes: Math.max(1, Math.round(options.for / 60_000)) }),
          };
          const created = await core.router.invoke(LOCAL_OWNER, 'alerts.addSilence', input, CLI);
          await print(options.json, created, async () => printSilences([created], await serverNames(core)));
        });
      },
    );

  silence
    .command('list')
    .description('List silences, latest end first.')
    .addOption(dataDirOption())
    .option('--state <state>', SILENCE_STATES.join(', '))
    .option('--json', 'print JSON', false)
    .action(async (options: { dataDir: string; state?: string; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const { items } = await core.router.invoke(LOCAL_OWNER, 'alerts.silences', options.state === undefined ? {} : { state: options.state }, CLI);
        const servers = await serverNames(core);
        await print(options.json, items, () => printSilences(items, servers));
      });
    });

  silence
    .command('expire')
    .description('End a silence now; what it held back for incidents still open is sent.')
    .addOption(dataDirOption())
    .argument('<id>', 'the silence’s id (guardian silence list)')
    .option('--reason <text>', 'why it ends early')
    .option('--json', 'print JSON', false)
    .action(async (id: string, options: { dataDir: string; reason?: string; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const expired = await core.router.invoke(LOCAL_OWNER, 'alerts.expireSilence', { id, ...(options.reason ? { reason: options.reason } : {}) }, CLI);
        await print(options.json, expired, async () => printSilences([expired], await serverNames(core)));
      });
    });
}

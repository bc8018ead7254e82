import { copyFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { AppError } from '@shared/api/errors';
import { hasArtifact } from '@shared/api/jobs';
import { PERIOD_PRESETS, REPORT_FORMATS, REPORT_TYPES, type ReportFormat, type ReportResult, type ReportType } from '@shared/api/reports';
import { ServerId } from '@shared/api/servers';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '@core/app';
import { showJobProgress } from './cli-output';

type WithCore = <T>(dataDir: string, work: (core: Core) => Promise<T>) => Promise<T>;

const CLI = { origin: 'cli' };

/** An ISO 8601 date or time (`2026-10-01`, `2026-10-01T08:00Z`); a date alone is UTC midnight. */
export function parseIsoTime(value: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms))
    throw new InvalidArgumentError('an ISO 8601 date or time, e.g. 2026-10-01 or 2026-10-01T08:00:00Z');
  return ms;
}

function parsePercent(value: string): number {
  const percent = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || percent > 100) throw new InvalidArgumentError('a percentage from 0 to 100, e.g. 99.9');
  return percent;
}

function formatOf(out: string | undefined): ReportFormat {
  const ext = out ? extname(out).slice(1).toLowerCase() : '';
  return (REPORT_FORMATS as readonly string[]).includes(ext) ? (ext as ReportFormat) : 'pdf';
}

interface ExportOptions {
  dataDir: string;
  type: ReportType;
  period: keyof typeof PERIOD_PRESETS;
  from?: number;
  to?: number;
  tag?: string[];
  env?: string;
  server?: string[];
  format?: ReportFormat;
  sla?: number;
  out?: string;
  json: boolean;
}

function periodOf(options: ExportOptions): unknown {
  if (options.from === undefined && options.to === undefined) return { preset: options.period };
  if (options.from === undefined || options.to === undefined) {
    throw new AppError('VALIDATION_FAILED', 'Give both --from and --to, or neither (then --period applies).', {
      hint: 'e.g. --from 2026-10-01 --to 2026-11-01',
    });
  }
  return { from: options.from, to: options.to };
}

async function serverIdsOf(core: Core, refs: readonly string[] | undefined): Promise<string[] | undefined> {
  if (!refs?.length) return undefined;
  const ids: string[] = [];
  for (const ref of refs) {
    if (ServerId.safeParse(ref).success) {
      ids.push(ref);
      continue;
    }
    const found = await core.servers.findByName(ref);
    if (!found) throw new AppError('NOT_FOUND', `There is no server named "${ref}".`, { hint: 'See "guardian servers list".' });
    ids.push(found.id);
  }
  return ids;
}

/** `guardian report export`: makes a report on a data dir and writes its file where asked (docs/architecture.md §10). */
export function addReportCommands(program: Command, dataDirOption: () => Option, withCore: WithCore): void {
  const report = program.command('report').description('Reports to hand to others: uptime and SLA, inventory, audit summary.');

  report
    .command('export')
    .description('Make a report and write its file. Progress goes to standard error; standard output says where the file is.')
    .addOption(dataDirOption())
    .addOption(new Option('--type <type>', 'which report').choices(REPORT_TYPES).makeOptionMandatory())
    .addOption(new Option('--period <period>', 'the last 7, 30 or 90 days').choices(Object.keys(PERIOD_PRESETS)).default('30d'))
    .option('--from <time>', 'start of a custom period (ISO 8601; a date alone is UTC midnight)', parseIsoTime)
    .option('--to <time>', 'end of a custom period, exclusive (ISO 8601)', parseIsoTime)
    .option('--tag <tag...>', 'only servers with all these tags')
    .option('--env <env>', 'only servers in this environment')
    .option('--server <server...>', 'only these servers (names or ids)')
    .addOption(new Option('--format <format>', 'file format (default: from --out, else pdf)').choices(REPORT_FORMATS))
    .option('--sla <percent>', 'SLA target for the uptime report, in percent', parsePercent, 99.9)
    .option('--out <file>', 'where to write the file (default: the report’s own name, here)')
    .option('--json', 'print the job’s result as JSON', false)
    .action(async (options: ExportOptions) => {
      await withCore(options.dataDir, async (core) => {
        const format = options.format ?? formatOf(options.out);
        const started = await core.router.invoke(
          LOCAL_OWNER,
          'reports.generate',
          {
            type: options.type,
            period: periodOf(options),
            scope: { tags: options.tag, environment: options.env, serverIds: await serverIdsOf(core, options.server) },
            format,
            slaTarget: options.sla,
          },
          CLI,
        );
        const job = await showJobProgress(core, started, !options.json);
        if (job.status !== 'succeeded' || !hasArtifact(job.result)) {
          throw job.error
            ? AppError.fromShape(job.error)
            : new AppError('INTERNAL', 'The report did not finish.', { hint: 'Run it again; if it keeps failing, see the log.' });
        }
        const result = job.result as ReportResult;
        const { path } = core.artifacts.file(job);
        const target = resolve(options.out ?? result.artifact.fileName);
        copyFileSync(path, target);
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ ...result, savedTo: target }, null, 2)}\n`);
          return;
        }
        const what = options.type === 'audit-summary' ? 'audit summary' : `${options.type} report, ${result.servers} server${result.servers === 1 ? '' : 's'}`;
        process.stdout.write(`wrote ${target} (${what}, ${format.toUpperCase()}, ${result.artifact.bytes} bytes)\n`);
      });
    });
}

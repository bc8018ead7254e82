import { copyFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { AUDIT_EXPORT_FORMATS, type VerifyReport } from '@shared/api/audit';
import { AppError } from '@shared/api/errors';
import type { Job } from '@shared/api/jobs';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '@core/app';
import { verifyJsonLines } from '@core/audit/verify-file';
import { printTable, showJobProgress } from './cli-output';

type WithCore = <T>(dataDir: string, work: (core: Core) => Promise<T>) => Promise<T>;

const CLI = { origin: 'cli' };

/** Exit code when verification finds the chain broken (1 and 2 are "failed" and "usage"). */
export const AUDIT_BROKEN_EXIT = 5;

function finished(job: Job): Job {
  if (job.status !== 'succeeded')
    throw job.error ? AppError.fromShape(job.error) : new AppError('INTERNAL', `The job ended ${job.status}.`, { hint: 'See the log.' });
  return job;
}

const filterOptions = (command: Command) =>
  command
    .option('--from <time>', 'from this time (ISO 8601, e.g. 2026-11-01 or 2026-11-01T08:00:00Z)')
    .option('--to <time>', 'until this time (exclusive)')
    .option('--actor <actor>', 'user:<id>, apiKey:<id>, or a name')
    .option('--action <method>', 'a contract method, e.g. servers.delete')
    .option('--target <target>', 'e.g. server:<id>')
    .option('--outcome <outcome>', 'ok, error (any failure) or an error code')
    .option('--q <words>', 'words in the details');

function toFilter(options: Record<string, string | undefined>) {
  const time = (value: string | undefined, flag: string) => {
    if (value === undefined) return undefined;
    const at = Date.parse(value);
    if (Number.isNaN(at))
      throw new AppError('VALIDATION_FAILED', `${flag} "${value}" is not a date.`, { hint: 'Use ISO 8601, e.g. 2026-11-01 or 2026-11-01T08:00:00Z.' });
    return at;
  };
  const filter: Record<string, unknown> = { from: time(options.from, '--from'), to: time(options.to, '--to') };
  for (const key of ['actor', 'action', 'target', 'outcome', 'q'] as const) filter[key] = options[key];
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined));
}

export function addAuditCommands(program: Command, dataDirOption: () => Option, withCore: WithCore): void {
  const audit = program.command('audit').description('The tamper-evident audit log: list, verify, export.');

  filterOptions(audit.command('list').description('Audit events, newest first.').addOption(dataDirOption()))
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print JSON Lines', false)
    .action(async (options: Record<string, string | undefined> & { dataDir: string; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const page = await core.router.invoke(LOCAL_OWNER, 'audit.list', { ...toFilter(options), limit: Number(options.limit) }, CLI);
        if (options.json) {
          for (const event of page.items) process.stdout.write(`${JSON.stringify(event)}\n`);
          return;
        }
        printTable(
          ['SEQ', 'TIME', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME'],
          page.items.map((e) => [String(e.seq), new Date(e.at).toISOString(), e.actorName ?? e.actor, e.action, e.target ?? '', e.outcome]),
        );
      });
    });

  audit
    .command('verify')
    .description('Walk the hash chain and report "N events, chain intact, head hash …" or the first broken event (exit 5).')
    .addOption(dataDirOption())
    .option('--expect-head <hash>', 'a head hash kept earlier: check it is still in the chain')
    .option('--head-file <file>', 'write the head hash to this file (keep it somewhere else)')
    .option('--file <export.jsonl>', 'verify a JSON Lines export on its own instead of the database')
    .option('--json', 'print the report as JSON', false)
    .action(async (options: { dataDir: string; expectHead?: string; headFile?: string; file?: string; json: boolean }) => {
      if (options.file) {
        const verdict = await verifyJsonLines(options.file);
        if (options.json) process.stdout.write(`${JSON.stringify(verdict, null, 2)}\n`);
        else if (verdict.broken) process.stdout.write(`line ${verdict.broken.line}: ${verdict.broken.message}\n`);
        else {
          const selection = verdict.gaps ? `, ${verdict.gaps} gaps (a filtered export: each event verified on its own)` : ', one unbroken chain';
          process.stdout.write(`${verdict.events} events verify${selection}; first previous hash ${verdict.anchor}, head hash ${verdict.headHash}\n`);
        }
        if (verdict.broken) process.exitCode = AUDIT_BROKEN_EXIT;
        return;
      }
      await withCore(options.dataDir, async (core) => {
        const started = await core.router.invoke(LOCAL_OWNER, 'audit.verify', options.expectHead ? { expectHead: options.expectHead } : {}, CLI);
        const report = finished(await showJobProgress(core, started, !options.json)).result as VerifyReport;
        if (options.headFile && !report.broken) writeFileSync(options.headFile, `${report.headHash}\n`);
        process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${report.summary}\n`);
        if (!report.intact) process.exitCode = AUDIT_BROKEN_EXIT;
      });
    });

  filterOptions(
    audit
      .command('export')
      .description('Export events (oldest first, with their hashes) as CSV or JSON Lines.')
      .addOption(dataDirOption())
      .addOption(new Option('--format <format>', 'file format').choices(AUDIT_EXPORT_FORMATS).default('jsonl'))
      .requiredOption('--out <file>', 'where to write it'),
  ).action(async (options: Record<string, string | undefined> & { dataDir: string; format: 'csv' | 'jsonl'; out: string }) => {
    await withCore(options.dataDir, async (core) => {
      const started = await core.router.invoke(LOCAL_OWNER, 'audit.export', { ...toFilter(options), format: options.format }, CLI);
      const job = finished(await showJobProgress(core, started, true));
      const { path } = core.artifacts.file(job);
      copyFileSync(path, options.out);
      process.stderr.write(`wrote ${(job.result as { events: number }).events} events to ${options.out}\n`);
    });
  });
}

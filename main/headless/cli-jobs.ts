import { SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command, type Option } from 'commander';
import { AppError } from '@shared/api/errors';
import { isFinished, type Job } from '@shared/api/jobs';
import type { Schedule } from '@shared/api/schedules';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '@core/app';
import { printTable } from './cli-output';

type WithCore = <T>(dataDir: string, work: (core: Core) => Promise<T>) => Promise<T>;

const CLI = { origin: 'cli' };

const json = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** UTC, to the minute: `2026-03-29 01:00Z`. */
function when(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)}Z`;
}

function lastOutcome(schedule: Schedule): string {
  const run = schedule.lastRun;
  if (!run) return '-';
  return run.errorCode ? `${run.outcome} (${run.errorCode})` : run.outcome;
}

function parseParams(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`not JSON (${error instanceof Error ? error.message : String(error)}); quote it: --params '{"days": 30}'`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError('a JSON object such as \'{"days": 30}\'');
  return parsed as Record<string, unknown>;
}

async function findSchedule(core: Core, name: string): Promise<Schedule> {
  const { items } = await core.router.invoke(LOCAL_OWNER, 'schedules.list', {}, CLI);
  const found = items.find((schedule) => schedule.name === name);
  if (!found) throw new AppError('NOT_FOUND', `There is no scheduled job named "${name}".`, { hint: 'See "guardian job list".' });
  return found;
}

/**
 * Follows a job to its end on standard error (standard output stays data): a progress bar on a
 * terminal, otherwise a "NN% done" line at each tenth, so logs and CI stay readable.
 */
async function followJob(core: Core, job: Job): Promise<Job> {
  const bar = process.stderr.isTTY ? new SingleBar({ stream: process.stderr, format: `${job.title} [{bar}] {percentage}%`, hideCursor: true }) : null;
  let printed = -1;
  const line = (percent: number) => {
    if (percent <= printed) return;
    printed = percent;
    process.stderr.write(`${percent}% done\n`);
  };
  const unsubscribe = core.events.subscribe((name, payload) => {
    if (name !== 'job.progress') return;
    const update = payload as Job;
    if (update.id !== job.id || !update.total) return;
    if (bar) {
      if (!bar.isActive) bar.start(update.total, update.done);
      bar.setTotal(update.total);
      bar.update(update.done);
    } else line(Math.floor((update.done / update.total) * 10) * 10);
  });
  try {
    const finished = await core.jobs.waitFor(job.id);
    if (finished.status === 'succeeded') {
      if (bar?.isActive) bar.update(bar.getTotal());
      else if (!bar) line(100);
    }
    return finished;
  } finally {
    unsubscribe();
    bar?.stop();
  }
}

/**
 * `guardian job …`: scheduled jobs on a data dir. These commands store, list and run one now;
 * schedules run by themselves while `guardian serve` or the desktop app runs.
 */
export function addJobCommands(program: Command, dataDirOption: () => Option, withCore: WithCore): void {
  const job = program.command('job').description('Scheduled jobs: tasks (retention, audit verification, reports) run on a cron schedule.');

  job
    .command('list')
    .description('List scheduled jobs with their next run and last outcome (times in UTC).')
    .addOption(dataDirOption())
    .option('--json', 'print JSON', false)
    .action(async (options: { dataDir: string; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const { items } = await core.router.invoke(LOCAL_OWNER, 'schedules.list', {}, CLI);
        if (options.json) {
          json(items);
          return;
        }
        printTable(
          ['NAME', 'TASK', 'CRON', 'TIME ZONE', 'ENABLED', 'NEXT RUN', 'LAST RUN', 'LAST OUTCOME'],
          items.map((s) => [s.name, s.task, s.cron, s.timezone, s.enabled ? 'yes' : 'no', when(s.nextRunAt), when(s.lastRun?.startedAt), lastOutcome(s)]),
        );
      });
    });

  job
    .command('run')
    .description('Run a scheduled job now and wait for it. Exit code 0 when it succeeds, 1 when it fails.')
    .addOption(dataDirOption())
    .argument('<name>', 'the scheduled job (see "guardian job list")')
    .option('--json', 'print the finished job as JSON', false)
    .action(async (name: string, options: { dataDir: string; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const schedule = await findSchedule(core, name);
        const started = await core.router.invoke(LOCAL_OWNER, 'schedules.run', { id: schedule.id }, CLI);
        const finished = await followJob(core, started);
        if (!isFinished(finished) || finished.status !== 'succeeded') {
          throw finished.error
            ? AppError.fromShape(finished.error)
            : new AppError('INTERNAL', `"${name}" did not finish.`, { hint: `See job ${finished.id}.` });
        }
        if (options.json) json(finished);
        else process.stdout.write(`${name}: succeeded (job ${finished.id})\n`);
      });
    });

  job
    .command('add')
    .description('Schedule a task. The time zone defaults to this machine’s; see "guardian job tasks" for the tasks.')
    .addOption(dataDirOption())
    .argument('<name>', 'a unique name')
    .requiredOption('--task <kind>', 'what runs, e.g. health.retention')
    .requiredOption('--cron <expression>', 'five fields: minute hour day month weekday, e.g. "30 2 * * *", or @daily')
    .option('--timezone <zone>', 'IANA time zone the expression is read in, e.g. Europe/Berlin')
    .option('--params <json>', 'the task’s params as a JSON object', parseParams)
    .option('--disabled', 'add it without running it on schedule', false)
    .option('--no-catch-up', 'skip runs missed while Guardian was stopped (default: run the last one once at start)')
    .option('--json', 'print the created schedule as JSON', false)
    .action(
      async (
        name: string,
        options: {
          dataDir: string;
          task: string;
          cron: string;
          timezone?: string;
          params?: Record<string, unknown>;
          disabled: boolean;
          catchUp: boolean;
          json: boolean;
        },
      ) => {
        await withCore(options.dataDir, async (core) => {
          const created = await core.router.invoke(
            LOCAL_OWNER,
            'schedules.create',
            {
              name,
              task: options.task,
              cron: options.cron,
              timezone: options.timezone,
              params: options.params,
              enabled: !options.disabled,
              catchUp: options.catchUp,
            },
            CLI,
          );
          if (options.json) json(created);
          else process.stdout.write(`added ${created.name}: ${created.task} at "${created.cron}" (${created.timezone}), next run ${when(created.nextRunAt)}\n`);
        });
      },
    );

  job
    .command('remove')
    .description('Remove a scheduled job and its history.')
    .addOption(dataDirOption())
    .argument('<name>', 'the scheduled job')
    .action(async (name: string, options: { dataDir: string }) => {
      await withCore(options.dataDir, async (core) => {
        const schedule = await findSchedule(core, name);
        await core.router.invoke(LOCAL_OWNER, 'schedules.delete', { id: schedule.id }, CLI);
        process.stdout.write(`removed ${schedule.name}\n`);
      });
    });

  job
    .command('tasks')
    .description('The tasks a scheduled job can run.')
    .addOption(dataDirOption())
    .option('--json', 'print JSON (with each task’s params as JSON Schema)', false)
    .action(async (options: { dataDir: string; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const { items } = await core.router.invoke(LOCAL_OWNER, 'schedules.tasks', {}, CLI);
        if (options.json) json(items);
        else
          printTable(
            ['TASK', 'WHAT IT DOES'],
            items.map((task) => [task.kind, task.summary]),
          );
      });
    });

  job
    .command('folders')
    .description('The folders scheduled reports may be written to: the data folder’s reports/ and those an owner allows.')
    .addOption(dataDirOption())
    .option('--set <folder...>', 'allow exactly these folders (absolute, local; each with everything below it)')
    .option('--clear', 'allow only the data folder’s reports/ again', false)
    .option('--json', 'print JSON', false)
    .action(async (options: { dataDir: string; set?: string[]; clear: boolean; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const change = options.clear ? [] : options.set;
        const folders = change
          ? await core.router.invoke(LOCAL_OWNER, 'schedules.setOutputFolders', { folders: change }, CLI)
          : await core.router.invoke(LOCAL_OWNER, 'schedules.outputFolders', {}, CLI);
        if (options.json) json(folders);
        else process.stdout.write(`${[`${folders.default} (default)`, ...folders.folders].join('\n')}\n`);
      });
    });
}

import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Job } from '@shared/api/jobs';
import type { Schedule } from '@shared/api/schedules';
import { dataPaths } from '@core/paths';
import { cleanUp, CLI_TEST_TIMEOUT_MS, runCli, tempDir } from './testing/guardian';
import { onDataDir } from './testing/in-process';

afterAll(cleanUp);

async function schedulesJson(dataDir: string): Promise<Schedule[]> {
  const result = await runCli(['job', 'list', '--json', '--data-dir', dataDir]);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(result.stdout) as Schedule[];
}

/** The scheduled jobs saved in the data dir, read in this process (what `job list --json` prints). */
const savedSchedules = (dataDir: string): Promise<Schedule[]> => onDataDir(dataDir, async (call) => (await call('schedules.list', {})).items);

/** A schedule as `guardian job add NAME --task T --cron C --timezone UTC` adds it, made in this process for the tests of other commands. */
const schedule = (dataDir: string, name: string, cron: string) =>
  onDataDir(dataDir, (call) => call('schedules.create', { name, task: 'health.retention', cron, timezone: 'UTC', enabled: true, catchUp: true }));

async function add(dataDir: string, name: string, ...args: string[]) {
  const result = await runCli(['job', 'add', name, '--data-dir', dataDir, ...args]);
  expect(result, result.stderr).toMatchObject({ code: 0, stderr: '' });
  return result;
}

// Each command is a fresh Node process started from source, so the tests run side by side, each
// on its own data dir.
describe.concurrent('guardian job', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('adds scheduled jobs that list shows, as a table and as JSON', async () => {
    const dataDir = tempDir();
    const added = await add(dataDir, 'nightly-retention', '--task', 'health.retention', '--cron', '30 2 * * *', '--timezone', 'Europe/Berlin');
    expect(added.stdout).toMatch(/^added nightly-retention: health\.retention at "30 2 \* \* \*" \(Europe\/Berlin\), next run \d{4}-\d\d-\d\d 0[01]:30Z\n$/);
    // Without --timezone: the zone of the machine (here, of the process).
    await Promise.all([
      add(dataDir, 'weekly-retention', '--task', 'health.retention', '--cron', '0 4 * * 0', '--timezone', 'UTC', '--disabled', '--no-catch-up'),
      runCli(['job', 'add', 'local', '--task', 'health.retention', '--cron', '@daily', '--data-dir', dataDir], { env: { TZ: 'America/New_York' } }),
    ]);

    const [schedules, table] = await Promise.all([schedulesJson(dataDir), runCli(['job', 'list', '--data-dir', dataDir])]);
    expect(schedules.map(({ name, task, cron, timezone, enabled, catchUp, lastRun }) => ({ name, task, cron, timezone, enabled, catchUp, lastRun }))).toEqual([
      { name: 'local', task: 'health.retention', cron: '@daily', timezone: 'America/New_York', enabled: true, catchUp: true, lastRun: null },
      { name: 'nightly-retention', task: 'health.retention', cron: '30 2 * * *', timezone: 'Europe/Berlin', enabled: true, catchUp: true, lastRun: null },
      { name: 'weekly-retention', task: 'health.retention', cron: '0 4 * * 0', timezone: 'UTC', enabled: false, catchUp: false, lastRun: null },
    ]);
    const byName = new Map(schedules.map((s) => [s.name, s]));
    expect(byName.get('nightly-retention')?.nextRunAt).toBeGreaterThan(Date.now());
    expect(byName.get('weekly-retention')?.nextRunAt).toBeNull();

    expect(table).toMatchObject({ code: 0, stderr: '' });
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+TASK\s+CRON\s+TIME ZONE\s+ENABLED\s+NEXT RUN\s+LAST RUN\s+LAST OUTCOME$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^local\s+health\.retention\s+@daily\s+America\/New_York\s+yes\s+\d{4}-\d\d-\d\d 0[45]:00Z\s+-\s+-$/),
      expect.stringMatching(/^nightly-retention\s+health\.retention\s+30 2 \* \* \*\s+Europe\/Berlin\s+yes\s+\d{4}-\d\d-\d\d 0[01]:30Z\s+-\s+-$/),
      expect.stringMatching(/^weekly-retention\s+health\.retention\s+0 4 \* \* 0\s+UTC\s+no\s+-\s+-\s+-$/),
    ]);

    expect(await runCli(['job', 'remove', 'local', '--data-dir', dataDir])).toMatchObject({ code: 0, stdout: 'removed local\n' });
    expect((await savedSchedules(dataDir)).map((s) => s.name)).toEqual(['nightly-retention', 'weekly-retention']);
  });

  it('runs a scheduled job now: progress on standard error, exit 0, and the run in the list', async () => {
    const dataDir = tempDir();
    await schedule(dataDir, 'retention', '15 4 * * *');

    const run = await runCli(['job', 'run', 'retention', '--data-dir', dataDir]);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/^retention: succeeded \(job [0-9a-f-]{36}\)\n$/);
    // Not a terminal: plain lines, no bar.
    expect(run.stderr).toMatch(/^(\d+% done\n)*100% done\n$/);

    const asJson = await runCli(['job', 'run', 'retention', '--json', '--data-dir', dataDir]);
    expect(asJson).toMatchObject({ code: 0 });
    const job = JSON.parse(asJson.stdout) as Job;
    expect(job).toMatchObject({ kind: 'health.retention', status: 'succeeded' });

    const [listed] = await schedulesJson(dataDir);
    expect(listed?.lastRun).toMatchObject({ jobId: job.id, outcome: 'succeeded', errorCode: null, trigger: 'manual', caughtUp: false });
  });

  it('exits 1 with the error and a hint when the job cannot run, and records the failed run', async () => {
    const dataDir = tempDir();
    await schedule(dataDir, 'legacy', '0 1 * * *');
    // A schedule of a task this Guardian no longer has (its domain was removed in an upgrade).
    const sqlite = new Database(dataPaths(dataDir).database);
    sqlite.prepare("UPDATE schedules SET task = 'legacy.cleanup' WHERE name = 'legacy'").run();
    sqlite.close();

    const [failed, missing] = await Promise.all([
      runCli(['job', 'run', 'legacy', '--data-dir', dataDir]),
      runCli(['job', 'run', 'nope', '--data-dir', dataDir]),
    ]);
    expect(failed).toMatchObject({ code: 1, stdout: '' });
    expect(failed.stderr).toMatch(
      /^error: There is no task "legacy\.cleanup"\.\nhint: Tasks are: (.+, )?health\.retention(, .+)?\. A schedule of a task that no longer exists can be changed to another task or removed\.\n$/,
    );
    expect(missing).toMatchObject({ code: 1, stdout: '', stderr: 'error: There is no scheduled job named "nope".\nhint: See "guardian job list".\n' });

    const [listed] = await schedulesJson(dataDir);
    expect(listed?.lastRun).toMatchObject({ jobId: null, outcome: 'failed', errorCode: 'NOT_FOUND', trigger: 'manual' });
  });

  it('refuses a bad schedule: exit 1 naming the fields, exit 2 for a malformed command line', async () => {
    const dataDir = tempDir();
    const [badCron, badZone, badJson, noCron] = await Promise.all([
      runCli(['job', 'add', 'x', '--task', 'health.retention', '--cron', '61 2 * * *', '--data-dir', dataDir]),
      runCli(['job', 'add', 'x', '--task', 'health.retention', '--cron', '0 2 * * *', '--timezone', 'Mars/Olympus', '--data-dir', dataDir]),
      runCli(['job', 'add', 'x', '--task', 'health.retention', '--cron', '0 2 * * *', '--params', '{days: 3', '--data-dir', dataDir]),
      runCli(['job', 'add', 'x', '--task', 'health.retention', '--data-dir', dataDir]),
    ]);
    expect(badCron).toMatchObject({ code: 1, stdout: '' });
    expect(badCron.stderr).toMatch(/^error: The schedule is not valid: cron: Not a cron expression: Invalid value for minute: 61\nhint: \S/);
    expect(badZone).toMatchObject({ code: 1, stdout: '' });
    expect(badZone.stderr).toMatch(/^error: The schedule is not valid: timezone: Unknown time zone "Mars\/Olympus"/);
    expect(badJson).toMatchObject({ code: 2, stdout: '' });
    expect(badJson.stderr).toMatch(/^error: option '--params <json>' argument '\{days: 3' is invalid\. not JSON/m);
    expect(noCron).toMatchObject({ code: 2, stdout: '' });
    expect(noCron.stderr).toMatch(/required option '--cron <expression>' not specified/);
    expect(await savedSchedules(dataDir)).toEqual([]);
  });

  it('sets the folders scheduled reports may go to; a report elsewhere, or to a network path, is refused', async () => {
    const dataDir = tempDir();
    const allowed = tempDir('guardian-allowed-');
    const report = (folder: string) => [
      '--task',
      'report.generate',
      '--cron',
      '0 6 1 * *',
      '--params',
      JSON.stringify({ type: 'inventory', period: { preset: '30d' }, format: 'csv', folder }),
    ];

    const unc = await runCli(['job', 'folders', '--set', '\\\\fileserver\\reports', '--data-dir', dataDir]);
    expect(unc).toMatchObject({ code: 1, stdout: '' });
    expect(unc.stderr).toMatch(/^error: The list of output folders is not valid: .*network paths/);
    const set = await runCli(['job', 'folders', '--set', allowed, '--json', '--data-dir', dataDir]);
    expect(set, set.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(set.stdout)).toEqual({ default: dataPaths(dataDir).reports, folders: [allowed] });

    await add(dataDir, 'monthly', ...report(`${allowed}/monthly`));
    const elsewhere = await runCli(['job', 'add', 'elsewhere', '--data-dir', dataDir, ...report(tempDir('guardian-elsewhere-'))]);
    expect(elsewhere).toMatchObject({ code: 1, stdout: '' });
    expect(elsewhere.stderr).toMatch(/^error: Scheduled reports may not be written to .*\nhint: Pick a folder inside one the owner allows/);
    expect((await savedSchedules(dataDir)).map((s) => s.name)).toEqual(['monthly']);
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { PNG } from 'pngjs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '@shared/api/jobs';
import { AuditSummaryReport, InventoryReport, ReportInput, ReportResult, UptimeReport } from '@shared/api/reports';
import { LOCAL_OWNER, type Principal, type Role } from '@shared/permissions';
import { fromCsvCell } from '../csv';
import { failure, success, useTempCore } from '../testing/harness';
import type { ReportTask } from './generate';
import { runReportInWorker } from './run-in-worker';
import { DAY_MS, HOUR_MS, seedDay, seedIncident, seedRollups, seedServer, type SeededServer } from './testing/seed';
import { rowsOf } from '../testing/rows';

/**
 * Reports end to end through the router on a real database (SQLite or PostgreSQL): each format's file read back the
 * way its reader would (a CSV parser, a schema, a browser's eyes on the HTML, poppler on the PDF),
 * who may make which report, and the job's progress.
 */

const T = Date.UTC(2026, 9, 1);
const PERIOD = { from: T, to: T + 7 * DAY_MS };
/** Each reading moves the clock on, so job progress (throttled by time) is saved as it goes. */
let now = T + 8 * DAY_MS;
const clock = { now: () => (now += 50) };

const env = useTempCore({ prefix: 'guardian-reports-', clock });
const scratch = mkdtempSync(join(tmpdir(), 'guardian-report-files-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const HOSTILE = '<script>alert(1)</script>';
const FORMULA = '=HYPERLINK("http://evil.example","click")';
const UNICODE = 'café-Ω-сервер';
let servers: SeededServer[];

beforeEach(async () => {
  now = T + 8 * DAY_MS;
  const { core } = env;
  servers = [
    await seedServer(core, 'web-1', { environment: 'production', tags: ['web'] }),
    await seedServer(core, HOSTILE, { environment: 'staging' }),
    await seedServer(core, FORMULA, { environment: 'production' }),
    await seedServer(core, UNICODE, { environment: 'production', tags: ['web'] }),
  ];
  for (const [index, server] of servers.entries()) {
    for (let day = 0; day < 7; day += 1)
      await seedDay(core, server.seq, T + day * DAY_MS, { count: 60, failures: day === 3 && index % 2 === 0 ? 6 : 0, latencyMs: 20 + index });
  }
  await seedIncident(core, servers[0]?.id ?? '', T + 3 * DAY_MS, T + 3 * DAY_MS + HOUR_MS);
});

const principal = (role: Role): Principal => ({ kind: 'user', id: `${role}-1`, name: `the ${role}`, role });

async function generate(input: ReportInput, who: Principal = LOCAL_OWNER): Promise<{ job: Job; result: ReportResult; file: Buffer; path: string }> {
  const started = success<Job>(await env.core.router.call(who, 'reports.generate', input, { origin: 'test' }));
  const job = await env.core.jobs.waitFor(started.id);
  expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
  const result = ReportResult.parse(job.result);
  const { path } = env.core.artifacts.file(job);
  return { job, result, file: readFileSync(path), path };
}

const uptime = (format: ReportInput['format'], extra: Partial<ReportInput> = {}): ReportInput => ({ type: 'uptime', period: PERIOD, format, ...extra });

describe('CSV', () => {
  it('parses back to the same rows as the JSON report, formula-looking cells neutralised', async () => {
    const json = UptimeReport.parse(JSON.parse((await generate(uptime('json'))).file.toString('utf8')));
    const { file, result } = await generate(uptime('csv'));
    expect(result.artifact).toMatchObject({ fileName: 'uptime-2026-10-01_2026-10-07.csv', mimeType: 'text/csv; charset=utf-8' });
    const rows = parse(file, { columns: true }) as Record<string, string>[];
    expect(rows.find((row) => row.server?.startsWith("'="))?.server).toBe(`'${FORMULA}`);
    expect(rows.every((row) => !/^[=+\-@]/.test(row.server ?? ''))).toBe(true);
    expect(
      rows.map((row) => ({
        name: fromCsvCell(row.server ?? ''),
        results: Number(row.results),
        failures: Number(row.failures),
        uptimePercent: Number(row.uptime_percent),
        incidents: Number(row.incidents),
        downtimeMs: Number(row.downtime_seconds) * 1000,
        sla: row.sla,
      })),
    ).toEqual(
      json.servers.map(({ name, results, failures, uptimePercent, incidents, downtimeMs, sla }) => ({
        name,
        results,
        failures,
        uptimePercent,
        incidents,
        downtimeMs,
        sla,
      })),
    );
  });

  it('writes the inventory and the audit summary as flat tables too', async () => {
    const inventory = parse((await generate({ type: 'inventory', period: { preset: '7d' }, format: 'csv' })).file, { columns: true }) as Record<
      string,
      string
    >[];
    expect(inventory.map((row) => fromCsvCell(row.name ?? '')).sort()).toEqual(servers.map((server) => server.name).sort());
    expect(inventory[0]).toMatchObject({ checks: '1', status: 'paused' });
    const audit = parse((await generate({ type: 'audit-summary', period: { from: now - DAY_MS, to: now + DAY_MS }, format: 'csv' })).file, {
      columns: true,
    }) as Record<string, string>[];
    expect(audit.find((row) => row.section === 'action' && row.key === 'servers.create')?.count).toBe('4');
  });
});

describe('JSON', () => {
  it('matches the uptime report schema, with the numbers of the stored history', async () => {
    const { file, result } = await generate(uptime('json', { slaTarget: 98.5 }));
    const report = UptimeReport.parse(JSON.parse(file.toString('utf8')));
    expect(result).toMatchObject({ kind: 'report.uptime', type: 'uptime', format: 'json', servers: 4, period: PERIOD });
    expect(report.servers.map((row) => row.name)).toEqual(
      [HOSTILE, FORMULA, UNICODE, 'web-1'].sort(new Intl.Collator('en', { sensitivity: 'base', numeric: true }).compare),
    );
    const web = report.servers.find((row) => row.name === 'web-1');
    // 60 results an hour for 7 days, 6 an hour failing on one day: 144 of 10,080.
    expect(web).toMatchObject({ results: 10_080, failures: 144, incidents: 1, downtimeMs: HOUR_MS, sla: 'met' });
    expect(web?.uptimePercent).toBeCloseTo(((10_080 - 144) * 100) / 10_080, 10);
    expect(report.fleet).toMatchObject({ servers: 4, results: 40_320, failures: 288, meetingSla: 4 });
  });

  it('narrows to the scope: tags, environment, chosen servers', async () => {
    const tagged = UptimeReport.parse(JSON.parse((await generate(uptime('json', { scope: { tags: ['web'] } }))).file.toString('utf8')));
    expect(tagged.servers.map((row) => row.name).sort()).toEqual([UNICODE, 'web-1'].sort());
    const chosen = InventoryReport.parse(
      JSON.parse(
        (
          await generate({
            type: 'inventory',
            period: PERIOD,
            format: 'json',
            scope: { environment: 'production', serverIds: [servers[0]?.id ?? '', servers[1]?.id ?? ''] },
          })
        ).file.toString('utf8'),
      ),
    );
    expect(chosen.servers.map((row) => row.name)).toEqual(['web-1']);
    const none = await generate({ type: 'uptime', period: PERIOD, format: 'pdf', scope: { tags: ['nowhere'] } });
    expect(none.result.servers).toBe(0);
    expect(execFileSync('/usr/bin/pdftotext', [none.path, '-'], { encoding: 'utf8' })).toContain('No server is in the scope of this report.');
  });

  it('matches the audit summary schema: counts by action, actor and outcome, failures listed', async () => {
    await env.core.router.call(principal('viewer'), 'servers.create', { name: 'sneaky', host: 'sneaky.example.net' }, { origin: 'test' });
    const { file } = await generate({ type: 'audit-summary', period: { from: now - DAY_MS, to: now + DAY_MS }, format: 'json' }, principal('auditor'));
    const report = AuditSummaryReport.parse(JSON.parse(file.toString('utf8')));
    expect(report.byAction).toContainEqual({ key: 'servers.create', name: null, count: 5 });
    expect(report.byOutcome).toContainEqual({ key: 'PERMISSION_DENIED', name: null, count: 1 });
    expect(report.byActor).toContainEqual({ key: 'user:viewer-1', name: 'the viewer', count: 1 });
    expect(report.failures).toEqual([expect.objectContaining({ action: 'servers.create', actor: 'user:viewer-1', outcome: 'PERMISSION_DENIED' })]);
    expect(report.failuresTotal).toBe(1);
  });
});

describe('HTML', () => {
  it('escapes every value: a server named like a script stays text', async () => {
    const html = (await generate(uptime('html'))).file.toString('utf8');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('Content-Security-Policy" content="default-src \'none\'');
    expect(html).not.toMatch(/(src|href)=["']https?:/i);
    for (const server of servers.filter((s) => s.name !== HOSTILE)) expect(html).toContain(server.name.replaceAll('"', '&quot;'));
    expect(html).toContain('<svg');
  });
});

describe('PDF', () => {
  const pdftoppm = '/usr/bin/pdftoppm';
  /** A long name wraps in its table cell: compare without the line breaks. */
  const squeezed = (text: string) => text.replace(/\s+/g, '');

  /** How many pixels of a rendered page are not (near) white, and how many are the chart's green. */
  function inked(pngFile: string): { dark: number; green: number } {
    const png = PNG.sync.read(readFileSync(pngFile));
    let dark = 0;
    let green = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b] = [png.data[i] ?? 255, png.data[i + 1] ?? 255, png.data[i + 2] ?? 255];
      if (r < 200 || g < 200 || b < 200) dark += 1;
      if (g > r + 40 && g > b + 20) green += 1;
    }
    return { dark, green };
  }

  it('has a title page, the table, a chart per server and real text with every server’s name', async () => {
    const { file, path, result } = await generate(uptime('pdf'));
    expect(result.artifact.mimeType).toBe('application/pdf');
    expect(file.subarray(0, 5).toString()).toBe('%PDF-');
    const text = execFileSync('/usr/bin/pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
    for (const server of servers) expect(squeezed(text)).toContain(squeezed(server.name));
    expect(text).toContain('Uptime and SLA report');
    expect(text).toContain('the local owner'.slice(4));
    expect(text).toMatch(/Page 1\b/);
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('/usr/bin/pdfinfo', [path], { encoding: 'utf8' }))?.[1]);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(text).toContain(`Page ${pages}`);

    const prefix = join(scratch, 'page');
    execFileSync(pdftoppm, ['-png', '-r', '40', '-f', '1', '-l', '1', '-singlefile', path, `${prefix}-1`]);
    execFileSync(pdftoppm, ['-png', '-r', '40', '-f', String(pages), '-l', String(pages), '-singlefile', path, `${prefix}-charts`]);
    const title = inked(`${prefix}-1.png`);
    const charts = inked(`${prefix}-charts.png`);
    expect(title.dark).toBeGreaterThan(500);
    expect(charts.dark).toBeGreaterThan(500);
    expect(charts.green).toBeGreaterThan(100);
  });

  it('draws the inventory and the audit summary as tables', async () => {
    const inventory = await generate({ type: 'inventory', period: PERIOD, format: 'pdf' });
    const text = execFileSync('/usr/bin/pdftotext', [inventory.path, '-'], { encoding: 'utf8' });
    for (const server of servers) expect(squeezed(text)).toContain(squeezed(server.name));
    const audit = await generate({ type: 'audit-summary', period: { from: now - DAY_MS, to: now + DAY_MS }, format: 'pdf' });
    expect(execFileSync('/usr/bin/pdftotext', [audit.path, '-'], { encoding: 'utf8' })).toContain('servers.create');
  });
});

describe('who may make which report', () => {
  it('refuses the audit summary to a viewer (recorded as refused) and gives it to an auditor', async () => {
    const input = { type: 'audit-summary', period: { preset: '7d' }, format: 'csv' };
    const refused = failure(await env.core.router.call(principal('viewer'), 'reports.generate', input, { origin: 'test' }));
    expect(refused.code).toBe('PERMISSION_DENIED');
    expect(refused.hint).toContain('audit:read');
    const last = await rowsOf(env.core).get('SELECT action, target, outcome FROM audit_events ORDER BY seq DESC LIMIT 1');
    expect(last).toEqual({ action: 'reports.generate', target: 'report:audit-summary', outcome: 'PERMISSION_DENIED' });

    const { result } = await generate(input as ReportInput, principal('auditor'));
    expect(result.artifact.permission).toBe('audit:read');
    const viewerOk = await generate(uptime('csv'), principal('viewer'));
    expect(viewerOk.result.artifact.permission).toBe('servers:read');
  });

  it('validates the period and the scope before starting anything', async () => {
    const call = (input: unknown) => env.core.router.call(LOCAL_OWNER, 'reports.generate', input, { origin: 'test' });
    expect(failure(await call(uptime('pdf', { period: { from: T, to: T } }))).issues?.[0]?.message).toBe('The period must start before it ends');
    expect(failure(await call(uptime('pdf', { period: { from: T, to: T + 401 * DAY_MS } }))).issues?.[0]?.message).toBe('A report covers at most 400 days');
    expect(failure(await call(uptime('pdf', { period: { preset: '1y' } } as never))).code).toBe('VALIDATION_FAILED');
    expect(failure(await call(uptime('pdf', { slaTarget: 101 }))).code).toBe('VALIDATION_FAILED');
    expect(failure(await call(uptime('pdf', { period: { from: 8.64e15 - DAY_MS, to: 8.64e15 } }))).code).toBe('VALIDATION_FAILED');
    expect(failure(await call(uptime('pdf', { scope: { serverIds: ['00000000-0000-4000-8000-000000000999'] } }))).code).toBe('NOT_FOUND');
    expect((await env.core.jobs.list(10)).filter((job) => job.kind.startsWith('report.'))).toEqual([]);
  });
});

describe('the job', () => {
  it('reports progress per server (and per chart) and ends with its file described', async () => {
    const seen: Job[] = [];
    const unsubscribe = env.core.events.subscribe((name, payload) => {
      if (name === 'job.progress') seen.push(payload as Job);
    });
    const { job, result } = await generate(uptime('pdf'));
    unsubscribe();
    expect(job).toMatchObject({ kind: 'report.uptime', total: 8, done: 8, createdBy: 'system:local-owner' });
    expect(job.title).toBe('Uptime and SLA report (PDF), 2026-10-01 to 2026-10-07');
    const mine = seen.filter((update) => update.id === job.id && update.status === 'running');
    expect(mine.length).toBeGreaterThan(2);
    const done = mine.map((update) => update.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(result.artifact.bytes).toBe(readFileSync(env.core.artifacts.file(job).path).length);
    expect(await rowsOf(env.core).get("SELECT target FROM audit_events WHERE action = 'reports.generate' ORDER BY seq DESC LIMIT 1")).toEqual({
      target: 'report:uptime',
    });
  });

  it('leaves no file behind when cancelled while its worker is writing', async () => {
    for (let i = 0; i < 40; i += 1) {
      const server = await seedServer(env.core, `extra-${i}`);
      await seedDay(env.core, server.seq, T, { count: 60, latencyMs: 10 });
    }
    const started = success<Job>(await env.core.router.call(LOCAL_OWNER, 'reports.generate', uptime('pdf'), { origin: 'test' }));
    // The job starts on the next turn of the event loop: listening from here misses nothing.
    await new Promise<void>((resolve) => {
      const unsubscribe = env.core.events.subscribe((name, payload) => {
        const update = payload as Job;
        if (name === 'job.progress' && update.id === started.id && update.done > 0) {
          unsubscribe();
          resolve();
        }
      });
    });
    await env.core.jobs.cancel(started.id);
    const job = await env.core.jobs.waitFor(started.id);
    expect(job.status).toBe('cancelled');
    expect(job.done).toBeLessThan(job.total ?? 0);
    expect(() => env.core.artifacts.file(job)).toThrow();
    expect(existsSync(join(env.dataDir, 'artifacts', job.id))).toBe(false);
  });

  it('ends with the error the worker met, its code and hint kept', async () => {
    const task: ReportTask = {
      database: { url: `sqlite:${join(scratch, 'gone', 'guardian.db')}`, dataDir: scratch },
      path: join(scratch, 'never.pdf'),
      input: ReportInput.parse(uptime('pdf')),
      period: PERIOD,
      servers: [],
      now,
      generatedBy: 'test',
      steps: 0,
      statuses: {},
    };
    const started = await env.core.jobs.start({ kind: 'report.uptime', title: 'a report that cannot read', createdBy: 'test' }, (job) =>
      runReportInWorker(task, job),
    );
    const job = await env.core.jobs.waitFor(started.id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'DB_UNREADABLE', hint: expect.stringContaining('data folder') });
    expect(job.error?.message).toContain(join(scratch, 'gone', 'guardian.db'));

    // An unexpected failure (here: nowhere to write) is INTERNAL, its detail left to the log.
    const unwritable = {
      ...task,
      // The test core's own database, on either engine.
      database: { url: env.databaseUrl ?? `sqlite:${env.core.paths.database}`, dataDir: env.dataDir },
      path: join(scratch, 'no-such-folder', 'x.pdf'),
    };
    const failed = await env.core.jobs.waitFor(
      (await env.core.jobs.start({ kind: 'report.uptime', title: 'nowhere to write', createdBy: 'test' }, (ctx) => runReportInWorker(unwritable, ctx))).id,
    );
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'INTERNAL' } });
  });
});

describe('on a schedule', () => {
  it('is a task a schedule can run, its file still guarded by what it summarises', async () => {
    const call = async <T>(name: string, input: unknown) => success<T>(await env.core.router.call(LOCAL_OWNER, name, input, { origin: 'test' }));
    expect((await call<{ items: { kind: string }[] }>('schedules.tasks', {})).items.map((task) => task.kind)).toContain('report.generate');
    const refused = await env.core.router.call(
      LOCAL_OWNER,
      'schedules.create',
      { name: 'bad-report', task: 'report.generate', params: { type: 'uptime' }, cron: '0 6 1 * *', timezone: 'UTC' },
      { origin: 'test' },
    );
    expect(failure(refused).code).toBe('VALIDATION_FAILED');
    const schedule = await call<{ id: string }>('schedules.create', {
      name: 'monthly-audit',
      task: 'report.generate',
      params: { type: 'audit-summary', period: { preset: '30d' }, format: 'pdf' },
      cron: '0 6 1 * *',
      timezone: 'UTC',
    });
    const job = await env.core.jobs.waitFor((await call<Job>('schedules.run', { id: schedule.id })).id);
    expect(job).toMatchObject({ kind: 'report.audit-summary', status: 'succeeded' });
    const result = ReportResult.parse(job.result);
    expect(result.artifact.permission).toBe('audit:read');
    // Written to the data folder's reports/ as well, since the schedule names no folder.
    expect(result.savedTo).toBe(join(env.core.paths.reports, result.artifact.fileName));
    expect(
      readFileSync(result.savedTo ?? '')
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
  });

  it('writes a scheduled report to the folder it names, next to (not over) an earlier one', async () => {
    const call = async <T>(name: string, input: unknown) => success<T>(await env.core.router.call(LOCAL_OWNER, name, input, { origin: 'test' }));
    const folder = join(env.dataDir, 'handed-out', 'weekly');
    // Outside the data folder's reports/, a scheduled report goes only where the owner allows.
    mkdirSync(folder, { recursive: true });
    await call('schedules.setOutputFolders', { folders: [join(env.dataDir, 'handed-out')] });
    const schedule = await call<{ id: string }>('schedules.create', {
      name: 'weekly-uptime',
      task: 'report.generate',
      params: { type: 'uptime', period: { preset: '7d' }, format: 'csv', folder },
      cron: '0 6 * * 1',
      timezone: 'UTC',
    });
    const saved: string[] = [];
    for (let i = 0; i < 2; i++) {
      const job = await env.core.jobs.waitFor((await call<Job>('schedules.run', { id: schedule.id })).id);
      saved.push(ReportResult.parse(job.result).savedTo ?? '');
    }
    expect(saved[0]?.startsWith(folder)).toBe(true);
    expect(saved[1]).toBe(saved[0]?.replace(/\.csv$/, ' (2).csv'));
    expect(readFileSync(saved[1] ?? '', 'utf8')).toContain(servers[0]?.name ?? 'no server');
    const relative = await env.core.router.call(
      LOCAL_OWNER,
      'schedules.create',
      {
        name: 'rel',
        task: 'report.generate',
        params: { type: 'uptime', period: { preset: '7d' }, format: 'csv', folder: 'reports' },
        cron: '0 6 * * 1',
        timezone: 'UTC',
      },
      { origin: 'test' },
    );
    expect(failure(relative).code).toBe('VALIDATION_FAILED');
  });
});

// Rollups seeded hour by hour are what the recorder writes; this keeps the fixture honest.
describe('the seed fixture', () => {
  it('writes daily rows that sum their hours', async () => {
    const server = servers[0];
    if (!server) throw new Error('no server');
    await seedRollups(env.core, server.seq, []);
    const sums = await rowsOf(env.core).all(
      'SELECT period, sum(count) AS count FROM health_rollups WHERE check_seq = ? GROUP BY period ORDER BY period',
      server.seq,
    );
    expect(sums).toEqual([
      { period: 0, count: 10_080 },
      { period: 1, count: 10_080 },
    ]);
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditSummaryReport, InventoryReport, ReportInput, UptimeReport, type ReportFormat } from '@shared/api/reports';
import type { Server } from '@shared/api/servers';
import { LOCAL_OWNER, type Principal } from '@shared/permissions';
import { DAY_MS as DAY } from '../clock';
import { fromCsvCell } from '../csv';
import type { Queryable } from '../db/engine';
import { useTempCore } from '../testing/harness';
import { generateReport, type ReportTask } from './generate';
import type { ServerStatuses } from './inventory-report';
import { resolvePeriod } from './period';
import { ReportService } from './service';
import { FileSink } from './sink';
import { HOUR_MS, seedDay, seedIncident, seedRollups, seedServer } from './testing/seed';
import { rowsOf } from '../testing/rows';
import { serverRow } from '../testing/server-row';

/**
 * The report's file made in this thread: generateReport (what report-worker.ts runs) over a real
 * database (SQLite or PostgreSQL) seeded with known history, each type in each format, read back the way its reader
 * would (a JSON parser and the schema, a CSV parser, the HTML as text, poppler on the PDF). The
 * job around it (the worker, the artifact, who may make what) is service.test.ts's.
 */

const T = Date.UTC(2026, 9, 1);
const PERIOD = { from: T, to: T + 7 * DAY };
const START = T + 8 * DAY;
/** Each reading moves the clock on, as service.test.ts's does; the seeding's audit events fall in the two days from START. */
let now = START;
const clock = { now: () => (now += 50) };

const env = useTempCore({ prefix: 'guardian-generate-', scope: 'all', clock });
/** Where the worker finds the test core's database, as createCore tells it: the SQLite file or the PostgreSQL database. */
const location = () => ({ url: env.databaseUrl ?? `sqlite:${env.core.paths.database}`, dataDir: env.core.paths.root });

const HOSTILE = '<script>alert(1)</script>';
const FORMULA = '=HYPERLINK("http://evil.example","click")';
const UNICODE = 'café-Ω-сервер';
const GENERATED_BY = 'Ada Auditor (auditor)';
/** Below it: web-1 (98.571 %) and the formula server (92.857 %) miss; the others meet it or have no data. */
const SLA = 99;

const VIEWER: Principal = { kind: 'user', id: 'viewer-1', name: 'the viewer', role: 'viewer' };

let scratch: string;
/** A read-only connection of its own, as the worker opens one. */
/** The stored history as the worker reads it: the async layer over the seeded file. */
let reader: Queryable;
let service: ReportService;
let files = 0;

beforeAll(async () => {
  const { core } = env;
  scratch = mkdtempSync(join(tmpdir(), 'guardian-generate-files-'));
  const web = await seedServer(core, 'web-1', { environment: 'production', tags: ['web'], host: 'web-1.example.net' });
  const hostile = await seedServer(core, HOSTILE, { environment: 'staging', host: 'hostile.example.net' });
  const formula = await seedServer(core, FORMULA, { environment: 'production', host: 'formula.example.net' });
  const unicode = await seedServer(core, UNICODE, { environment: 'production', tags: ['web', 'eu'], host: 'cafe.example.net' });
  const idle = await seedServer(core, 'idle-db', { environment: 'staging', tags: ['db'], host: 'idle.example.net' });
  for (let day = 0; day < 7; day += 1) {
    const at = T + day * DAY;
    // 60 results an hour, 7 days: 10,080 each. web-1: 6 an hour fail on day 3 (144); the formula
    // server: half of day 5 (720, a day under 90 %); the unicode server: 1 an hour on day 0 (24).
    await seedDay(core, web.seq, at, { count: 60, failures: day === 3 ? 6 : 0, latencyMs: 20 });
    await seedDay(core, hostile.seq, at, { count: 60, latencyMs: 40 });
    await seedDay(core, formula.seq, at, { count: 60, failures: day === 5 ? 30 : 0, latencyMs: 80 });
    await seedDay(core, unicode.seq, at, { count: 60, failures: day === 0 ? 1 : 0, latencyMs: 5 });
  }
  // idle-db: nothing counted, 30 results taken in a maintenance window.
  await seedRollups(core, idle.seq, [{ period: 1, start: T + 2 * DAY, count: 0, muted: 30 }]);
  await seedIncident(core, web.id, T + 3 * DAY, T + 3 * DAY + HOUR_MS);
  // Still open: it counts until the end of the period, two days.
  await seedIncident(core, formula.id, T + 5 * DAY, null);
  // A server without the seeded check or any history, and a refused call for the audit summary's failures.
  await core.router.invoke(LOCAL_OWNER, 'servers.create', { name: 'bare-metal', host: '10.9.9.9', port: 2222, environment: 'development' }, { origin: 'test' });
  // The next day (the audit summary counts a day at a time and adds the days up).
  now = START + DAY + HOUR_MS;
  await core.router.call(VIEWER, 'servers.create', { name: 'sneaky', host: 'sneaky.example.net' }, { origin: 'test' });

  reader = core.data;
  service = new ReportService({
    database: location(),
    servers: core.servers,
    registry: core.health.registry,
    jobs: core.jobs,
    artifacts: core.artifacts,
    clock,
  });
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/**
 * The health engine's view of each server when an inventory starts (what serverStatuses reads
 * from the registry on the main thread), given here so every status is one the report must show.
 * web-1 is left out: a server the engine does not know is reported unknown, without checks.
 */
const STATUSES: Record<string, { checks: number; status: string }> = {
  [HOSTILE]: { checks: 1, status: 'up' },
  [FORMULA]: { checks: 3, status: 'down' },
  'bare-metal': { checks: 0, status: 'unknown' },
  [UNICODE]: { checks: 2, status: 'degraded' },
  'idle-db': { checks: 1, status: 'paused' },
};

async function statusesByName(byName: typeof STATUSES): Promise<ServerStatuses> {
  const statuses: ServerStatuses = {};
  for (const server of await env.core.servers.all({})) {
    const status = byName[server.name];
    if (status) statuses[server.id] = status;
  }
  return statuses;
}

/** The task ReportService.start would hand its worker: the scope's servers (narrowed by serversIn), their statuses, the steps. */
async function taskFor(input: ReportInput, overrides: Partial<ReportTask> = {}): Promise<ReportTask> {
  const parsed = ReportInput.parse(input);
  const period = resolvePeriod(parsed.period, START);
  const servers = parsed.type === 'audit-summary' ? [] : await service.serversIn(parsed.scope);
  files += 1;
  return {
    database: location(),
    path: join(scratch, `${files}-${parsed.type}.${parsed.format}`),
    input: parsed,
    period,
    servers,
    now: START + DAY / 2,
    generatedBy: GENERATED_BY,
    steps: parsed.type === 'audit-summary' ? Math.ceil((period.to - period.from) / DAY) : servers.length,
    statuses: parsed.type === 'inventory' ? await statusesByName(STATUSES) : {},
    ...overrides,
  };
}

interface Made {
  task: ReportTask;
  path: string;
  text: string;
  /** Every count progress was called with, in order. */
  progress: number[];
}

async function make(input: ReportInput, overrides: Partial<ReportTask> = {}): Promise<Made> {
  const task = await taskFor(input, overrides);
  const progress: number[] = [];
  await generateReport(reader, task, new AbortController().signal, (done) => progress.push(done));
  const file = readFileSync(task.path);
  return { task, path: task.path, text: task.input.format === 'pdf' ? pdfText(task.path) : file.toString('utf8'), progress };
}

const uptime = (format: ReportFormat, extra: Partial<ReportInput> = {}): ReportInput => ({ type: 'uptime', period: PERIOD, format, slaTarget: SLA, ...extra });
const inventory = (format: ReportFormat, extra: Partial<ReportInput> = {}): ReportInput => ({ type: 'inventory', period: PERIOD, format, ...extra });
/** The two days the seeding's audit events fall in. */
const audit = (format: ReportFormat): ReportInput => ({ type: 'audit-summary', period: { from: START, to: START + 2 * DAY }, format });

/** The PDF's text as poppler extracts it, page by page (`layout`: laid out as printed). */
function pdfPages(path: string, layout = false): string[] {
  expect(readFileSync(path).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  const text = execFileSync('/usr/bin/pdftotext', [...(layout ? ['-layout'] : []), path, '-'], { encoding: 'utf8' });
  // Each page ends with a form feed.
  return text.split('\f').slice(0, -1);
}

const pdfText = (path: string) => pdfPages(path).join('\f');

/** A long name wraps in its table cell: compare without the line breaks. */
const squeezed = (text: string) => text.replace(/\s+/g, '');

const csvRows = (text: string) => parse(text, { columns: true }) as Record<string, string>[];

/** `(10,080 - failures) / 10,080` as a percentage: a server's seeded uptime. */
const percentOf = (failures: number, results = 10_080) => ((results - failures) * 100) / results;

/** Whether a file reads as a whole report of its format: a JSON value, a closed page, a PDF with its trailer. */
function looksComplete(format: ReportFormat, text: string): boolean {
  if (format === 'html') return text.trimEnd().endsWith('</html>');
  if (format === 'pdf') return text.trimEnd().endsWith('%%EOF');
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const SEEDED = [
  { name: HOSTILE, failures: 0, text: '100.000 %', sla: 'met' },
  { name: FORMULA, failures: 720, text: '92.857 %', sla: 'missed' },
  { name: 'bare-metal', failures: null, text: 'no data', sla: 'no data' },
  { name: UNICODE, failures: 24, text: '99.761 %', sla: 'met' },
  { name: 'idle-db', failures: null, text: 'no data', sla: 'no data' },
  { name: 'web-1', failures: 144, text: '98.571 %', sla: 'missed' },
] as const;

describe('the uptime report', () => {
  it('as JSON: the schema, every server in name order with the figures of its stored history, and the fleet', async () => {
    const { text, progress } = await make(uptime('json'));
    const report = UptimeReport.parse(JSON.parse(text));
    expect(report).toMatchObject({ report: 'uptime', title: 'Uptime and SLA report', generatedBy: GENERATED_BY, period: PERIOD, slaTarget: SLA });
    expect(report.servers.map((row) => row.name)).toEqual(SEEDED.map((server) => server.name));
    for (const seeded of SEEDED) {
      const row = report.servers.find((candidate) => candidate.name === seeded.name);
      expect(row?.sla, seeded.name).toBe(seeded.sla);
      if (seeded.failures === null) expect(row?.uptimePercent, seeded.name).toBeNull();
      else {
        expect(row).toMatchObject({ results: 10_080, failures: seeded.failures });
        expect(row?.uptimePercent, seeded.name).toBeCloseTo(percentOf(seeded.failures), 10);
      }
    }
    const web = report.servers.find((row) => row.name === 'web-1');
    expect(web).toMatchObject({ host: 'web-1.example.net', environment: 'production', tags: ['web'], incidents: 1, downtimeMs: HOUR_MS });
    // Every latency seeded was 20 ms; the sketch answers within 5 %.
    expect(web?.p95Ms).toBeGreaterThan(19);
    expect(web?.p95Ms).toBeLessThan(21);
    expect(report.servers.find((row) => row.name === 'idle-db')).toMatchObject({ results: 0, maintenance: 30, p95Ms: null });
    expect(report.servers.find((row) => row.name === 'bare-metal')).toMatchObject({ results: 0 });
    // Every check of a server is counted (the seeded one, and any a new server is given).
    for (const row of report.servers)
      expect(row.checks, row.name).toBe(await rowsOf(env.core).value('SELECT count(*) AS n FROM checks WHERE server_id = ?', row.serverId));
    expect(report.servers.find((row) => row.name === 'web-1')?.checks).toBeGreaterThanOrEqual(1);
    expect(report.servers.find((row) => row.name === FORMULA)).toMatchObject({ incidents: 1, downtimeMs: 2 * DAY });
    expect(report.fleet).toMatchObject({
      servers: 6,
      results: 40_320,
      failures: 888,
      incidents: 2,
      downtimeMs: 2 * DAY + HOUR_MS,
      meetingSla: 2,
      missingSla: 2,
      withoutData: 2,
    });
    expect(report.fleet.uptimePercent).toBeCloseTo(percentOf(888, 40_320), 10);
    // One step per server, no drawing.
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('as CSV: the header, a row per server with the same numbers, formula-looking cells neutralised', async () => {
    const { text } = await make(uptime('csv'));
    expect(text.split('\n')[0]).toBe(
      'server,host,environment,tags,checks,results,failures,degraded,maintenance_results,uptime_percent,incidents,downtime_seconds,p95_ms,sla_target_percent,sla',
    );
    const rows = csvRows(text);
    expect(rows.map((row) => fromCsvCell(row.server ?? ''))).toEqual(SEEDED.map((server) => server.name));
    expect(rows.find((row) => row.host === 'formula.example.net')?.server).toBe(`'${FORMULA}`);
    expect(rows.every((row) => Object.values(row).every((cell) => !/^[=+\-@]/.test(cell)))).toBe(true);
    expect(rows.find((row) => row.server === 'web-1')).toMatchObject({
      tags: 'web',
      results: '10080',
      failures: '144',
      incidents: '1',
      downtime_seconds: '3600',
      sla_target_percent: '99',
      sla: 'missed',
    });
    expect(Number(rows.find((row) => row.server === 'web-1')?.uptime_percent)).toBeCloseTo(percentOf(144), 10);
    expect(rows.find((row) => row.server === UNICODE)).toMatchObject({ tags: 'eu;web', sla: 'met' });
    // No data is an empty cell, not 0 % or "null".
    expect(rows.find((row) => row.server === 'idle-db')).toMatchObject({ uptime_percent: '', p95_ms: '', maintenance_results: '30', sla: 'no data' });
  });

  it('as HTML: the title, the facts and the figures, every name escaped, a chart per server', async () => {
    const { text: html, progress } = await make(uptime('html'));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<h1>Uptime and SLA report</h1>');
    expect(html).toContain('<title>Uptime and SLA report, 2026-10-01 00:00 to 2026-10-08 00:00 UTC</title>');
    expect(html).toContain(`Generated 2026-10-09 12:00 UTC by ${GENERATED_BY}`);
    expect(html).toContain('Scope: All servers');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('=HYPERLINK(&quot;http://evil.example&quot;,&quot;click&quot;)');
    expect(html).toContain(UNICODE);
    expect(html).toContain('<dt>Fleet uptime</dt><dd>97.797 %</dd>');
    expect(html).toContain('<dt>Servers meeting the SLA</dt><dd>2 of 6 (2 without results)</dd>');
    expect(html).toContain('<dt>Results counted</dt><dd>40,320 (30 in maintenance left out)</dd>');
    expect(html).toContain('<dt>Downtime (time in incidents)</dt><dd>2 d 1 h</dd>');
    expect(html).toContain('<td class="num">92.857 %</td><td class="num">1</td><td class="num">2 d 0 h</td>');
    expect(html).toContain('<tr><td>web-1</td><td>production</td><td class="num">98.571 %</td><td class="num">1</td><td class="num">1 h 0 min</td>');
    for (const seeded of SEEDED) expect(html).toContain(`<td class="num">${seeded.text}</td>`);
    expect(html).toContain('<tfoot><tr><td>Fleet (6 servers)</td>');
    expect(html.match(/<svg /g)).toHaveLength(6);
    // A day under 90 % starts the formula server's scale at 0 and is drawn red; days without results grey.
    expect(html).toContain('aria-label="daily uptime from 0 to 100 percent"');
    expect(html).toContain('fill="#c53030"');
    expect(html).toContain('fill="#cbd5e0"');
    // One step per server computed, then one per chart drawn.
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('as PDF: real text with every server’s name and figure, the fleet line, and numbered pages', async () => {
    const { text, progress } = await make(uptime('pdf'));
    const flat = squeezed(text);
    expect(text).toContain('Uptime and SLA report');
    expect(text).toContain(GENERATED_BY);
    expect(flat).toContain(squeezed('Fleet uptime 97.797 %'));
    expect(flat).toContain(squeezed('Results counted 40,320 (30 in maintenance left out)'));
    for (const seeded of SEEDED) {
      expect(flat).toContain(squeezed(seeded.name));
      expect(flat).toContain(squeezed(seeded.text));
    }
    expect(flat).toContain(squeezed('Fleet (6 servers)'));
    // Each chart's heading names its server and figures.
    expect(flat).toContain(squeezed('98.571 % up · 1 incident · 1 h 0 min down'));
    expect(text).toContain('Daily uptime');
    const pages = text.split('\f').length;
    // Title page, the table, then the charts over more than one page.
    expect(pages).toBeGreaterThanOrEqual(4);
    expect(text).toContain(`Page ${pages}`);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('narrows to the scope it is given: tags, chosen servers, both', async () => {
    const tagged = UptimeReport.parse(JSON.parse((await make(uptime('json', { scope: { tags: ['web'] } }))).text));
    expect(tagged.servers.map((row) => row.name)).toEqual([UNICODE, 'web-1']);
    expect(tagged.fleet).toMatchObject({ servers: 2, results: 20_160, failures: 168 });
    expect(tagged.scope).toEqual({ tags: ['web'], environment: null, serverIds: [] });

    const all = await env.core.servers.all({});
    const idOf = (name: string) => all.find((server) => server.name === name)?.id ?? '';
    const chosen = csvRows((await make(uptime('csv', { scope: { serverIds: [idOf(HOSTILE), idOf('idle-db')] } }))).text);
    expect(chosen.map((row) => row.server)).toEqual([HOSTILE, 'idle-db']);

    const both = await make(uptime('html', { scope: { tags: ['web'], environment: 'production', serverIds: [idOf('web-1'), idOf(HOSTILE)] } }));
    expect(both.text).toContain('Scope: 2 chosen servers; tags web; environment production');
    expect(both.text).toContain('<td>web-1</td>');
    expect(both.text).not.toContain('alert(1)');
    expect(both.text.match(/<svg /g)).toHaveLength(1);
    expect(both.progress).toEqual([1, 2]);
  });

  it('says so when no server is in scope, in every format', async () => {
    const scope = { tags: ['nowhere'] };
    const json = UptimeReport.parse(JSON.parse((await make(uptime('json', { scope }))).text));
    expect(json.servers).toEqual([]);
    expect(json.fleet).toMatchObject({ servers: 0, uptimePercent: null });
    const csv = await make(uptime('csv', { scope }));
    expect(csv.text.trim().split('\n')).toHaveLength(1);
    const html = await make(uptime('html', { scope }));
    expect(html.text).toContain('<p class="empty">No server is in the scope of this report.</p>');
    expect(html.text).not.toContain('<svg');
    const pdf = await make(uptime('pdf', { scope }));
    expect(pdf.text).toContain('No server is in the scope of this report.');
    expect(pdf.text).not.toContain('Daily uptime');
    expect(pdf.progress).toEqual([]);
  });
});

describe('the inventory', () => {
  const EXPECTED = [
    { name: HOSTILE, host: 'hostile.example.net', port: 22, environment: 'staging', tags: [], checks: 1, status: 'up' },
    { name: FORMULA, host: 'formula.example.net', port: 22, environment: 'production', tags: [], checks: 3, status: 'down' },
    { name: 'bare-metal', host: '10.9.9.9', port: 2222, environment: 'development', tags: [], checks: 0, status: 'unknown' },
    { name: UNICODE, host: 'cafe.example.net', port: 22, environment: 'production', tags: ['eu', 'web'], checks: 2, status: 'degraded' },
    { name: 'idle-db', host: 'idle.example.net', port: 22, environment: 'staging', tags: ['db'], checks: 1, status: 'paused' },
    { name: 'web-1', host: 'web-1.example.net', port: 22, environment: 'production', tags: ['web'], checks: 0, status: 'unknown' },
  ];

  it('as JSON: each server with its host, port, checks and status now, and the count per status', async () => {
    const { text, progress } = await make(inventory('json'));
    expect(looksComplete('json', text)).toBe(true);
    const report = InventoryReport.parse(JSON.parse(text));
    expect(report.title).toBe('Server inventory');
    expect(report.servers.map(({ serverId: _id, ...row }) => row)).toEqual(EXPECTED);
    expect(report.byStatus).toEqual({ up: 1, down: 1, degraded: 1, paused: 1, unknown: 2 });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('as CSV: the header, a row per server, formula-looking cells neutralised', async () => {
    const { text } = await make(inventory('csv'));
    expect(text.split('\n')[0]).toBe('name,host,port,environment,tags,checks,status');
    const rows = csvRows(text);
    expect(rows).toHaveLength(6);
    expect(rows[1]).toEqual({ name: `'${FORMULA}`, host: 'formula.example.net', port: '22', environment: 'production', tags: '', checks: '3', status: 'down' });
    expect(rows.find((row) => row.name === UNICODE)?.tags).toBe('eu;web');
    expect(rows.find((row) => row.name === 'bare-metal')).toMatchObject({ port: '2222', checks: '0', status: 'unknown' });
  });

  it('as HTML: the facts and a row per server, names escaped', async () => {
    const { text: html, progress } = await make(inventory('html'));
    expect(looksComplete('html', html)).toBe(true);
    expect(html).toContain('<h1>Server inventory</h1>');
    expect(html).toContain('<dt>Servers</dt><dd>6</dd>');
    // Worst first.
    expect(html).toContain('<dt>Status now</dt><dd>1 down, 1 degraded, 1 up, 2 unknown, 1 paused</dd>');
    expect(html).toContain('<dt>Environments</dt><dd>development, production, staging</dd>');
    expect(html).toContain('<dt>Checks</dt><dd>7 checks</dd>');
    expect(html).toContain(
      '<tr><td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>hostile.example.net</td><td class="num">22</td><td>staging</td><td></td><td class="num">1</td><td>up</td></tr>',
    );
    expect(html).not.toMatch(/<script/i);
    expect(html.match(/<tr><td>/g)).toHaveLength(6);
    expect(html).not.toContain('<svg');
    // No charts: nothing drawn after the servers are read.
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('as PDF: every server’s name, host and status as text', async () => {
    const { path, text } = await make(inventory('pdf'));
    expect(looksComplete('pdf', readFileSync(path, 'latin1'))).toBe(true);
    const flat = squeezed(text);
    expect(text).toContain('Server inventory');
    for (const row of EXPECTED) {
      expect(flat).toContain(squeezed(row.name));
      expect(flat).toContain(row.host);
    }
    expect(flat).toContain(squeezed('1 down, 1 degraded, 1 up, 2 unknown, 1 paused'));
    expect(flat).toContain(squeezed('café-Ω-сервер cafe.example.net 22 production eu, web 2 degraded'));
  });

  /** Servers as a scope hands them to the report, without any history (the inventory reads none). */
  const fakeServers = (count: number): Server[] =>
    Array.from({ length: count }, (_, index) =>
      serverRow({
        id: `server-${index}`,
        name: `rack-${String(index).padStart(3, '0')}`,
        host: `10.1.${Math.floor(index / 250)}.${index % 250}`,
        tags: ['rack'],
        createdAt: T,
        updatedAt: T,
      }),
    );

  it('repeats the table’s header on each page of a long PDF', async () => {
    const many = fakeServers(60);
    const { path } = await make(inventory('pdf'), { servers: many, steps: many.length, statuses: {} });
    const pages = pdfPages(path, true);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    // The table starts on page 2, after the title page, and goes on over the next.
    for (const [index, text] of pages.entries()) {
      if (index === 0) continue;
      const page = `page ${index + 1}`;
      expect(text, page).toMatch(/^\s*Name\s+Host\s+Port\s+Environment\s+Tags\s+Check/m);
      expect(text, page).toMatch(/rack-\d{3}\s+10\.1\.0\.\d+\s+22\s+production/);
      expect(text, page).toContain(`Page ${index + 1}`);
    }
    const text = pages.join('\n');
    for (const server of many) expect(text).toContain(server.name);
    // Servers the health engine does not know are reported unknown.
    expect(squeezed(text)).toContain(squeezed('60 unknown'));
  });

  it('writes a large inventory in batches: every server once, in order, under one header', async () => {
    const many = fakeServers(450);
    const csv = await make(inventory('csv'), { servers: many, steps: many.length, statuses: {} });
    const lines = csv.text.trim().split('\n');
    expect(lines).toHaveLength(451);
    expect(lines.filter((line) => line.startsWith('name,'))).toHaveLength(1);
    expect(csvRows(csv.text).map((row) => row.name)).toEqual(many.map((server) => server.name));
    const json = InventoryReport.parse(JSON.parse((await make(inventory('json'), { servers: many, steps: many.length, statuses: {} })).text));
    expect(json.servers.map((row) => row.host)).toEqual(many.map((server) => server.host));
    expect(json.byStatus).toEqual({ unknown: 450 });
    expect(csv.progress).toHaveLength(450);
  });
});

describe('the audit summary', () => {
  it('as JSON: events by action, actor and outcome, and the refused call listed', async () => {
    const { text, progress } = await make(audit('json'));
    const report = AuditSummaryReport.parse(JSON.parse(text));
    expect(report.title).toBe('Audit log summary');
    expect(report.byAction).toContainEqual({ key: 'servers.create', name: null, count: 7 });
    expect(report.byAction).toContainEqual({ key: 'checks.create', name: null, count: 5 });
    expect(report.byOutcome).toEqual([
      { key: 'ok', name: null, count: report.events - 1 },
      { key: 'PERMISSION_DENIED', name: null, count: 1 },
    ]);
    expect(report.byActor).toContainEqual({ key: 'user:viewer-1', name: 'the viewer', count: 1 });
    expect(report.failures).toEqual([
      expect.objectContaining({ action: 'servers.create', actor: 'user:viewer-1', actorName: 'the viewer', outcome: 'PERMISSION_DENIED', origin: 'test' }),
    ]);
    expect(report.failuresTotal).toBe(1);
    // One step per day of the period.
    expect(progress).toEqual([1, 2]);
  });

  it('as CSV: a row per count and per failure, under one header', async () => {
    const { text } = await make(audit('csv'));
    expect(text.split('\n')[0]).toBe('section,key,name,count,at,target,outcome,origin');
    const rows = csvRows(text);
    expect(rows.find((row) => row.section === 'action' && row.key === 'servers.create')?.count).toBe('7');
    expect(rows.find((row) => row.section === 'actor' && row.key === 'user:viewer-1')).toMatchObject({ name: 'the viewer', count: '1' });
    const failures = rows.filter((row) => row.section === 'failure');
    expect(failures).toEqual([expect.objectContaining({ key: 'servers.create', name: 'the viewer', count: '', outcome: 'PERMISSION_DENIED', origin: 'test' })]);
    expect(new Date(failures[0]?.at ?? '').getTime()).toBeGreaterThanOrEqual(START);
  });

  it('as HTML: a table per grouping and the failures', async () => {
    const { text: html } = await make(audit('html'));
    expect(html).toContain('<h1>Audit log summary</h1>');
    expect(html).toContain('<dt>Failed or refused</dt><dd>1</dd>');
    for (const title of ['By action', 'By actor', 'By outcome', 'Failures']) expect(html).toContain(`<h2>${title}</h2>`);
    expect(html).toContain('<tr><td>servers.create</td><td class="num">7</td></tr>');
    expect(html).toContain('<td>the viewer (user:viewer-1)</td><td>servers.create</td>');
  });

  it('as PDF: the counts and the refused call as text', async () => {
    const { text } = await make(audit('pdf'));
    const flat = squeezed(text);
    expect(text).toContain('Audit log summary');
    expect(flat).toContain(squeezed('servers.create 7'));
    expect(flat).toContain('PERMISSION_DENIED');
    expect(flat).toContain(squeezed('the viewer (user:viewer-1)'));
  });

  it('says so for a period without events', async () => {
    const quiet: ReportInput = { type: 'audit-summary', period: PERIOD, format: 'html' };
    const { text: html, progress } = await make(quiet);
    expect(html).toContain('<dt>Events</dt><dd>0</dd>');
    expect(html).toContain('<p class="empty">No events in this period.</p>');
    expect(html).toContain('<p class="empty">No call failed or was refused in this period.</p>');
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('stopping', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('stops at once on a signal already aborted, with its reason, and opens no file', async () => {
    for (const input of [uptime('pdf'), audit('json')]) {
      const task = await taskFor(input);
      const controller = new AbortController();
      const reason = new Error('cancelled by the test');
      controller.abort(reason);
      const progress: number[] = [];
      await expect(generateReport(reader, task, controller.signal, (done) => progress.push(done))).rejects.toBe(reason);
      expect(progress).toEqual([]);
      expect(existsSync(task.path), task.path).toBe(false);
    }
  });

  it('stops while writing when the signal aborts: the file is abandoned, never a complete report', async () => {
    for (const input of [inventory('json'), inventory('html'), uptime('pdf')]) {
      const abort = vi.spyOn(FileSink.prototype, 'abort');
      const task = await taskFor(input);
      const controller = new AbortController();
      const progress: number[] = [];
      // Aborted once every server has been read (and, for the PDF, its first chart drawn): the writer must notice.
      const abortAt = task.input.format === 'pdf' ? task.steps + 1 : task.steps;
      const run = generateReport(reader, task, controller.signal, (done) => {
        progress.push(done);
        if (done === abortAt) controller.abort(new Error('cancelled while writing'));
      });
      await expect(run, task.path).rejects.toThrow('cancelled while writing');
      expect(progress).toEqual(Array.from({ length: abortAt }, (_, index) => index + 1));
      // FileSink.abort closes without waiting (the job's draft is removed after): wait for the close here.
      expect(abort).toHaveBeenCalledTimes(1);
      const { stream } = abort.mock.contexts[0] as FileSink;
      // (It may end with the error of a write it dropped: what matters is that it is closed.)
      await finished(stream).catch(() => undefined);
      expect(stream.closed).toBe(true);
      const left = existsSync(task.path) ? readFileSync(task.path, 'latin1') : '';
      // What is left (an empty or cut-off file, until the job discards its draft) is never a report.
      expect(looksComplete(task.input.format, left), task.path).toBe(false);
      abort.mockRestore();
    }
  });
});

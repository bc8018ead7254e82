import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '@shared/api/jobs';
import { ReportResult, UptimeReport } from '@shared/api/reports';
import { createCore } from '@core/app';
import { silentLogger } from '@core/logging/logger';
import { DAY_MS, seedDay, seedServer } from '@core/reports/testing/seed';
import { parseIsoTime } from './cli-reports';
import { cleanUp, CLI_TEST_TIMEOUT_MS, type Guardian, pollUntil, runCli, startGuardian, tempDir } from './testing/guardian';

/**
 * `guardian report export` as a script runs it, and a report made over the HTTP API and
 * downloaded from its job, on a data dir seeded with a week of health history.
 */

const DAY0 = Math.floor(Date.now() / DAY_MS) * DAY_MS - 10 * DAY_MS;
const NAMES = ['web-1', 'db-1', 'edge-ü-1'];
let dataDir: string;
/** The serve of the HTTP tests, started once the data dir is seeded, while the CLI tests run. */
let serving: Promise<Guardian>;

beforeAll(async () => {
  dataDir = tempDir('guardian-cli-reports-');
  const core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless' });
  try {
    for (const [index, name] of NAMES.entries()) {
      const server = await seedServer(core, name, { tags: index === 2 ? ['edge'] : ['core'], environment: 'production' });
      for (let day = 0; day < 7; day += 1) await seedDay(core, server.seq, DAY0 + day * DAY_MS, { count: 60, failures: day === index ? 3 : 0, latencyMs: 12 });
    }
  } finally {
    await core.close();
  }
  serving = startGuardian({ dataDir });
  // Awaited by the HTTP tests; a failed start fails them, not this hook.
  serving.catch(() => {});
});
afterAll(cleanUp);

const iso = (ms: number) => new Date(ms).toISOString();

// Each test writes its own file from the seeded data dir: they run side by side.
describe.concurrent('guardian report export', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('writes a PDF where asked and says where', async () => {
    const out = join(tempDir('guardian-report-out-'), 'uptime.pdf');
    const result = await runCli(
      ['report', 'export', '--type', 'uptime', '--from', iso(DAY0), '--to', iso(DAY0 + 7 * DAY_MS), '--out', out, '--data-dir', dataDir],
      { timeoutMs: 60_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`wrote ${out} (uptime report, 3 servers, PDF, ${readFileSync(out).length} bytes)\n`);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
    const text = execFileSync('/usr/bin/pdftotext', [out, '-'], { encoding: 'utf8' });
    for (const name of NAMES) expect(text).toContain(name);
  });

  it('narrows by tag, takes the format from --out and prints the result with --json', async () => {
    const out = join(tempDir('guardian-report-out-'), 'edge.json');
    const result = await runCli(['report', 'export', '--type', 'uptime', '--period', '30d', '--tag', 'edge', '--out', out, '--json', '--data-dir', dataDir]);
    expect(result.code, result.stderr).toBe(0);
    const printed = ReportResult.extend({ savedTo: ReportResult.shape.kind }).parse(JSON.parse(result.stdout));
    expect(printed).toMatchObject({ type: 'uptime', format: 'json', servers: 1, savedTo: out });
    const report = UptimeReport.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(report.servers.map((row) => row.name)).toEqual(['edge-ü-1']);
    expect(report.servers[0]).toMatchObject({ results: 7 * 24 * 60, failures: 72 });
  });

  it('refuses a half-given custom period and a period past 400 days, writing nothing', async () => {
    const out = join(tempDir('guardian-report-out-'), 'nothing.pdf');
    const [half, long, bad] = await Promise.all([
      runCli(['report', 'export', '--type', 'uptime', '--from', '2026-01-01', '--out', out, '--data-dir', dataDir]),
      runCli(['report', 'export', '--type', 'inventory', '--from', '2024-01-01', '--to', '2026-01-01', '--out', out, '--data-dir', dataDir]),
      runCli(['report', 'export', '--type', 'uptime', '--from', 'yesterday', '--to', '2026-01-01', '--data-dir', dataDir]),
    ]);
    expect(half.code).toBe(1);
    expect(half.stderr).toContain('Give both --from and --to');
    expect(long.code).toBe(1);
    expect(long.stderr).toContain('A report covers at most 400 days');
    expect(bad.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it('reads ISO dates as UTC', () => {
    expect(parseIsoTime('2026-10-01')).toBe(Date.UTC(2026, 9, 1));
    expect(parseIsoTime('2026-10-01T08:30:00+02:00')).toBe(Date.UTC(2026, 9, 1, 6, 30));
    expect(() => parseIsoTime('10/01/2026')).toThrow(/ISO 8601/);
  });
});

describe('a report over HTTP', () => {
  let guardian: Guardian;
  beforeAll(async () => {
    guardian = await serving;
  });
  afterAll(async () => {
    await guardian.stop();
  });

  async function finished(id: string): Promise<Job> {
    return pollUntil(
      async () => (await guardian.request<Job>('GET', `/api/v1/jobs/${id}`)).body,
      (job) => ['succeeded', 'failed', 'cancelled'].includes(job.status),
      { what: `report job ${id}` },
    );
  }

  it('is a job whose file downloads with the right content type', async () => {
    const started = await guardian.request<Job>('POST', '/api/v1/reports', { type: 'uptime', period: { from: DAY0, to: DAY0 + 7 * DAY_MS }, format: 'pdf' });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ kind: 'report.uptime', total: 6 });
    const job = await finished(started.body.id);
    expect(job).toMatchObject({ status: 'succeeded', done: 6, total: 6 });
    const result = ReportResult.parse(job.result);

    const response = await fetch(guardian.at(`/api/v1/jobs/${job.id}/artifact`), { headers: guardian.auth() });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${result.artifact.fileName}"`);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.length).toBe(result.artifact.bytes);
    expect(body.subarray(0, 5).toString()).toBe('%PDF-');

    const csv = await finished(
      (await guardian.request<Job>('POST', '/api/v1/reports', { type: 'inventory', period: { preset: '7d' }, format: 'csv' })).body.id,
    );
    const download = await fetch(guardian.at(`/api/v1/jobs/${csv.id}/artifact`), { headers: guardian.auth() });
    expect(download.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect((await download.text()).split('\n')[0]).toBe('name,host,port,environment,tags,checks,status');
  });

  it('answers a bad period with the field at fault', async () => {
    const answer = await guardian.request<{ error: { code: string; issues: { path: string[] }[] } }>('POST', '/api/v1/reports', {
      type: 'uptime',
      period: { from: DAY0, to: DAY0 - 1 },
      format: 'pdf',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    expect(answer.body.error.issues[0]?.path).toEqual(['period', 'to']);
  });
});

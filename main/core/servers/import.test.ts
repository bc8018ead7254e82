import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '@shared/api/jobs';
import { ImportSummary, type Server } from '@shared/api/servers';
import { LOCAL_OWNER } from '@shared/permissions';
import { createCore, type Core } from '../app';
import { silentLogger } from '../logging/logger';
import { IMPORT_BATCH } from './import-job';

const START = 1_767_225_600_000;
const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'testing', name), 'utf8');

type Format = 'json' | 'csv' | 'ssh_config';

let scratch: string;
let cores: Core[];
let time: number;
/** When set, every reading of the clock moves it on, so each progress report is saved. */
let ticking: boolean;
let counter: number;
const clock = { now: () => (ticking ? (time += 250) : time) };
const newId = () => `00000000-0000-4000-8000-${(++counter).toString(16).padStart(12, '0')}`;

async function openCore(name = 'data'): Promise<Core> {
  const core = await createCore({ dataDir: join(scratch, name), logger: silentLogger(), mode: 'headless', clock, newId });
  cores.push(core);
  return core;
}

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'guardian-import-'));
  cores = [];
  time = START;
  ticking = false;
  counter = 0;
});

afterEach(async () => {
  for (const core of cores) await core.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function ok<T>(core: Core, name: string, input: unknown): Promise<T> {
  const result = await core.router.call(LOCAL_OWNER, name, input, { origin: 'test' });
  if (!result.ok) throw new Error(`${name} failed: ${JSON.stringify(result.error)}`);
  return result.value as T;
}

/** Starts the import as a user would and waits for its job to end. */
async function importFile(core: Core, format: Format, content: string, fileName?: string): Promise<Job> {
  const job = await ok<Job>(core, 'servers.import', { format, content, ...(fileName ? { fileName } : {}) });
  expect(job).toMatchObject({ kind: 'servers.import', status: 'queued' });
  return core.jobs.waitFor(job.id);
}

function summaryOf(job: Job): ImportSummary {
  expect(job.status).toBe('succeeded');
  return ImportSummary.parse(job.result);
}

async function allServers(core: Core): Promise<Server[]> {
  return (await ok<{ items: Server[] }>(core, 'servers.list', { limit: 10_000 })).items;
}

const portable = ({ name, host, port, user, environment, tags, notes }: Server) => ({ name, host, port, user, environment, tags, notes });

describe('servers.import: JSON', () => {
  it('imports the good rows and reports each bad one with its line and a readable reason', async () => {
    const core = await openCore();
    const job = await importFile(core, 'json', fixture('fleet.json'), 'fleet.json');

    expect(job.title).toBe('Import servers from fleet.json');
    const summary = summaryOf(job);
    expect(summary).toMatchObject({ rows: 9, created: 4, updated: 0, unchanged: 0 });
    expect(summary.rejected).toEqual([
      { line: 21, name: 'broken-port', reason: 'port: SSH port must be between 1 and 65535' },
      { line: 22, name: 'typo-ip', reason: 'host: Host must be a DNS name, an IPv4 address or an IPv6 address' },
      { line: 23, name: null, reason: 'Each entry must be an object with name and host' },
      { line: 24, name: 'WEB-EU-1', reason: 'The name "WEB-EU-1" is already used on line 3 of this file' },
      { line: 25, name: null, reason: expect.stringMatching(/^name: /) },
    ]);

    const servers = await allServers(core);
    expect(servers.map(portable)).toEqual([
      { name: 'ci-runner', host: 'ci.example.org', port: 22, user: null, environment: 'dev', tags: [], notes: '' },
      {
        name: 'db-eu-1',
        host: '10.20.0.5',
        port: 5432,
        user: 'postgres',
        environment: 'production',
        tags: ['db', 'eu'],
        notes: 'Primary. Replica is db-eu-2.',
      },
      { name: 'v6-box', host: '2001:db8::10', port: 22, user: null, environment: 'staging', tags: ['ipv6'], notes: '' },
      {
        name: 'web-eu-1',
        host: 'web-eu-1.example.com',
        port: 22,
        user: 'deploy',
        environment: 'production',
        tags: ['eu', 'web'],
        notes: 'Frontend behind the EU load balancer',
      },
    ]);
  });

  it('creates no duplicates when the same file is imported twice, and updates a changed row in place', async () => {
    const core = await openCore();
    summaryOf(await importFile(core, 'json', fixture('fleet.json')));
    const first = await allServers(core);
    time += 60_000;

    const again = summaryOf(await importFile(core, 'json', fixture('fleet.json')));
    expect(again).toMatchObject({ rows: 9, created: 0, updated: 0, unchanged: 4 });
    expect(again.rejected).toHaveLength(5);
    expect(await allServers(core)).toEqual(first);

    const edited = fixture('fleet.json').replace('"port": 5432', '"port": 6432');
    const third = summaryOf(await importFile(core, 'json', edited));
    expect(third).toMatchObject({ created: 0, updated: 1, unchanged: 3 });
    const after = await allServers(core);
    const before = first.find((server) => server.name === 'db-eu-1');
    expect(after.find((server) => server.name === 'db-eu-1')).toEqual({ ...before, port: 6432, updatedAt: START + 60_000 });
    expect(after).toHaveLength(4);
  });

  it('never turns agent forwarding on from a file: a row that says it is refused, and the server is not written', async () => {
    const core = await openCore();
    const file = JSON.stringify(
      [
        { name: 'lent', host: 'lent.example.com', agentForwarding: true },
        { name: 'kept', host: 'kept.example.com' },
      ],
      null,
      2,
    );
    const summary = summaryOf(await importFile(core, 'json', file));
    expect(summary).toMatchObject({ created: 1, rejected: [{ name: 'lent', reason: expect.stringContaining('a file cannot turn agent forwarding on') }] });
    expect((await allServers(core)).map((server) => [server.name, server.agentForwarding])).toEqual([['kept', false]]);
  });

  it('fails the job with VALIDATION_FAILED naming the line when the file is not JSON', async () => {
    const core = await openCore();
    const broken = '[\n  { "name": "a", "host": "a.example.com" },\n  { "name": "b" "host": "b.example.com" }\n]\n';

    const job = await importFile(core, 'json', broken);

    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('VALIDATION_FAILED');
    expect(job.error?.message).toMatch(/not valid JSON.*line 3/);
    expect(await allServers(core)).toEqual([]);
  });

  it('fails the job when the JSON holds no list of servers', async () => {
    const core = await openCore();
    const job = await importFile(core, 'json', '{ "hosts": { "a": "a.example.com" } }');
    expect(job.error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('expected an array of servers') });
  });
});

describe('servers.import: CSV', () => {
  it('imports the good rows and reports each bad one on the line where its row starts', async () => {
    const core = await openCore();
    const summary = summaryOf(await importFile(core, 'csv', fixture('fleet.csv'), 'fleet.csv'));

    expect(summary).toMatchObject({ rows: 8, created: 4, updated: 0, unchanged: 0 });
    expect(summary.rejected).toEqual([
      { line: 5, name: 'bad-port', reason: 'port: SSH port must be a number' },
      { line: 7, name: 'spaced', reason: 'host: Host must be a DNS name, an IPv4 address or an IPv6 address' },
      { line: 9, name: 'Web-Us-1', reason: 'The name "Web-Us-1" is already used on line 2 of this file' },
      { line: 10, name: 'no-host', reason: expect.stringMatching(/^host: /) },
    ]);
    const byName = new Map((await allServers(core)).map((server) => [server.name, portable(server)]));
    expect([...byName.keys()].sort()).toEqual(['cache-1', 'db-us-1', 'edge-1', 'web-us-1']);
    expect(byName.get('db-us-1')).toEqual({
      name: 'db-us-1',
      host: '10.30.0.7',
      port: 5432,
      user: 'postgres',
      environment: 'production',
      tags: ['db', 'us'],
      notes: 'Primary database.\nFailover: see the runbook, section 4.',
    });
    expect(byName.get('edge-1')).toMatchObject({ host: '2001:db8::20', user: 'admin', tags: ['edge', 'ipv6'] });
    expect(byName.get('cache-1')).toMatchObject({ port: 6379, user: null, notes: 'Redis, 6 GB' });
  });

  it('counts lines the way an editor does in a Windows (CRLF) file with line breaks inside a cell', async () => {
    const core = await openCore();
    const lines = ['name,host,notes', 'a,a.example.com,"first', 'second', 'third"', '', 'b,999.1.1.1,', 'c,c.example.com,"x"', 'd,,'];

    const summary = summaryOf(await importFile(core, 'csv', `\uFEFF${lines.join('\r\n')}\r\n`));

    expect(summary.created).toBe(2);
    expect(summary.rejected.map((rejection) => [rejection.line, rejection.name])).toEqual([
      [6, 'b'],
      [8, 'd'],
    ]);
  });

  it('is idempotent: a second import of the same CSV changes nothing', async () => {
    const core = await openCore();
    summaryOf(await importFile(core, 'csv', fixture('fleet.csv')));
    const first = await allServers(core);
    time += 1000;
    expect(summaryOf(await importFile(core, 'csv', fixture('fleet.csv')))).toMatchObject({ created: 0, updated: 0, unchanged: 4 });
    expect(await allServers(core)).toEqual(first);
  });

  it('fails the job naming the column when the header has no host column, or an unknown one', async () => {
    const core = await openCore();

    const noHost = await importFile(core, 'csv', 'name,port\nweb-1,22\n');
    expect(noHost.status).toBe('failed');
    expect(noHost.error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('no "host" column') });

    const unknown = await importFile(core, 'csv', 'name,address\nweb-1,10.0.0.1\n');
    expect(unknown.error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('unknown column "address"') });

    const unterminated = await importFile(core, 'csv', 'name,host,notes\nweb-1,a.example.com,"never closed\n');
    expect(unterminated.error?.code).toBe('VALIDATION_FAILED');
    expect(unterminated.error?.message).toMatch(/line \d/);

    expect(await allServers(core)).toEqual([]);
  });
});

describe('servers.import: ssh_config', () => {
  it('turns each concrete Host alias into a server, with Host * defaults, skipping patterns and Match blocks', async () => {
    const core = await openCore();
    const summary = summaryOf(await importFile(core, 'ssh_config', fixture('ssh_config'), 'config'));

    expect(summary).toMatchObject({ rows: 5, created: 4 });
    expect(summary.rejected).toEqual([{ line: 20, name: 'bad-addr', reason: 'host: Host must be a DNS name, an IPv4 address or an IPv6 address' }]);
    expect((await allServers(core)).map(({ name, host, port, user }) => ({ name, host, port, user }))).toEqual(
      [
        { name: 'bastion', host: 'bastion.example.com', port: 2222, user: 'ops' },
        { name: 'db-primary', host: '10.20.0.5', port: 22, user: 'postgres' },
        { name: 'web-1', host: 'web-1.internal.example.com', port: 22, user: 'deploy' },
        { name: 'web-2', host: 'web-2.internal.example.com', port: 22, user: 'deploy' },
      ].sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  it('never runs a command or a lookup that an imported file asks for', async () => {
    const core = await openCore();
    const marker = join(scratch, 'ran');
    const bin = join(scratch, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'nslookup'), `#!/bin/sh\ntouch ${marker}-nslookup\nexit 0\n`);
    chmodSync(join(bin, 'nslookup'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path ?? ''}`;
    try {
      const config = [
        'Host app',
        '    HostName app.example.com',
        '    CanonicalizeHostname yes',
        '    CanonicalDomains example.com',
        `Match exec "touch ${marker}-exec"`,
        '    User intruder',
        '',
      ].join('\n');

      const summary = summaryOf(await importFile(core, 'ssh_config', config));

      expect(summary.created).toBe(1);
      expect(existsSync(`${marker}-exec`)).toBe(false);
      expect(existsSync(`${marker}-nslookup`)).toBe(false);
      expect((await allServers(core)).map(({ host, user }) => ({ host, user }))).toEqual([{ host: 'app.example.com', user: null }]);
    } finally {
      process.env.PATH = path;
    }
  });
});

describe('servers.export', () => {
  it.each(['json', 'csv'] as const)('exports %s that imports into a fresh data folder as identical servers', async (format) => {
    const source = await openCore('source');
    const made = [
      { name: 'web-eu-1', host: 'web-eu-1.example.com', user: 'deploy', tags: ['web', 'eu'], notes: 'Frontend, "blue" pool; 50% of traffic' },
      { name: 'db-eu-1', host: '10.20.0.5', port: 5432, user: 'postgres', environment: 'production', tags: ['db'], notes: 'Primary\nReplica: db-eu-2' },
      { name: 'v6-box', host: '[2001:db8::10]', environment: 'staging', notes: 'Ünïcødé ✓' },
      { name: 'Mixed Case Name', host: 'mixed.example.org', port: 2222, environment: 'dev', tags: ['a', 'b', 'c'] },
      { name: '=cmd', host: 'formula.example.com', notes: '=HYPERLINK("x")' },
    ];
    for (const server of made) await ok(source, 'servers.create', server);

    const exported = await ok<{ fileName: string; count: number; content: string; mimeType: string }>(source, 'servers.export', { format });
    expect(exported.count).toBe(made.length);
    expect(exported.fileName).toBe(`guardian-servers-2026-01-01.${format}`);

    const target = await openCore('target');
    const summary = summaryOf(await importFile(target, format, exported.content, exported.fileName));
    expect(summary).toMatchObject({ rows: made.length, created: made.length, rejected: [] });
    expect((await allServers(target)).map(portable)).toEqual((await allServers(source)).map(portable));
    expect((await ok<{ content: string }>(target, 'servers.export', { format })).content).toBe(exported.content);
  });

  it('writes formula-looking CSV cells as text, so a spreadsheet never runs them', async () => {
    const core = await openCore();
    await ok(core, 'servers.create', { name: '@admin-box', host: 'a.example.com', notes: '=HYPERLINK("http://x","y")' });
    await ok(core, 'servers.create', { name: 'plain', host: 'b.example.com', notes: '-rf is not a formula here' });
    const { content } = await ok<{ content: string }>(core, 'servers.export', { format: 'csv' });
    const lines = content.trim().split('\n');
    expect(lines[1]).toMatch(/^'@admin-box,/);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(lines[2]).toContain("'-rf is not a formula here");
    expect(content).not.toMatch(/(^|,)[=@+-]/m);
  });

  it('exports only the servers matching the filters', async () => {
    const core = await openCore();
    summaryOf(await importFile(core, 'json', fixture('fleet.json')));
    const exported = await ok<{ count: number; content: string }>(core, 'servers.export', { format: 'json', tags: ['eu'] });
    expect(exported.count).toBe(2);
    expect((JSON.parse(exported.content) as { servers: { name: string }[] }).servers.map((server) => server.name)).toEqual(['db-eu-1', 'web-eu-1']);
  });
});

describe('servers.import: cancelling a large import', () => {
  it('ends cancelled, keeping only whole batches: a prefix of the file', async () => {
    const core = await openCore();
    const rows = Array.from({ length: 20_000 }, (_, index) => ({
      name: `node-${String(index).padStart(5, '0')}`,
      host: `node-${index}.fleet.example.com`,
      tags: ['bulk'],
    }));
    const cancelAt = 4 * IMPORT_BATCH;
    const cancels: Promise<unknown>[] = [];
    core.events.subscribe((name, payload) => {
      const job = payload as Job;
      if (name === 'job.progress' && job.status === 'running' && job.done >= cancelAt && cancels.length === 0) {
        cancels.push(ok(core, 'jobs.cancel', { id: job.id }));
      }
    });
    ticking = true;

    const job = await importFile(core, 'json', JSON.stringify(rows));
    await Promise.all(cancels);

    expect(job.status).toBe('cancelled');
    const servers = await allServers(core);
    expect(servers.length % IMPORT_BATCH).toBe(0);
    expect(servers.length).toBeGreaterThan(0);
    expect(servers.length).toBeLessThan(rows.length);
    expect(servers.map((server) => server.name)).toEqual(rows.slice(0, servers.length).map((row) => row.name));
    expect(job.done).toBe(servers.length);
    expect(ImportSummary.parse(job.result).created).toBe(servers.length);
  });
});

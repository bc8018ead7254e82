import { describe, expect, it } from 'vitest';
import type { Check } from '@shared/api/checks';
import type { Job } from '@shared/api/jobs';
import { ImportSummary, type CreatedServer } from '@shared/api/servers';
import { AppError } from '@shared/api/errors';
import { LOCAL_OWNER, type Principal } from '@shared/permissions';
import { assertMayAddDefaultCheck } from '../health/default-check';
import { failure, success, useTempCore } from '../testing/harness';
import { rowsOf } from '../testing/rows';

/**
 * A server added from the dialog, the CLI (which calls the router), the API or an import is
 * watched by a TCP check unless its caller says no (docs/architecture.md §7).
 */

const env = useTempCore({ prefix: 'guardian-default-check-' });

const VIEWER: Principal = { kind: 'user', id: 'vera', name: 'Vera', role: 'viewer' };
const OPERATOR: Principal = { kind: 'user', id: 'otto', name: 'Otto', role: 'operator' };
const WRITER_KEY: Principal = { kind: 'apiKey', id: 'deploy-key', name: 'deploy', role: 'operator', permissions: ['servers:read', 'servers:write'] };
const READER_KEY: Principal = { kind: 'apiKey', id: 'read-key', name: 'read', role: 'operator', permissions: ['servers:read'] };

const call = (name: string, input: unknown, principal: Principal = LOCAL_OWNER) => env.core.router.call(principal, name, input, { origin: 'test' });
const create = async (input: Record<string, unknown>, principal?: Principal) => success<CreatedServer>(await call('servers.create', input, principal));
const checksOf = async (serverId?: string) => success<{ items: Check[] }>(await call('checks.list', serverId ? { serverId } : {})).items;
const serverCount = async () => Number(await rowsOf(env.core).value('SELECT count(*) AS n FROM servers'));

async function importFile(format: 'csv' | 'json', content: string, extra: Record<string, unknown> = {}): Promise<ImportSummary> {
  const started = success<Job>(await call('servers.import', { format, content, ...extra }));
  const job = await env.core.jobs.waitFor(started.id);
  expect(job.status).toBe('succeeded');
  return ImportSummary.parse(job.result);
}

const tcpTargets = (checks: Check[]): Record<string, unknown>[] => checks.map((check) => ({ type: check.type, ...check.config }));

describe('servers.create: the default check', () => {
  it('watches a new server with a TCP check on its SSH port when nothing else is asked, and says which', async () => {
    const server = await create({ name: 'web-1', host: 'web-1.example.com', port: 2222 });

    const checks = await checksOf(server.id);
    expect(tcpTargets(checks)).toEqual([{ type: 'tcp', host: 'web-1.example.com', port: 2222 }]);
    expect(server.check).toEqual({ id: checks[0]?.id, name: checks[0]?.name, type: 'tcp', port: 2222 });
    expect(checks[0]).toMatchObject({ paused: false, state: 'unknown' });
  });

  it('watches the service port it is given, keeping the SSH port apart', async () => {
    const server = await create({ name: 'shop', host: 'shop.example.com', monitor: { type: 'tcp', port: 443 } });

    expect(server.port).toBe(22);
    expect(tcpTargets(await checksOf(server.id))).toEqual([{ type: 'tcp', host: 'shop.example.com', port: 443 }]);
    expect(server.check?.port).toBe(443);
  });

  it('adds no check when asked for none', async () => {
    const server = await create({ name: 'lab', host: 'lab.example.com', monitor: false });

    expect(server.check).toBeNull();
    expect(await checksOf()).toEqual([]);
  });

  it('refuses a bad monitor field by name, and a check port out of range in the form’s words', async () => {
    const odd = failure(await call('servers.create', { name: 'a', host: 'a.example.com', monitor: { type: 'ping' } }));
    expect(odd.code).toBe('VALIDATION_FAILED');
    expect(odd.issues?.[0]?.path[0]).toBe('monitor');
    const far = failure(await call('servers.create', { name: 'b', host: 'b.example.com', monitor: { type: 'tcp', port: 70_000 } }));
    expect(far.issues).toContainEqual(expect.objectContaining({ path: ['monitor', 'port'], message: 'Port must be between 1 and 65535' }));
    expect(await serverCount()).toBe(0);
  });

  it('refuses a server whose default check would reach a cloud metadata address, leaving nothing behind, unless asked for no check', async () => {
    const refused = failure(await call('servers.create', { name: 'meta', host: '169.254.169.254' }));
    expect(refused.code).toBe('VALIDATION_FAILED');
    expect(refused.issues).toEqual([{ path: ['host'], message: 'Checks may not watch a cloud metadata address' }]);
    expect(refused.hint).toContain('"monitor": false');
    expect(await serverCount()).toBe(0);

    const plain = await create({ name: 'meta', host: '169.254.169.254', monitor: false });
    expect(plain.check).toBeNull();
  });
});

describe('servers.create: who may add the check', () => {
  it('refuses a viewer, with or without a check, and writes nothing', async () => {
    for (const monitor of [undefined, false, { type: 'tcp', port: 80 }]) {
      const error = failure(await call('servers.create', { name: 'v', host: 'v.example.com', monitor }, VIEWER));
      expect(error.code).toBe('PERMISSION_DENIED');
    }
    expect(await serverCount()).toBe(0);
    expect(await checksOf()).toEqual([]);
  });

  it('lets an operator and an API key that may write servers add the server with its check', async () => {
    const byOperator = await create({ name: 'op', host: 'op.example.com' }, OPERATOR);
    const byKey = await create({ name: 'key', host: 'key.example.com', monitor: { type: 'tcp', port: 8080 } }, WRITER_KEY);

    expect(tcpTargets(await checksOf(byOperator.id))).toEqual([{ type: 'tcp', host: 'op.example.com', port: 22 }]);
    expect(tcpTargets(await checksOf(byKey.id))).toEqual([{ type: 'tcp', host: 'key.example.com', port: 8080 }]);
  });

  it('refuses an API key limited to reading, whatever the monitor field says', async () => {
    const error = failure(await call('servers.create', { name: 'r', host: 'r.example.com', monitor: false }, READER_KEY));
    expect(error.code).toBe('PERMISSION_DENIED');
    expect(await serverCount()).toBe(0);
  });

  it('tells a caller who may not add checks how to add the server without one', () => {
    const refused = (() => {
      try {
        assertMayAddDefaultCheck(VIEWER);
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'PERMISSION_DENIED', issues: [{ path: ['monitor'] }] });
    expect((refused as AppError).hint).toContain('"monitor": false');
    expect(() => assertMayAddDefaultCheck(OPERATOR)).not.toThrow();
  });
});

describe('servers.import: default checks', () => {
  it('gives each server it creates a TCP check on its check_port, its SSH port, or none, and none again on a second import', async () => {
    const csv = ['name,host,ssh_port,check_port', 'web,web.example.com,2222,443', 'db,db.example.com,22,', 'lab,lab.example.com,22,none'].join('\n');
    const summary = await importFile('csv', csv);
    expect(summary).toMatchObject({ created: 3, checks: 2, rejected: [] });

    const checks = await checksOf();
    expect(tcpTargets(checks).sort((a, b) => String(a.host).localeCompare(String(b.host)))).toEqual([
      { type: 'tcp', host: 'db.example.com', port: 22 },
      { type: 'tcp', host: 'web.example.com', port: 443 },
    ]);
    const servers = success<{ items: { name: string; port: number }[] }>(await call('servers.list', {})).items;
    expect(servers.find((server) => server.name === 'web')?.port).toBe(2222);

    const again = await importFile('csv', csv.replace('web.example.com,2222', 'web.example.com,2200'));
    expect(again).toMatchObject({ created: 0, updated: 1, checks: 0 });
    expect(await checksOf()).toHaveLength(2);
  });

  it('reads the old "port" column as the SSH port, and a JSON row’s monitor field', async () => {
    await importFile('csv', 'name,host,port\nold,old.example.com,2022\n');
    await importFile(
      'json',
      JSON.stringify([
        { name: 'svc', host: 'svc.example.com', monitor: { type: 'tcp', port: 5432 } },
        { name: 'quiet', host: 'quiet.example.com', monitor: false },
      ]),
    );

    expect(
      tcpTargets(await checksOf())
        .map((check) => `${String(check.host)}:${String(check.port)}`)
        .sort(),
    ).toEqual(['old.example.com:2022', 'svc.example.com:5432']);
  });

  it('adds no check to any server when the import is asked for none', async () => {
    const summary = await importFile('csv', 'name,host,check_port\na,a.example.com,80\nb,b.example.com,\n', { monitor: false });
    expect(summary).toMatchObject({ created: 2, checks: 0 });
    expect(await checksOf()).toEqual([]);
  });

  it('rejects a row whose check would reach a metadata address or whose check_port is not a port, and imports the others', async () => {
    const summary = await importFile('csv', 'name,host,check_port\nmeta,169.254.169.254,\nbad,bad.example.com,https\nok,ok.example.com,\n');
    expect(summary.created).toBe(1);
    expect(summary.rejected.map((row) => [row.line, row.name])).toEqual([
      [2, 'meta'],
      [3, 'bad'],
    ]);
    expect(summary.rejected[0]?.reason).toMatch(/metadata/i);
    expect(summary.rejected[1]?.reason).toContain('monitor');
  });

  it('refuses a CSV that names the SSH port twice', async () => {
    const started = success<Job>(await call('servers.import', { format: 'csv', content: 'name,host,port,ssh_port\na,a.example.com,22,22\n' }));
    const job = await env.core.jobs.waitFor(started.id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('"port" and "ssh_port"') });
    expect(await serverCount()).toBe(0);
  });
});

describe('servers.export', () => {
  it('names the SSH port column for what it is, and the file imports again as it is', async () => {
    await create({ name: 'web', host: 'web.example.com', port: 2222, monitor: false });
    const file = success<{ content: string }>(await call('servers.export', { format: 'csv' }));
    expect(file.content.split('\n')[0]).toBe('name,host,ssh_port,user,environment,tags,notes,jump_host,depends_on');
    expect(file.content).toContain('web,web.example.com,2222,');
  });
});

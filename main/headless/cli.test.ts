import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Server } from '@shared/api/servers';
import { cleanUp, CLI_TEST_TIMEOUT_MS, runCli, tempDir } from './testing/guardian';
import { onDataDir } from './testing/in-process';

afterAll(cleanUp);

const portable = ({ id: _id, createdAt: _created, updatedAt: _updated, ...rest }: Server) => rest;

async function listJson(dataDir: string): Promise<Server[]> {
  const result = await runCli(['servers', 'list', '--json', '--data-dir', dataDir]);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(result.stdout) as Server[];
}

/** The servers saved in the data dir, read in this process (what `servers list --json` prints). */
const savedServers = (dataDir: string): Promise<Server[]> => onDataDir(dataDir, async (call) => (await call('servers.list', { limit: 10_000 })).items);

// Each command is a fresh Node process (~1.5 s to start from source), so the tests run side by
// side and get a generous bound.
describe.concurrent('guardian CLI', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('adds a server that depends on another, clears it with edit, and refuses a loop or a name it does not know', async () => {
    const dataDir = tempDir();
    const add = (...args: string[]) => runCli(['servers', 'add', '--data-dir', dataDir, '--no-check', '--json', ...args]);
    const router = JSON.parse((await add('--name', 'router', '--host', 'router.internal')).stdout) as Server;
    const web = await add('--name', 'web', '--host', 'web.internal', '--depends-on', 'router');
    expect(JSON.parse(web.stdout)).toMatchObject({ name: 'web', dependsOnId: router.id });
    const missing = await add('--name', 'db', '--host', 'db.internal', '--depends-on', 'nowhere');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('There is no server named "nowhere" to depend on.');
    const loop = await runCli(['servers', 'edit', 'router', '--depends-on', 'web', '--data-dir', dataDir]);
    expect(loop.code).not.toBe(0);
    expect(loop.stderr).toContain('web already depends on router: router → web → router would be a loop.');
    expect(await runCli(['servers', 'edit', 'web', '--depends-on', 'none', '--data-dir', dataDir])).toMatchObject({ code: 0, stdout: 'saved web\n' });
    expect((await savedServers(dataDir)).find((server) => server.name === 'web')).toMatchObject({ dependsOnId: null });
  });

  it('turns agent forwarding on with add, keeps it through an edit and an import that do not say, and off with edit', async () => {
    const dataDir = tempDir();
    const forwarding = async () => (await savedServers(dataDir)).find((server) => server.name === 'app')?.agentForwarding;
    const plain = await runCli(['servers', 'add', '--data-dir', dataDir, '--no-check', '--json', '--name', 'plain', '--host', 'plain.internal']);
    expect(JSON.parse(plain.stdout)).toMatchObject({ agentForwarding: false });
    const app = await runCli([
      'servers',
      'add',
      '--data-dir',
      dataDir,
      '--no-check',
      '--json',
      '--name',
      'app',
      '--host',
      'app.internal',
      '--agent-forwarding',
    ]);
    expect(JSON.parse(app.stdout)).toMatchObject({ name: 'app', agentForwarding: true });
    expect((await runCli(['servers', 'edit', 'app', '--notes', 'kept', '--data-dir', dataDir])).code).toBe(0);
    expect(await forwarding()).toBe(true);
    // A file never carries it: importing the server again (same host) keeps it as it is.
    const file = join(tempDir(), 'servers.csv');
    writeFileSync(file, 'name,host,notes\napp,app.internal,from a file\n');
    expect((await runCli(['servers', 'import', file, '--no-check', '--data-dir', dataDir])).code).toBe(0);
    expect(await forwarding()).toBe(true);
    expect(await runCli(['servers', 'edit', 'app', '--no-agent-forwarding', '--data-dir', dataDir])).toMatchObject({ code: 0, stdout: 'saved app\n' });
    expect(await forwarding()).toBe(false);
  });

  it('adds a server behind a jump host, changes it with edit, and keeps a jump host others go through', async () => {
    const dataDir = tempDir();
    const add = (...args: string[]) => runCli(['servers', 'add', '--data-dir', dataDir, '--no-check', '--json', ...args]);
    const bastion = JSON.parse((await add('--name', 'bastion', '--host', 'bastion.example.com')).stdout) as Server;
    const app = await add('--name', 'app', '--host', 'app.internal', '--jump-host', 'bastion');
    expect(app.code).toBe(0);
    expect(JSON.parse(app.stdout)).toMatchObject({ name: 'app', jumpHostId: bastion.id });
    const missing = await add('--name', 'db', '--host', 'db.internal', '--jump-host', 'nowhere');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('There is no server named "nowhere" to connect through.');

    const kept = await runCli(['servers', 'remove', 'bastion', '--data-dir', dataDir]);
    expect(kept.code).not.toBe(0);
    expect(kept.stderr).toContain('app connects through bastion: it is not removed.');
    const loop = await runCli(['servers', 'edit', 'bastion', '--jump-host', 'app', '--data-dir', dataDir]);
    expect(loop.code).not.toBe(0);
    expect(loop.stderr).toContain('app already connects through bastion');

    const direct = await runCli(['servers', 'edit', 'app', '--jump-host', 'none', '--port', '2200', '--data-dir', dataDir]);
    expect(direct).toMatchObject({ code: 0, stdout: 'saved app\n' });
    expect((await savedServers(dataDir)).find((server) => server.name === 'app')).toMatchObject({ jumpHostId: null, port: 2200 });
    await runCli(['servers', 'edit', 'app', '--jump-host', 'bastion', '--data-dir', dataDir]);
    const listed = await runCli(['servers', 'list', '--search', 'app', '--data-dir', dataDir]);
    expect(listed.stdout).toMatch(/^NAME\s+HOST\s+SSH PORT\s+USER\s+ENVIRONMENT\s+TAGS\s+VIA\n(app)\s+app\.internal\s+2200\s+.*\sbastion\n$/);
    await runCli(['servers', 'edit', 'app', '--jump-host', 'none', '--data-dir', dataDir]);

    expect((await runCli(['servers', 'remove', 'bastion', '--data-dir', dataDir])).code).toBe(0);

    // An OpenSSH client config's ProxyJump chain, a,b: app-2 through inner, inner through bastion.
    const config = join(tempDir(), 'config');
    writeFileSync(
      config,
      'Host app-2\n  HostName 10.1.0.7\n  ProxyJump bastion,inner\nHost inner\n  HostName 10.1.0.2\nHost bastion\n  HostName bastion.example.com\n',
    );
    const imported = await runCli(['servers', 'import', config, '--format', 'ssh_config', '--no-check', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(imported.stdout)).toMatchObject({ created: 3, rejected: [] });
    const saved = await savedServers(dataDir);
    const idOf = (name: string) => saved.find((server) => server.name === name)?.id;
    expect(saved.find((server) => server.name === 'app-2')?.jumpHostId).toBe(idOf('inner'));
    expect(saved.find((server) => server.name === 'inner')?.jumpHostId).toBe(idOf('bastion'));
  });

  it('adds servers, refuses a duplicate name, and lists them as JSON', async () => {
    const dataDir = tempDir();
    const added = await runCli([
      'servers',
      'add',
      '--data-dir',
      dataDir,
      '--name',
      'web-1',
      '--host',
      'web1.example.com',
      '--port',
      '2222',
      '--user',
      'deploy',
      '--environment',
      'staging',
      '--tag',
      'web',
      'eu',
      '--notes',
      'behind the LB',
    ]);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(
      /^added web-1 \([0-9a-f-]{36}\)\nwatched by the check "TCP web1\.example\.com:2222" \(TCP port 2222; the SSH port is 2222\)\n$/,
    );

    const second = await runCli(['servers', 'add', '--data-dir', dataDir, '--name', 'db-1', '--host', '10.0.0.5', '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ name: 'db-1', host: '10.0.0.5', port: 22, environment: '' });

    const duplicate = await runCli(['servers', 'add', '--data-dir', dataDir, '--name', 'WEB-1', '--host', 'other.example.com']);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/^error: A server named "WEB-1" already exists\.$/m);
    expect(duplicate.stderr).toMatch(/^hint: \S/m);

    const listed = await listJson(dataDir);
    expect(listed.map(portable)).toEqual([
      {
        name: 'db-1',
        host: '10.0.0.5',
        port: 22,
        user: null,
        environment: '',
        tags: [],
        notes: '',
        jumpHostId: null,
        dependsOnId: null,
        agentForwarding: false,
      },
      {
        name: 'web-1',
        host: 'web1.example.com',
        port: 2222,
        user: 'deploy',
        environment: 'staging',
        tags: ['eu', 'web'],
        notes: 'behind the LB',
        jumpHostId: null,
        dependsOnId: null,
        agentForwarding: false,
      },
    ]);
  });

  it('watches a new server on the port asked for, or on none with --no-check, and says so', async () => {
    const dataDir = tempDir();
    const shop = await runCli(['servers', 'add', '--data-dir', dataDir, '--name', 'shop', '--host', 'shop.example.com', '--check-port', '443', '--json']);
    expect(shop.code).toBe(0);
    expect(JSON.parse(shop.stdout)).toMatchObject({ port: 22, check: { type: 'tcp', port: 443 } });

    const lab = await runCli(['servers', 'add', '--data-dir', dataDir, '--name', 'lab', '--host', 'lab.example.com', '--no-check']);
    expect(lab.code).toBe(0);
    expect(lab.stdout).toContain('not watched: no check was added (add one with: guardian check add lab --type tcp --port <port>)');

    const both = await runCli(['servers', 'add', '--data-dir', dataDir, '--name', 'x', '--host', 'x.example.com', '--no-check', '--check-port', '80']);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/^error: --no-check and --check-port ask for opposite things\.$/m);

    const checks = await onDataDir(dataDir, async (call) => (await call('checks.list', {})).items);
    expect(checks.map((check) => `${String(check.config.host)}:${String(check.config.port)}`)).toEqual(['shop.example.com:443']);

    const listed = await runCli(['servers', 'list', '--data-dir', dataDir]);
    expect(listed.stdout.split('\n')[0]).toMatch(/^NAME\s+HOST\s+SSH PORT\s+USER/);
  });

  it('imports a file, prints each rejected row as "line N: reason", and exits 1 when any was rejected', async () => {
    const dataDir = tempDir();
    const file = join(tempDir(), 'fleet.csv');
    writeFileSync(
      file,
      ['name,host,port,environment', 'a-1,a1.test,22,production', 'a-2,a2.test,99999,production', 'a-3,not a host,22,dev', 'a-4,a4.test,22,dev'].join('\n'),
    );
    const result = await runCli(['servers', 'import', file, '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('2 created, 0 updated, 0 unchanged, 2 rejected; 2 checks added\n');
    expect(result.stdout).toMatch(/^ {2}line 3: port: SSH port must be between 1 and 65535$/m);
    expect(result.stdout).toMatch(/^ {2}line 4: host: /m);
    expect((await savedServers(dataDir)).map((server) => server.name)).toEqual(['a-1', 'a-4']);

    // The same file again changes nothing and still reports the bad rows.
    const again = await runCli(['servers', 'import', file, '--data-dir', dataDir, '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ rows: 4, created: 0, unchanged: 2, rejected: [{ line: 3 }, { line: 4 }] });
  });

  it('exports CSV that imports into another data dir as the same inventory', async () => {
    const source = tempDir();
    const seed = join(tempDir(), 'seed.json');
    writeFileSync(
      seed,
      JSON.stringify([
        { name: 'edge-1', host: '2001:db8::1', port: 22, user: 'root', environment: 'production', tags: ['edge', 'eu'], notes: 'quotes "and", commas' },
        { name: 'edge-2', host: 'edge2.example.net', port: 2202, environment: 'staging', tags: [], notes: 'two\nlines' },
        { name: 'Édge 3', host: '192.0.2.3', environment: 'dev', tags: ['us'] },
      ]),
    );
    expect((await runCli(['servers', 'import', seed, '--data-dir', source])).code).toBe(0);

    const exported = await runCli(['servers', 'export', '--format', 'csv', '--data-dir', source]);
    expect(exported.code).toBe(0);
    expect(exported.stdout.split('\n')[0]).toBe('name,host,ssh_port,user,environment,tags,notes,jump_host,depends_on');
    const csv = join(tempDir(), 'export.csv');
    writeFileSync(csv, exported.stdout);

    const target = tempDir();
    const imported = await runCli(['servers', 'import', csv, '--data-dir', target]);
    expect(imported).toMatchObject({ code: 0, stdout: expect.stringContaining('3 created, 0 updated, 0 unchanged, 0 rejected') });
    expect((await savedServers(target)).map(portable)).toEqual((await savedServers(source)).map(portable));

    const file = join(tempDir(), 'out.csv');
    const toFile = await runCli(['servers', 'export', '--format', 'csv', '--out', file, '--data-dir', target]);
    expect(toFile).toMatchObject({ code: 0, stdout: '', stderr: `wrote 3 servers to ${file}\n` });
    expect(readFileSync(file, 'utf8')).toBe(exported.stdout);
  });

  it('answers an unknown command with exit code 2 and the usage', async () => {
    const result = await runCli(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("error: unknown command 'frobnicate'");
    expect(result.stderr).toMatch(/^Usage: guardian \[options\] \[command\]$/m);
    expect(result.stderr).toMatch(/^ {2}serve \[options\]/m);
  });

  it('prints the package version with --version', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string };
    const result = await runCli(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n` });
  });
});

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUp, CLI_TEST_TIMEOUT_MS, runCli, tempDir } from './testing/guardian';
import { sshFleet, type SshFleet } from './testing/ssh-fleet';

/**
 * `guardian runbook` as a script runs it: the built CLI, against two real sshd on 127.0.0.1.
 * A runbook imported from a file, listed, shown, run with parameters (live output under each
 * server's name, the summary, the exit code), the dangerous confirmation, export and re-import,
 * and a secret parameter found in no file of the data folder.
 */

const CANARY = `CANARY-cli-${createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 16)}`;
let fleet: SshFleet;

beforeAll(async () => {
  fleet = await sshFleet('guardian-cli-runbook');
}, 300_000);

afterAll(async () => {
  await fleet?.dispose();
  await cleanUp();
});

const cli = (...args: string[]) => runCli(['runbook', ...args, '--data-dir', fleet.dataDir]);
const run = (...args: string[]) => cli('run', ...args, '--vault-key-file', fleet.keyFile);

/** A runbook file as `runbook export` writes it. */
function runbookFile(runbook: Record<string, unknown>): string {
  const path = join(tempDir('guardian-cli-runbook-file-'), `${String(runbook.name)}.runbook.json`);
  writeFileSync(path, JSON.stringify({ format: 'guardian-runbook/1', version: 1, exportedAt: new Date().toISOString(), runbook }));
  return path;
}

describe('guardian runbook', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('imports, lists and shows a runbook, then runs it with parameters: output under each server’s name, a summary, exit 1 when a target failed', async () => {
    const imported = await cli(
      'import',
      runbookFile({
        name: 'restart',
        description: 'Restart a service',
        // web-2 exits 3: the last field of SSH_CONNECTION is the server's port.
        script: `echo "restarting $SERVICE x$COUNT on $WHERE"; [ "\${SSH_CONNECTION##* }" != "${fleet.web2.port}" ] || exit 3`,
        params: [
          { name: 'SERVICE', type: 'choice', options: ['nginx', 'redis'] },
          { name: 'COUNT', type: 'number', integer: true, min: 1, max: 3, default: 1 },
          { name: 'WHERE', type: 'server', field: 'name' },
        ],
        defaultTargets: { tags: ['web'] },
      }),
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toBe('restart: created, version 1\n');

    const list = await cli('list');
    expect(list.stdout).toMatch(/^NAME\s+VERSION\s+PARAMETERS\s+FLAGS\s+DESCRIPTION\nrestart\s+1\s+SERVICE,COUNT,WHERE\s+-\s+Restart a service\n$/);
    const shown = await cli('show', 'restart');
    expect(shown.stdout).toContain('SERVICE    choice, one of nginx, redis');
    expect(shown.stdout).toContain('COUNT      number, whole, min 1, max 3, default 1');

    const result = await run('restart', '--param', 'SERVICE=nginx', '--param', 'COUNT=2');
    expect(result.code, result.stderr).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toContain('web-1 | restarting nginx x2 on web-1');
    expect(lines).toContain('web-2 | restarting nginx x2 on web-2');
    const table = lines.slice(lines.findIndex((line) => line.startsWith('SERVER')));
    expect(table[1]).toMatch(/^web-1\s+succeeded\s+0\s+\d+\.\d s$/);
    expect(table[2]).toMatch(/^web-2\s+failed\s+3\s+\d+\.\d s\s+exited with 3$/);

    const one = await run('restart', '--on', 'server:web-1', '--param', 'SERVICE=redis', '--json');
    expect(one.code, one.stderr).toBe(0);
    const events = one.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; runbook?: unknown; text?: string });
    expect(events[0]).toMatchObject({ type: 'run', runbook: { name: 'restart', version: 1 }, params: { SERVICE: 'redis', COUNT: 1 } });
    expect(events.filter((event) => event.type === 'output').map((event) => event.text)).toEqual(['restarting redis x1 on web-1\n']);

    const invalid = await run('restart', '--param', 'SERVICE=apache', '--param', 'COUNT=9');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('params.SERVICE: One of nginx, redis');
    expect(invalid.stderr).toContain('params.COUNT: At most 3');
  });

  it('asks for the number of servers before a dangerous runbook, and exits 0 once every target succeeded', async () => {
    await cli('import', runbookFile({ name: 'purge', script: 'echo purged', dangerous: true, defaultTargets: { tags: ['web'] } }));
    const refused = await run('purge');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Runbook "purge" is marked dangerous and would run on 2 servers: confirm with 2.');
    const confirmed = await run('purge', '--confirm', '2');
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(confirmed.stdout).toMatch(/^web-1\s+succeeded/m);
    expect(confirmed.stdout).toMatch(/^web-2\s+succeeded/m);
  });

  it('runs a runbook in the batches it keeps, or in those --serial gives', async () => {
    // web-1 (first by name) fails.
    const script = `[ "\${SSH_CONNECTION##* }" != "${fleet.web1.port}" ] || exit 3`;
    const imported = await cli('import', runbookFile({ name: 'roll', script, defaultTargets: { tags: ['web'] }, rolling: { batchSize: 1 } }));
    expect(imported.code, imported.stderr).toBe(0);
    expect((await cli('show', 'roll')).stdout).toContain('rolling: batches of 1, stops past 0% failed');
    const own = await run('roll');
    expect(own.code).toBe(1);
    expect(own.stdout).toMatch(/^web-2\s+skipped\s+-\s+-\s+Not run: 1 of 2 targets failed by the end of batch 1 of 2, more than the 0% allowed$/m);
    const wider = await run('roll', '--serial', '2');
    expect(wider.code).toBe(1);
    expect(wider.stdout).toMatch(/^web-2\s+succeeded/m);
  });

  it('exports a version-stamped file that imports as a new version when changed, and unchanged otherwise', async () => {
    const exported = await cli('export', 'restart');
    expect(exported.code, exported.stderr).toBe(0);
    const file = JSON.parse(exported.stdout) as { format: string; version: number; runbook: { script: string } };
    expect(file).toMatchObject({ format: 'guardian-runbook/1', version: 1, runbook: { name: 'restart' } });
    const path = join(tempDir('guardian-cli-runbook-export-'), 'restart.runbook.json');
    writeFileSync(path, exported.stdout);
    expect((await cli('import', path)).stdout).toBe('restart: unchanged (the file says what the current version says), version 1\n');
    writeFileSync(path, JSON.stringify({ ...file, runbook: { ...file.runbook, script: 'echo changed' } }));
    expect((await cli('import', path)).stdout).toBe('restart: saved as a new version, version 2\n');
  });

  it('never writes a secret parameter to its output or the data folder', async () => {
    await cli(
      'import',
      runbookFile({
        name: 'with-signal',
        script: 'echo "signal=$SIGNAL"',
        params: [{ name: 'SIGNAL', type: 'string', secret: true }],
        defaultTargets: { tags: ['web'] },
      }),
    );
    const result = await run('with-signal', '--param', `SIGNAL=${CANARY}`);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('web-1 | signal=[redacted]');
    expect(`${result.stdout}${result.stderr}`).not.toContain(CANARY);
    const json = await run('with-signal', '--param', `SIGNAL=${CANARY}`, '--json');
    expect(json.stdout).toContain('"SIGNAL":"[redacted]"');
    expect(json.stdout).not.toContain(CANARY);
    const files = readdirSync(fleet.dataDir, { recursive: true, encoding: 'utf8' }).map((name) => join(fleet.dataDir, name));
    const holding = files.filter((file) => statSync(file).isFile() && readFileSync(file, 'latin1').includes(CANARY));
    expect(holding).toEqual([]);
    expect(files.some((file) => file.endsWith('guardian.db'))).toBe(true);
  });
});

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPaths } from '@core/paths';
import { pointInTime } from './cli-past-runs';
import { cleanUp, CLI_TEST_TIMEOUT_MS, runCli, tempDir } from './testing/guardian';
import { sshFleet, type SshFleet } from './testing/ssh-fleet';

/**
 * `guardian output search`, `guardian rerun` and `guardian runs list` as a script runs them: the
 * built CLI, against two real sshd on 127.0.0.1. A run prints a marker on both servers and fails
 * on one; the search finds it (in any case, on the servers named, in the window given), the failed
 * target is run again, and the list shows these runs and a push, filtered.
 */

const CANARY = `CANARY-rerun-${createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 16)}`;
let fleet: SshFleet;
let runId: string;

beforeAll(async () => {
  fleet = await sshFleet('guardian-cli-past-runs');
}, 300_000);

afterAll(async () => {
  await fleet?.dispose();
  await cleanUp();
});

const cli = (...args: string[]) => runCli([...args, '--data-dir', fleet.dataDir]);
const withKey = (...args: string[]) => cli(...args, '--vault-key-file', fleet.keyFile);

describe('guardian output search, guardian rerun and guardian runs list', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('finds the targets that printed a text, newest first, with the line around the match, narrowed by server and time', async () => {
    // web-2 prints the marker to stderr and exits 3: the last field of SSH_CONNECTION is the server's port.
    const script = `if [ "\${SSH_CONNECTION##* }" = "${fleet.web2.port}" ]; then echo "disk: Permission Denied here" >&2; exit 3; fi; echo "ok: permission denied twice"`;
    const started = await runCli(['run', '--data-dir', fleet.dataDir, '--vault-key-file', fleet.keyFile, '--on', 'tag:web', '--json', '--', script]);
    expect(started.code, started.stderr).toBe(1);
    expect(started.stdout, started.stderr).not.toBe('');
    runId = (JSON.parse(started.stdout.split('\n')[0] ?? '{}') as { id: string }).id;
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);

    const found = await cli('output', 'search', 'PERMISSION', 'denied');
    expect(found.code, found.stderr).toBe(0);
    const lines = found.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^STARTED\s+RUN\s+WHAT\s+SERVER\s+STATE\s+STREAM\s+LINE$/);
    // Newest run first, then by server id descending: both targets of the one run, in some order.
    expect(lines.slice(1)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`${runId}\\s+if \\[.*\\s+web-1\\s+succeeded\\s+stdout\\s+ok: »permission denied« twice$`)),
        expect.stringMatching(new RegExp(`${runId}\\s+if \\[.*\\s+web-2\\s+failed\\s+stderr\\s+disk: »Permission Denied« here$`)),
      ]),
    );
    expect(lines).toHaveLength(3);

    const one = await cli('output', 'search', 'permission denied', '--server', 'WEB-2', '--json');
    expect(one.code, one.stderr).toBe(0);
    const answer = JSON.parse(one.stdout) as { items: { serverName: string; runId: string; excerpt: unknown }[]; more: boolean };
    expect(answer.more).toBe(false);
    expect(answer.items).toEqual([
      expect.objectContaining({ runId, serverName: 'web-2', excerpt: { before: 'disk: ', match: 'Permission Denied', after: ' here' } }),
    ]);

    const limited = await cli('output', 'search', 'denied', '--limit', '1');
    expect(limited.stdout).toContain('More targets matched than 1: narrow with --since, --until or --server, or raise --limit.');
    expect((await cli('output', 'search', 'denied', '--since', '1h')).stdout.trimEnd().split('\n')).toHaveLength(3);
    expect((await cli('output', 'search', 'denied', '--until', '1h')).stdout).toBe('No stored output has it.\n');
    expect((await cli('output', 'search', 'nowhere-printed')).stdout).toBe('No stored output has it.\n');

    const unknown = await cli('output', 'search', 'denied', '--server', 'db-9');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('There is no server named "db-9".');
    const badTime = await cli('output', 'search', 'denied', '--since', 'yesterday');
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('a time ago (7d, 12h, 30m) or a date');
    const backwards = await cli('output', 'search', 'denied', '--since', '1h', '--until', '2h');
    expect(backwards.code).toBe(1);
    expect(backwards.stderr).toContain('since must be before until');
  });

  it('re-runs only the failed targets of a run, or all of them, following it live', async () => {
    const failed = await withKey('rerun', runId, '--failed');
    expect(failed.code).toBe(1);
    // What web-2 printed to stderr, under its name; web-1 did not run again.
    expect(failed.stderr.split('\n')).toContain('web-2 | disk: Permission Denied here');
    expect(`${failed.stdout}${failed.stderr}`).not.toMatch(/^web-1/m);
    expect(failed.stdout).toMatch(/^web-2\s+failed\s+3\s+\d+\.\d s\s+exited with 3$/m);

    const all = await withKey('rerun', runId, '--json');
    expect(all.code).toBe(1);
    const events = all.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; targets?: { serverName: string; state: string }[] });
    expect(events.at(-1)?.targets?.map((target) => `${target.serverName}:${target.state}`)).toEqual(['web-1:succeeded', 'web-2:failed']);

    const running = await withKey('rerun', '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d');
    expect(running.code).toBe(1);
    expect(running.stderr).toMatch(/not found|no run/i);
  });

  it('asks for a secret parameter again on a re-run, and never prints or stores it', async () => {
    const file = join(tempDir('guardian-cli-rerun-file-'), 'signal.runbook.json');
    const runbook = {
      name: 'signal',
      script: 'echo "signal=$SIGNAL"',
      params: [{ name: 'SIGNAL', type: 'string', secret: true }],
      defaultTargets: { tags: ['web'] },
    };
    writeFileSync(file, JSON.stringify({ format: 'guardian-runbook/1', version: 1, exportedAt: new Date().toISOString(), runbook }));
    expect((await cli('runbook', 'import', file)).code).toBe(0);
    const first = await withKey('runbook', 'run', 'signal', '--param', `SIGNAL=${CANARY}`, '--json');
    expect(first.code, first.stderr).toBe(0);
    const id = (JSON.parse(first.stdout.split('\n')[0] ?? '{}') as { id: string }).id;

    const refused = await withKey('rerun', id);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Guardian did not keep it; give it again');
    const again = await withKey('rerun', id, '--param', `SIGNAL=${CANARY}`);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('web-1 | signal=[redacted]');
    expect(`${first.stdout}${first.stderr}${again.stdout}${again.stderr}`).not.toContain(CANARY);
    // Nor is it found by a search, or in any file of the data folder.
    const found = await cli('output', 'search', CANARY.slice(0, 20));
    expect(found.stdout).toBe('No stored output has it.\n');
    const files = readdirSync(fleet.dataDir, { recursive: true, encoding: 'utf8' }).map((name) => join(fleet.dataDir, name));
    expect(files.filter((path) => statSync(path).isFile() && readFileSync(path, 'latin1').includes(CANARY))).toEqual([]);
  });

  it('lists the runs newest first with how they went, filtered by outcome, kind, who and since when', async () => {
    const file = join(tempDir('guardian-cli-runs-list-'), 'motd');
    writeFileSync(file, 'hello\n');
    const pushed = await withKey('push', '--on', 'server:web-1', '--json', file, `${file}.pushed`);
    expect(pushed.code, pushed.stderr).toBe(0);
    const pushId = (JSON.parse(pushed.stdout.split('\n')[0] ?? '{}') as { id: string }).id;

    const listed = await cli('runs', 'list');
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^STARTED\s+RUN\s+WHAT\s+STATUS\s+TARGETS\s+BY$/);
    // The push, the re-run with its secret, the runbook's run, the two re-runs, the first run: newest first.
    expect(lines).toHaveLength(7);
    const started = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z`;
    expect(lines[1]).toMatch(new RegExp(`^${started}\\s+${pushId}\\s+push ${file}\\.pushed \\(0644\\)\\s+succeeded\\s+1 succeeded\\s+command line$`));
    expect(lines[2]).toMatch(/\s+runbook signal v1\s+succeeded\s+2 succeeded\s+command line$/);
    expect(lines[6]).toMatch(new RegExp(`^${started}\\s+${runId}\\s+if \\[.*\\s+failed\\s+1 succeeded, 1 failed\\s+command line$`));

    type Listed = { items: { id: string; runbook: { name: string } | null; counts: { failed: number } }[] };
    const json = async (...args: string[]) => {
      const answer = await cli('runs', 'list', '--json', ...args);
      expect(answer.code, answer.stderr).toBe(0);
      return (JSON.parse(answer.stdout) as Listed).items;
    };
    const failed = await json('--outcome', 'failed');
    expect(failed).toHaveLength(3);
    expect(failed.at(-1)?.id).toBe(runId);
    expect(failed.every((run) => run.counts.failed > 0)).toBe(true);
    expect((await json('--outcome', 'succeeded')).map((run) => run.id)).toContain(pushId);
    expect((await json('--kind', 'push')).map((run) => run.id)).toEqual([pushId]);
    expect((await json('--kind', 'runbook')).map((run) => run.runbook?.name)).toEqual(['signal', 'signal']);
    expect(await json('--kind', 'command', '--outcome', 'succeeded')).toEqual([]);
    expect(await json('--since', '1h')).toHaveLength(6);
    expect(await json('--since', '2099-01-01')).toEqual([]);
    expect(await json('--by', 'system:local-owner')).toHaveLength(6);

    // An account's runs, by its username in any case: the CLI starts runs as itself, so the push is made hers in the database.
    const added = await runCli(['user', 'add', '--username', 'olivia', '--role', 'operator', '--password-stdin', '--data-dir', fleet.dataDir], {
      stdin: 'a long enough password for olivia 2026\n',
    });
    expect(added.code, added.stderr).toBe(0);
    const users = JSON.parse((await cli('user', 'list', '--json')).stdout) as { id: string; username: string }[];
    const olivia = users.find((user) => user.username === 'olivia')?.id;
    const sqlite = new Database(dataPaths(fleet.dataDir).database);
    sqlite.prepare('UPDATE operation_runs SET created_by = ? WHERE id = ?').run(`user:${olivia}`, pushId);
    sqlite.close();
    const hers = (await cli('runs', 'list', '--by', 'OLIVIA')).stdout.trimEnd().split('\n');
    expect(hers).toHaveLength(2);
    expect(hers[1]).toMatch(new RegExp(`\\s+${pushId}\\s+push .*\\s+olivia$`));
    expect((await cli('runs', 'list', '--by', 'olivia', '--kind', 'runbook')).stdout).toBe('No run matches.\n');

    const two = await cli('runs', 'list', '--limit', '2');
    expect(two.stdout.trimEnd().split('\n')).toHaveLength(3 + 2);
    expect(two.stdout).toContain('More runs matched than 2: narrow with the filters, or raise --limit.');

    const nobody = await cli('runs', 'list', '--by', 'nobody');
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('There is no user named "nobody".');
    const badOutcome = await cli('runs', 'list', '--outcome', 'broken');
    expect(badOutcome.code).toBe(2);
    expect(badOutcome.stderr).toContain('Allowed choices are running, succeeded, failed, cancelled');
    const tooMany = await cli('runs', 'list', '--limit', '501');
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toMatch(/limit/);
  });

  it('lists a runbook’s runs by its name or id, and the runs a server was a target of, by its name', async () => {
    type Listed = { items: { id: string; runbook: { id: string; name: string } | null; counts: { succeeded: number; failed: number } }[] };
    const json = async (...args: string[]) => {
      const answer = await cli('runs', 'list', '--json', ...args);
      expect(answer.code, answer.stderr).toBe(0);
      return (JSON.parse(answer.stdout) as Listed).items;
    };
    const all = await json();
    expect(all).toHaveLength(6);
    const signal = await json('--runbook', 'SIGNAL');
    expect(signal.map((run) => run.runbook?.name)).toEqual(['signal', 'signal']);
    expect((await json('--runbook', signal[0]?.runbook?.id ?? '')).map((run) => run.id)).toEqual(signal.map((run) => run.id));

    // The push went to web-1 alone, the failed target's re-run to web-2 alone; the rest to both.
    const pushId = all[0]?.id;
    const onWeb2 = await json('--server', 'WEB-2');
    expect(onWeb2.map((run) => run.id)).toEqual(all.filter((run) => run.id !== pushId).map((run) => run.id));
    const onWeb1 = await json('--server', 'web-1');
    expect(onWeb1).toHaveLength(5);
    const web2Only = all.find((run) => !onWeb1.some((each) => each.id === run.id));
    expect(web2Only?.counts).toMatchObject({ succeeded: 0, failed: 1 });
    expect((await json('--server', 'web-1', '--runbook', 'signal')).map((run) => run.id)).toEqual(signal.map((run) => run.id));
    expect(await json('--server', 'web-2', '--kind', 'push')).toEqual([]);

    const noRunbook = await cli('runs', 'list', '--runbook', 'nope');
    expect(noRunbook.code).toBe(1);
    expect(noRunbook.stderr).toContain('There is no runbook "nope".');
    expect(noRunbook.stderr).toContain('guardian runbook list');
    const noServer = await cli('runs', 'list', '--server', 'db-9');
    expect(noServer.code).toBe(1);
    expect(noServer.stderr).toContain('There is no server named "db-9".');
    expect(noServer.stderr).toContain('guardian servers list');
  });

  it('reads --since and --until as a time ago or a date', () => {
    const now = Date.UTC(2026, 11, 7, 12);
    expect(pointInTime('7d', now)).toBe(now - 7 * 86_400_000);
    expect(pointInTime('90m', now)).toBe(now - 90 * 60_000);
    expect(pointInTime('2026-12-01T09:00Z', now)).toBe(Date.UTC(2026, 11, 1, 9));
    expect(() => pointInTime('1500', now)).toThrow('a time ago');
    expect(() => pointInTime('2026-13-45', now)).toThrow('a time ago');
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestSshd } from '@core/testing/sshd';
import { cleanUp, CLI_TEST_TIMEOUT_MS, runCli, tempDir } from './testing/guardian';
import { sshFleet, type SshFleet } from './testing/ssh-fleet';

/**
 * `guardian run` as a script runs it: the built CLI, on a data dir whose vault is protected by a
 * key file, against two real sshd on 127.0.0.1. Live output prefixed with each server's name, a
 * summary table, the exit code, and --json one event per line.
 */

let fleet: SshFleet;
let web1: TestSshd;
let web2: TestSshd;
let dataDir: string;
let keyFile: string;

beforeAll(async () => {
  fleet = await sshFleet('guardian-cli-run');
  ({ web1, web2, dataDir, keyFile } = fleet);
}, 300_000);

afterAll(async () => {
  await fleet?.dispose();
  await cleanUp();
});

const run = (...args: string[]) => runCli(['run', '--data-dir', dataDir, '--vault-key-file', keyFile, ...args]);

describe('guardian run', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('prints each server’s output under its name and a summary, and exits 1 when a target failed', async () => {
    // web-2 exits 3: the last field of SSH_CONNECTION is the server's port.
    const result = await run('--on', 'tag:web', '--', `echo "up on $(whoami)"; echo careful >&2; [ "\${SSH_CONNECTION##* }" != "${web2.port}" ] || exit 3`);
    expect(result.code, result.stderr).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toContain(`web-1 | up on ${web1.user}`);
    expect(lines).toContain(`web-2 | up on ${web2.user}`);
    expect(result.stderr).toContain('web-1 | careful\n');
    const table = lines.slice(lines.findIndex((line) => line.startsWith('SERVER')));
    expect(table[0]).toMatch(/^SERVER\s+STATE\s+EXIT\s+DURATION\s+MESSAGE$/);
    expect(table[1]).toMatch(/^web-1\s+succeeded\s+0\s+\d+\.\d s$/);
    expect(table[2]).toMatch(/^web-2\s+failed\s+3\s+\d+\.\d s\s+exited with 3$/);
  });

  it('exits 0 when every target succeeded, selecting by server name and environment', async () => {
    const result = await run('--on', 'server:web-2', '--on', 'env:prod', '--', 'true');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^web-1\s+succeeded/m);
    expect(result.stdout).toMatch(/^web-2\s+succeeded/m);
  });

  it('streams one JSON event per line with --json', async () => {
    const result = await run('--on', 'server:web-1', '--json', '--', 'echo one; echo two');
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; state?: string; text?: string; status?: string });
    expect(events[0]?.type).toBe('run');
    expect(events.filter((event) => event.type === 'target').map((event) => event.state)).toEqual(['connecting', 'running', 'succeeded']);
    expect(
      events
        .filter((event) => event.type === 'output')
        .map((event) => event.text)
        .join(''),
    ).toBe('one\ntwo\n');
    expect(events.at(-1)).toMatchObject({ type: 'summary', status: 'finished' });
  });

  it('runs in batches with --serial and --max-fail: past the threshold the rest are skipped, never run, and the table says why', async () => {
    const marks = tempDir('guardian-cli-rolling-');
    // web-1 (batch 1 of 2) fails; web-2 would leave a marker file if it ran.
    const command = `P=\${SSH_CONNECTION##* }; touch "${marks}/ran-$P"; [ "$P" != "${web1.port}" ] || exit 3`;
    const result = await run('--on', 'tag:web', '--serial', '1', '--max-fail', '0', '--', command);
    expect(result.code, result.stderr).toBe(1);
    const why = '1 of 2 targets failed by the end of batch 1 of 2, more than the 0% allowed';
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('-- batch 1 of 2 --');
    expect(lines).not.toContain('-- batch 2 of 2 --');
    expect(lines.find((line) => line.startsWith('web-2 '))).toMatch(new RegExp(`^web-2\\s+skipped\\s+-\\s+-\\s+Not run: ${why}$`));
    expect(lines.at(-1)).toBe(`Stopped at the failure threshold: ${why}; 1 not run`);
    expect(existsSync(join(marks, `ran-${web1.port}`))).toBe(true);
    expect(existsSync(join(marks, `ran-${web2.port}`))).toBe(false);

    // 50% of 2 is 1 a batch; 1 failed of 2 is not more than 50%, so batch 2 runs.
    const half = await run('--on', 'tag:web', '--serial', '50%', '--max-fail', '50', '--json', '--', command);
    expect(half.code, half.stderr).toBe(1);
    const events = half.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; rolling?: unknown; stopReason?: unknown });
    expect(events[0]).toMatchObject({ type: 'run', rolling: { batchSize: '50%', maxFailPercent: 50, perBatch: 1, batches: 2 } });
    expect(events.at(-1)).toMatchObject({ type: 'summary', stopReason: null, counts: { failed: 1, succeeded: 1, skipped: 0 } });
    expect(existsSync(join(marks, `ran-${web2.port}`))).toBe(true);

    const bad = await run('--on', 'tag:web', '--serial', 'half', '--', 'true');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('a whole number of targets (2) or a percentage of them (25%)');
    const over = await run('--on', 'tag:web', '--serial', '2', '--max-fail', '120', '--', 'true');
    expect(over.code).toBe(1);
    expect(over.stderr).toContain('At most 100%');
    const alone = await run('--on', 'tag:web', '--max-fail', '10', '--', 'true');
    expect(alone.code).toBe(1);
    expect(alone.stderr).toContain('--max-fail needs --serial');
  });

  it('refuses without a key file, and a server name that does not exist, in words', async () => {
    const locked = await runCli(['run', '--data-dir', dataDir, '--on', 'tag:web', '--', 'true'], {
      env: { GUARDIAN_VAULT_KEY_FILE: '', CREDENTIALS_DIRECTORY: '' },
    });
    expect(locked.code).toBe(1);
    expect(locked.stderr).toContain('no key file was given');
    const unknown = await run('--on', 'server:nope', '--', 'true');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('There is no server named "nope"');
    const bad = await run('--on', 'rack:7', '--', 'true');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"rack:7" is not tag:NAME, env:NAME or server:NAME');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCast } from '@shared/operations/asciicast';
import { LOCAL_OWNER } from '@shared/permissions';
import { createCore } from '@core/app';
import { silentLogger } from '@core/logging/logger';
import { configuredKeyFile } from '@core/vault/keyfile';
import { cleanUp, CLI_TEST_TIMEOUT_MS, runCli } from './testing/guardian';
import { sshFleet, type SshFleet } from './testing/ssh-fleet';

/**
 * `guardian terminal recordings` and `guardian terminal play` as a script runs them: the built CLI
 * over a data dir where a terminal on a real sshd was opened, typed into and closed.
 */

let fleet: SshFleet;
let id = '';

beforeAll(async () => {
  fleet = await sshFleet('guardian-cli-terminal');
  const core = await createCore({ dataDir: fleet.dataDir, logger: silentLogger(), mode: 'headless', vaultKeyFile: configuredKeyFile(fleet.keyFile) });
  try {
    await core.vault.unlock({ kind: 'keyfile' });
    const printed: string[] = [];
    core.events.subscribe((name, payload) => {
      if (name === 'terminal.output') printed.push((payload as { data: string }).data);
    });
    const opened = await core.router.invoke(LOCAL_OWNER, 'terminal.open', { serverId: fleet.ids['web-1'], cols: 80, rows: 24 }, { origin: 'cli' });
    id = opened.id;
    await core.router.invoke(LOCAL_OWNER, 'terminal.input', { id, data: 'echo played-$((40+2))\n' }, { origin: 'cli' });
    const until = Date.now() + 30_000;
    while (!printed.join('').includes('played-42') && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    await core.router.invoke(LOCAL_OWNER, 'terminal.close', { id }, { origin: 'cli' });
  } finally {
    await core.close();
  }
}, 300_000);

afterAll(async () => {
  await fleet?.dispose();
  await cleanUp();
});

const cli = (...args: string[]) => runCli([...args, '--data-dir', fleet.dataDir]);

describe('guardian terminal', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('lists the recorded sessions, as a table and as JSON, narrowed to a server', async () => {
    const listed = await cli('terminal', 'recordings');
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^STARTED\s+ID\s+SERVER\s+OPENED BY\s+LENGTH\s+BYTES\s+ENDED$/);
    expect(lines[1]).toMatch(new RegExp(`${id}\\s+web-1\\s+local owner\\s+\\d+s\\s+\\d+\\s+closed$`));

    const json = await cli('terminal', 'recordings', '--server', 'WEB-1', '--json');
    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as { id: string }[]).map((item) => item.id)).toEqual([id]);
    const none = await cli('terminal', 'recordings', '--server', 'web-2');
    expect(none.stdout).toBe('No terminal session was recorded.\n');
    const unknown = await cli('terminal', 'recordings', '--server', 'nowhere');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('There is no server named "nowhere"');
  });

  it('plays a recording to stdout, at once or in real time, or prints the cast itself', async () => {
    const played = await cli('terminal', 'play', id);
    expect(played.code, played.stderr).toBe(0);
    expect(played.stdout).toContain('played-42');

    const timed = await cli('terminal', 'play', id, '--real-time', '--speed', '50');
    expect(timed.code, timed.stderr).toBe(0);
    expect(timed.stdout).toBe(played.stdout);

    const cast = await cli('terminal', 'play', id, '--cast');
    expect(cast.code, cast.stderr).toBe(0);
    expect(parseCast(cast.stdout)?.cols).toBe(80);

    const wrong = await cli('terminal', 'play', 'not-an-id');
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('is not a recording id');
    const missing = await cli('terminal', 'play', '00000000-0000-4000-8000-000000000001');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('There is no terminal recording');
  });
});

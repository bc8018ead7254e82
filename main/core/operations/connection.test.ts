import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationRunWithTargets, OutputChunk } from '@shared/api/operations';
import type { Server } from '@shared/api/servers';
import type { Core } from '../app';
import { CHEAP_SCRYPT, useTempCore } from '../testing/harness';
import { rowsOf } from '../testing/rows';
import { keygenFingerprint, TestSshd } from '../testing/sshd';
import { as, recordedCalls } from './testing/recorded-calls';

/**
 * How an operation's SSH connection behaves beyond running the command, against real OpenSSH on
 * 127.0.0.1: keepalives end the session of a host that stops answering (its sshd frozen with
 * SIGSTOP) in words, long before the run's timeout, and leave a quiet healthy one alone; Guardian's
 * SSH agent (a real ssh-agent holding a throwaway key) reaches a server only when its agent
 * forwarding is on, is said when missing, and is turned on only by roles that may run commands.
 * On both engines (the PostgreSQL project runs this file again).
 */

const env = useTempCore({ prefix: 'guardian-op-connection-', lazy: true, scope: 'all' });
/** Short keepalives, so a frozen host fails in about 2 s: the product's are 15 s x 3. */
const KEEPALIVE = { intervalMs: 500, countMax: 3 };

let sshd: TestSshd;
/** One whose sshd does not forward agents. */
let noForwarding: TestSshd;
/** A jump host, and a server reached through it, both logging the requests sshd gets (LogLevel DEBUG1). */
let bastion: TestSshd;
let behind: TestSshd;
let core: Core;
let agentDir: string;
let agent: ChildProcess | null = null;
/** What the agent holds: a throwaway key's fingerprint, as `ssh-add -l` prints it. */
let agentKeyFingerprint = '';
/** The agent socket Guardian's operations see; unset to prove the refusal. */
let agentSocket: string | undefined;
const ids = { frozen: '', forwards: '', plain: '', refuses: '', bastion: '', behind: '' };
const answers: string[] = [];
const { call, refusal } = recordedCalls(() => core, answers);

async function run(command: string, serverId: string, timeoutSeconds = 60): Promise<OperationRunWithTargets> {
  const started = await call<OperationRunWithTargets>('operations.run', { command, targets: { serverIds: [serverId] }, timeoutSeconds });
  return core.operations.waitFor(started.id);
}

const onlyTarget = (result: OperationRunWithTargets) => {
  const [target] = result.targets;
  if (!target) throw new Error('a run without a target');
  return target;
};

async function printedText(runId: string, serverId: string): Promise<string> {
  const { chunks } = await call<{ chunks: OutputChunk[] }>('operations.output', { id: runId, serverId });
  return chunks.map((chunk) => chunk.text).join('');
}

/** An audit row's details: JSON text on SQLite, already parsed on PostgreSQL. */
const detailsOf = (details: unknown) => (typeof details === 'string' ? JSON.parse(details) : details) as Record<string, unknown>;

/** The pids of every process under `pid`, children first found first. */
function descendants(pid: number): number[] {
  const found: number[] = [];
  const walk = (parent: number) => {
    const out = (() => {
      try {
        return execFileSync('pgrep', ['-P', String(parent)], { encoding: 'utf8' });
      } catch {
        return '';
      }
    })();
    for (const line of out.split('\n').filter(Boolean)) {
      const child = Number(line);
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

/** The sshd processes serving the connections sshd has now (not the listener): the ones a frozen host's network side lives in. */
function connectionSshds(server: TestSshd): number[] {
  const listener = Number(readFileSync(join(server.dir, 'sshd.pid'), 'utf8').trim());
  return descendants(listener).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('sshd');
    } catch {
      return false;
    }
  });
}

/** The sshd processes the keepalive test stopped (SIGSTOP): continued afterwards, whatever happened. */
const frozen: number[] = [];
function thaw(): void {
  for (const pid of frozen.splice(0)) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // Already gone.
    }
  }
}

beforeAll(async () => {
  const debug = { config: ['LogLevel DEBUG1'] };
  [sshd, noForwarding, bastion, behind] = await Promise.all([
    TestSshd.start(),
    TestSshd.start({ config: ['AllowAgentForwarding no'] }),
    TestSshd.start(debug),
    TestSshd.start(debug),
  ]);
  const key = sshd.clientKey();
  for (const other of [noForwarding, bastion, behind]) other.authorize(key);
  // A real agent with a throwaway key in it, on a socket of its own (never the developer's).
  agentDir = mkdtempSync(join(tmpdir(), 'guardian-agent-'));
  const socket = join(agentDir, 'agent.sock');
  agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  for (let waited = 0; !existsSync(socket); waited += 50) {
    if (waited > 10_000) throw new Error('ssh-agent did not make its socket within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const throwaway = join(agentDir, 'throwaway');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'guardian-agent-test', '-f', throwaway], { stdio: 'ignore' });
  execFileSync('ssh-add', [throwaway], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
  agentKeyFingerprint = keygenFingerprint(`${throwaway}.pub`);
  agentSocket = socket;

  core = await env.start({ vaultScryptCost: CHEAP_SCRYPT, operations: { sshKeepalive: KEEPALIVE, agentSocket: () => agentSocket } });
  await call('vault.init', { slot: { kind: 'passphrase', passphrase: 'a vault passphrase long enough' } });
  const server = async (name: string, more: Record<string, unknown> = {}) =>
    (await call<Server>('servers.create', { name, host: '127.0.0.1', port: sshd.port, user: sshd.user, monitor: false, ...more })).id;
  ids.frozen = await server('frozen');
  ids.forwards = await server('forwards', { agentForwarding: true });
  ids.plain = await server('plain');
  ids.refuses = await server('refuses', { port: noForwarding.port, agentForwarding: true });
  ids.bastion = await server('bastion', { port: bastion.port });
  ids.behind = await server('behind', { port: behind.port, jumpHostId: ids.bastion, agentForwarding: true });
  await call('secrets.create', {
    name: 'test key',
    value: { kind: 'ssh_key', privateKey: key.privateKey },
    serverIds: [ids.frozen, ids.forwards, ids.plain, ids.refuses, ids.bastion, ids.behind],
  });
}, 120_000);

afterAll(async () => {
  // Also when the test timed out before its own cleanup.
  thaw();
  agent?.kill('SIGTERM');
  await Promise.all([sshd, noForwarding, bastion, behind].map((each) => each?.dispose()));
  if (agentDir) rmSync(agentDir, { recursive: true, force: true });
});

describe('keepalives', () => {
  it('fail a target whose host stops answering mid-command, in words, long before the run times out', async () => {
    const started = await call<OperationRunWithTargets>('operations.run', {
      command: 'echo started; sleep 60',
      targets: { serverIds: [ids.frozen] },
      timeoutSeconds: 60,
    });
    // Running: the command printed, so the connection is up and its sshd processes are there.
    for (let attempt = 0; attempt < 200; attempt++) {
      const now = await call<OperationRunWithTargets>('operations.get', { id: started.id });
      if (onlyTarget(now).state === 'running' && connectionSshds(sshd).length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    frozen.push(...connectionSshds(sshd));
    expect(frozen.length).toBeGreaterThan(0);
    const since = Date.now();
    try {
      // The host is still there (its TCP stack answers), but nothing on it replies: a hung machine.
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
      const result = await core.operations.waitFor(started.id);
      const tookMs = Date.now() - since;
      expect(onlyTarget(result)).toMatchObject({
        state: 'failed',
        message: `the connection to 127.0.0.1:${sshd.port} stopped answering (no reply to 3 keepalives, one every 500 ms)`,
      });
      // About (3 + 1) x 500 ms; the run's timeout is 60 s.
      expect(tookMs).toBeLessThan(10_000);
      console.info(`a frozen host failed its target ${tookMs} ms after it stopped answering`);
    } finally {
      thaw();
    }
  }, 30_000);

  it('leave a healthy host that prints nothing for several keepalive intervals alone', async () => {
    const result = await run('sleep 3; echo still here', ids.plain);
    expect(onlyTarget(result)).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(await printedText(result.id, ids.plain)).toBe('still here\n');
  }, 30_000);
});

describe('agent forwarding', () => {
  it('reaches a server only when its agent forwarding is on', async () => {
    const on = await run('ssh-add -l', ids.forwards);
    expect(onlyTarget(on)).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(await printedText(on.id, ids.forwards)).toContain(agentKeyFingerprint);

    // Off (the default): the command finds no agent at all.
    const off = await run('ssh-add -l', ids.plain);
    expect(onlyTarget(off)).toMatchObject({ state: 'failed', exitCode: 2 });
    const said = await printedText(off.id, ids.plain);
    expect(said).toContain('Could not open a connection to your authentication agent');
    expect(said).not.toContain(agentKeyFingerprint);
  }, 30_000);

  it('reaches a server behind a jump host, and is never asked of the jump host', async () => {
    const result = await run('ssh-add -l', ids.behind);
    expect(onlyTarget(result)).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(await printedText(result.id, ids.behind)).toContain(agentKeyFingerprint);
    // sshd logs each channel request it gets: the target got the agent request, the jump host none (it only carried the tunnel).
    const request = 'auth-agent-req@openssh.com';
    expect(behind.output()).toContain(request);
    expect(bastion.output()).toContain('direct-tcpip');
    expect(bastion.output()).not.toContain(request);
  }, 30_000);

  it('fails the target in words when forwarding is on and Guardian has no agent, rather than running without it', async () => {
    agentSocket = undefined;
    try {
      const result = await run('echo ran', ids.forwards);
      expect(onlyTarget(result)).toMatchObject({ state: 'failed', exitCode: null });
      expect(onlyTarget(result).message).toMatch(/^agent forwarding is on for forwards, but Guardian has no SSH agent to forward \(SSH_AUTH_SOCK is not set/);
      expect(await printedText(result.id, ids.forwards)).toBe('');
    } finally {
      agentSocket = join(agentDir, 'agent.sock');
    }
  }, 30_000);

  it('says so when the server’s sshd refuses to forward the agent, and does not run the command', async () => {
    const result = await run('echo ran', ids.refuses);
    expect(onlyTarget(result)).toMatchObject({
      state: 'failed',
      exitCode: null,
      message:
        'refuses refused agent forwarding (its sshd has AllowAgentForwarding no, or the key’s authorized_keys line says no-agent-forwarding); the command did not run',
    });
    expect(await printedText(result.id, ids.refuses)).toBe('');
  }, 30_000);

  it('is turned on only by roles that may run commands, moving a server turns it off, and changes are audited', async () => {
    for (const role of ['operator'] as const) {
      const refused = await refusal('servers.update', { id: ids.plain, agentForwarding: true }, as(role));
      expect(refused).toMatchObject({ code: 'PERMISSION_DENIED', issues: [{ path: ['agentForwarding'] }] });
      const created = await refusal('servers.create', { name: 'sneaky', host: '127.0.0.1', monitor: false, agentForwarding: true }, as(role));
      expect(created.code).toBe('PERMISSION_DENIED');
      // Moving a server that forwards the agent sends it elsewhere: refused too, while the flag is kept on.
      const moved = await refusal('servers.update', { id: ids.forwards, host: '127.0.0.9', agentForwarding: true }, as(role));
      expect(moved.code).toBe('PERMISSION_DENIED');
      // Editing another field of such a server, the form sending the flag as it is, is fine.
      await call('servers.update', { id: ids.forwards, notes: 'edited by an operator', agentForwarding: true }, as(role));
    }
    for (const role of ['viewer', 'auditor'] as const) {
      expect((await refusal('servers.update', { id: ids.plain, agentForwarding: true }, as(role))).code).toBe('PERMISSION_DENIED');
    }
    expect((await call<Server>('servers.get', { id: ids.plain })).agentForwarding).toBe(false);

    const turnedOn = await call<Server>('servers.update', { id: ids.plain, agentForwarding: true }, as('admin'));
    expect(turnedOn.agentForwarding).toBe(true);
    // An operator may move it, which turns forwarding off (it was allowed for the old address).
    const movedOff = await call<Server>('servers.update', { id: ids.plain, port: sshd.port + 1 }, as('operator'));
    expect(movedOff.agentForwarding).toBe(false);
    await call('servers.update', { id: ids.plain, port: sshd.port }, as('admin'));

    const audited = await rowsOf(core).all<{ actor: string; outcome: string; details: unknown }>(
      "SELECT actor, outcome, details FROM audit_events WHERE action = 'servers.update' AND target = ? ORDER BY seq",
      `server:${ids.plain}`,
    );
    expect(audited.some((row) => row.outcome === 'ok' && row.actor === 'user:admin-1' && detailsOf(row.details).agentForwarding === true)).toBe(true);
    expect(audited.some((row) => row.outcome !== 'ok' && row.actor === 'user:operator-1')).toBe(true);
  }, 30_000);
});

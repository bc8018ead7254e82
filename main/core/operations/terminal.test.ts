import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { events as eventDefs, mayHear, type EventName } from '@shared/api';
import type { OpenTerminal, TerminalRecording } from '@shared/api/terminal';
import { parseCast } from '@shared/operations/asciicast';
import { LOCAL_OWNER, type Audience, type Principal } from '@shared/permissions';
import type { Core } from '../app';
import { CHEAP_SCRYPT, success, useTempCore } from '../testing/harness';
import { rowsOf } from '../testing/rows';
import { TestSshd } from '../testing/sshd';
import { as, recordedCalls } from './testing/recorded-calls';

/**
 * The terminal against a real OpenSSH server: a shell with a pty opened with the server's vault
 * key, a command typed and its output heard, a resize the remote pty follows, a password typed at
 * a `read -s` prompt that the recording never holds, the remote shell gone once closed (looked for
 * over a second connection), the recording stored as asciicast v2 with the SHA-256 its audit event
 * names, another caller refused, a terminal whose owner is gone closed by the sweep, and the
 * roles. On both engines (the PostgreSQL project runs this file again).
 */

const env = useTempCore({ prefix: 'guardian-terminal-', lazy: true, scope: 'all' });
/** A second core whose terminals close after 1.5 s without input. */
const idleEnv = useTempCore({ prefix: 'guardian-terminal-idle-', lazy: true, scope: 'all' });
const PASSPHRASE = 'a vault passphrase long enough';
const TYPED_CANARY = `CANARY-typed-${createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 16)}`;

let sshd: TestSshd;
let core: Core;
let serverId = '';
const answers: string[] = [];
const heard: { name: EventName; payload: unknown; audience: Audience | undefined }[] = [];
const { call, refusal } = recordedCalls(() => core, answers);

/** What a terminal printed so far, as its opener heard it. */
const printedBy = (id: string, principal: Principal = LOCAL_OWNER) =>
  heard
    .filter(
      ({ name, payload, audience }) => name === 'terminal.output' && (payload as { id: string }).id === id && mayHear(principal, eventDefs[name], audience),
    )
    .map(({ payload }) => (payload as { data: string }).data)
    .join('');

async function until(what: string, test: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`never: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const type = (id: string, data: string, principal: Principal = LOCAL_OWNER) => call('terminal.input', { id, data }, principal);

/**
 * Waits until the shell answers: a terminal is never closed while its login shell still starts,
 * which would kill what the login's rc files run half-way (pyenv's rehash then leaves its lock
 * behind, and every later login on the machine waits a minute for it).
 */
async function ready(id: string, principal: Principal = LOCAL_OWNER): Promise<void> {
  await type(id, 'echo ready-$((20+1))\n', principal);
  await until('the shell answered', () => printedBy(id, principal).includes('ready-21'));
}

/** Over a new connection (an operation run): whether a process whose command line holds `marker` still runs, bounded. */
async function stillRunning(marker: string): Promise<boolean> {
  const pattern = `${marker.slice(0, -1)}[${marker.slice(-1)}]`;
  for (let attempt = 0; attempt < 16; attempt++) {
    const started = await call<{ id: string }>('operations.run', {
      command: `pgrep -f '${pattern}' >/dev/null && echo alive || echo gone`,
      targets: { serverIds: [serverId] },
    });
    await core.operations.waitFor(started.id);
    const output = await call<{ chunks: { text: string }[] }>('operations.output', { id: started.id, serverId });
    if (
      output.chunks
        .map((chunk) => chunk.text)
        .join('')
        .trim() === 'gone'
    )
      return false;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return true;
}

beforeAll(async () => {
  sshd = await TestSshd.start();
  const key = sshd.clientKey();
  core = await env.start({ vaultScryptCost: CHEAP_SCRYPT, terminals: { sweepMs: 200 } });
  core.events.subscribe((name, payload, audience) => heard.push({ name, payload, audience }));
  await call('vault.init', { slot: { kind: 'passphrase', passphrase: PASSPHRASE } });
  serverId = (await call<{ id: string }>('servers.create', { name: 'shell-a', host: '127.0.0.1', port: sshd.port, user: sshd.user, monitor: false })).id;
  await call('secrets.create', { name: 'shell key', value: { kind: 'ssh_key', privateKey: key.privateKey }, serverIds: [serverId] });
}, 120_000);

afterAll(async () => {
  await sshd?.dispose();
});

describe('the terminal over real SSH', () => {
  it('runs what is typed, follows a resize, never records what is typed, and ends the remote shell when closed', async () => {
    const opened = await call<OpenTerminal>('terminal.open', { serverId, cols: 80, rows: 24 });
    expect(opened).toMatchObject({ serverId, serverName: 'shell-a', address: `127.0.0.1:${sshd.port}` });

    await type(opened.id, 'echo hello-$((6*7))\n');
    await until('hello-42 printed', () => printedBy(opened.id).includes('hello-42'));

    await call('terminal.resize', { id: opened.id, cols: 100, rows: 30 });
    await type(opened.id, 'echo size-$(stty size | tr " " x)\n');
    await until('the new size printed', () => printedBy(opened.id).includes('size-30x100'));

    // A password typed at a prompt that does not echo: it reaches the shell (its length is printed), never the recording.
    await type(opened.id, 'read -s secret; echo length-${#secret}\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await type(opened.id, `${TYPED_CANARY}\n`);
    await until('the secret’s length printed', () => printedBy(opened.id).includes(`length-${TYPED_CANARY.length}`));

    // A process of this shell's, to look for after the close.
    const marker = `guardian-term-${opened.id.slice(0, 8)}`;
    await type(opened.id, `sh -c 'sleep 600; :' ${marker}\n`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await stillRunning(marker)).toBe(true);

    await call('terminal.close', { id: opened.id });
    expect(heard.some(({ name, payload }) => name === 'terminal.closed' && (payload as { id: string; reason: string }).id === opened.id)).toBe(true);
    expect(await stillRunning(marker)).toBe(false);
    // Closed means gone: no more input.
    expect((await refusal('terminal.input', { id: opened.id, data: 'ls\n' })).code).toBe('NOT_FOUND');

    // The recording: asciicast v2, the output in it, the typed canary nowhere.
    const { items } = await call<{ items: TerminalRecording[] }>('terminal.recordings', { serverId });
    const listed = items.find((item) => item.id === opened.id);
    expect(listed).toMatchObject({ serverName: 'shell-a', endReason: 'closed', openedBy: 'system:local-owner', cols: 100, rows: 30, truncated: false });
    const recording = await call<TerminalRecording & { asciicast: string }>('terminal.recording', { id: opened.id });
    const [header] = recording.asciicast.split('\n');
    expect(JSON.parse(header ?? '')).toMatchObject({ version: 2, width: 80, height: 24, env: { TERM: 'xterm-256color' } });
    const cast = parseCast(recording.asciicast);
    expect(cast?.events.length).toBeGreaterThan(0);
    expect(cast?.events.every((event) => event.code === 'o' || event.code === 'r')).toBe(true);
    expect(cast?.events.some((event) => event.code === 'r' && event.data === '100x30')).toBe(true);
    const output =
      cast?.events
        .filter((event) => event.code === 'o')
        .map((event) => event.data)
        .join('') ?? '';
    expect(output).toContain('hello-42');
    expect(output).toContain(`length-${TYPED_CANARY.length}`);
    expect(recording.asciicast).not.toContain(TYPED_CANARY);
    const times = cast?.events.map((event) => event.time) ?? [];
    expect(times).toEqual([...times].sort((x, y) => x - y));

    // Audited: opened (who, which terminal, which server), closed with duration, bytes and the recording's SHA-256.
    const audit = await rowsOf(core).all<{ action: string; outcome: string; target: string; details: string }>(
      "SELECT action, outcome, target, details FROM audit_events WHERE target = ? AND action LIKE 'terminal.%' ORDER BY seq",
      `terminal:${opened.id}`,
    );
    expect(audit.map((row) => `${row.action}:${row.outcome}`)).toEqual(['terminal.open:ok', 'terminal.closed:ok']);
    expect(JSON.parse(audit[0]?.details ?? '{}')).toMatchObject({ serverId });
    const closed = JSON.parse(audit[1]?.details ?? '{}') as Record<string, unknown>;
    expect(closed).toMatchObject({ serverId, reason: 'closed', recordingBytes: Buffer.byteLength(recording.asciicast), outputBytes: recording.outputBytes });
    expect(closed.sha256).toBe(createHash('sha256').update(recording.asciicast).digest('hex'));
    expect(recording.sha256).toBe(closed.sha256);
    expect(closed.durationMs).toBeGreaterThan(0);

    // What was typed was never stored, audited or answered.
    expect(JSON.stringify(await rowsOf(core).all('SELECT details FROM audit_events'))).not.toContain(TYPED_CANARY);
    expect(answers.join('\n')).not.toContain(TYPED_CANARY);
  }, 120_000);

  it('is its opener’s alone: another user, or the same user signed in elsewhere, can neither type into it nor hear it', async () => {
    const owner: Principal = { ...LOCAL_OWNER };
    const opened = await call<OpenTerminal>('terminal.open', { serverId, cols: 80, rows: 24 }, owner);
    await type(opened.id, 'echo mine-$((2+3))\n', owner);
    await until('mine-5 printed', () => printedBy(opened.id).includes('mine-5'));

    const otherAdmin: Principal = { kind: 'user', id: 'another-admin', name: 'another admin', role: 'admin', sessionId: 's-1' };
    const sameElsewhere: Principal = { kind: 'system', id: 'local-owner', name: 'local owner', role: 'owner', sessionId: 'another-session' };
    for (const intruder of [otherAdmin, sameElsewhere]) {
      expect((await refusal('terminal.input', { id: opened.id, data: 'touch /tmp/pwned\n' }, intruder)).code).toBe('NOT_FOUND');
      expect((await refusal('terminal.resize', { id: opened.id, cols: 40, rows: 10 }, intruder)).code).toBe('NOT_FOUND');
      expect((await refusal('terminal.close', { id: opened.id }, intruder)).code).toBe('NOT_FOUND');
      // Its output was emitted addressed to the opener: the transports' check (mayHear) lets nobody else hear it.
      expect(printedBy(opened.id, intruder)).toBe('');
    }
    expect(printedBy(opened.id, owner)).toContain('mine-5');
    await call('terminal.close', { id: opened.id }, owner);
  }, 60_000);

  it('is closed by the sweep once its opener may no longer use it (signed out, demoted, disabled)', async () => {
    const account = await core.accounts.create(LOCAL_OWNER, { username: 'gina', password: 'violet tulips at dawn', role: 'admin', mustChangePassword: false });
    const gina: Principal = { kind: 'user', id: account.id, name: 'gina', role: 'admin' };
    const opened = await call<OpenTerminal>('terminal.open', { serverId, cols: 80, rows: 24 }, gina);
    await ready(opened.id, gina);
    // Still allowed: the sweep leaves it open.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(heard.some(({ name, payload }) => name === 'terminal.closed' && (payload as { id: string }).id === opened.id)).toBe(false);
    await core.accounts.setDisabled(LOCAL_OWNER, account.id, true);
    await until('closed as signed out', () =>
      heard.some(
        ({ name, payload }) =>
          name === 'terminal.closed' && (payload as { id: string; reason: string }).id === opened.id && (payload as { reason: string }).reason === 'signed-out',
      ),
    );
    const recording = await call<TerminalRecording>('terminal.recording', { id: opened.id });
    expect(recording.endReason).toBe('signed-out');
  }, 60_000);

  it('ends when the shell exits, recorded as disconnected', async () => {
    const opened = await call<OpenTerminal>('terminal.open', { serverId, cols: 80, rows: 24 });
    await type(opened.id, 'exit\n');
    await until('closed as disconnected', () =>
      heard.some(({ name, payload }) => name === 'terminal.closed' && (payload as { id: string; reason: string }).id === opened.id),
    );
    expect((await call<TerminalRecording>('terminal.recording', { id: opened.id })).endReason).toBe('disconnected');
    expect((await refusal('terminal.input', { id: opened.id, data: 'ls\n' })).code).toBe('NOT_FOUND');
  }, 60_000);

  it('closes a terminal nobody typed in for the idle limit', async () => {
    const idleCore = await idleEnv.start({ vaultScryptCost: CHEAP_SCRYPT, terminals: { idleMs: 1_500, sweepMs: 100 } });
    const closed: { id: string; reason: string; message: string }[] = [];
    let printed = '';
    idleCore.events.subscribe((name, payload) => {
      if (name === 'terminal.closed') closed.push(payload as { id: string; reason: string; message: string });
      if (name === 'terminal.output') printed += (payload as { data: string }).data;
    });
    const invoke = async <T>(name: string, input: unknown) => success<T>(await idleCore.router.call(LOCAL_OWNER, name, input, { origin: 'test' }));
    await invoke('vault.init', { slot: { kind: 'passphrase', passphrase: PASSPHRASE } });
    const idleServer = await invoke<{ id: string }>('servers.create', {
      name: 'shell-idle',
      host: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
      monitor: false,
    });
    await invoke('secrets.create', { name: 'idle key', value: { kind: 'ssh_key', privateKey: sshd.clientKey().privateKey }, serverIds: [idleServer.id] });
    const opened = await invoke<OpenTerminal>('terminal.open', { serverId: idleServer.id, cols: 80, rows: 24 });
    await invoke('terminal.input', { id: opened.id, data: 'echo ready-$((20+1))\n' });
    // Kept busy (a resize counts as use) until the shell has answered, however long its login takes on a loaded machine.
    let active = Date.now();
    for (const end = Date.now() + 30_000; !printed.includes('ready-21') && Date.now() < end;) {
      active = Date.now();
      await invoke('terminal.resize', { id: opened.id, cols: 80, rows: 24 });
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(printed).toContain('ready-21');
    await until('closed as idle', () => closed.some((each) => each.id === opened.id && each.reason === 'idle'));
    expect(Date.now() - active).toBeGreaterThanOrEqual(1_500);
    expect(closed.find((each) => each.id === opened.id)?.message).toBe('The terminal on shell-idle was closed after 2 seconds without input.');
    expect((await invoke<TerminalRecording>('terminal.recording', { id: opened.id })).endReason).toBe('idle');
  }, 60_000);

  it('refuses what is not allowed, with the stable codes', async () => {
    for (const role of ['operator', 'viewer', 'auditor'] as const) {
      const refused = await refusal('terminal.open', { serverId, cols: 80, rows: 24 }, as(role));
      expect(refused.code).toBe('PERMISSION_DENIED');
      expect(refused.hint).toContain('terminal:open');
    }
    // An admin's API key limited to reading: no terminal:open.
    const key: Principal = { kind: 'apiKey', id: 'key-1', name: 'read key', role: 'admin', permissions: ['servers:read'] };
    expect((await refusal('terminal.open', { serverId, cols: 80, rows: 24 }, key)).code).toBe('PERMISSION_DENIED');
    expect((await refusal('terminal.recordings', {}, as('viewer'))).code).toBe('PERMISSION_DENIED');
    expect((await refusal('terminal.recordings', {}, as('operator'))).code).toBe('PERMISSION_DENIED');
    expect((await call<{ items: unknown[] }>('terminal.recordings', {}, as('auditor'))).items.length).toBeGreaterThan(0);

    // Bounded input, sizes and ids, each refusal naming its field.
    const big = await refusal('terminal.input', { id: '00000000-0000-4000-8000-000000000001', data: 'x'.repeat(65_537) });
    expect(big).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(big.issues?.[0]?.path).toEqual(['data']);
    expect((await refusal('terminal.open', { serverId, cols: 1000, rows: 24 })).issues?.[0]?.path).toEqual(['cols']);
    expect((await refusal('terminal.open', { serverId: 'nope' })).issues?.[0]?.path).toEqual(['serverId']);
    expect((await refusal('terminal.recording', { id: '00000000-0000-4000-8000-000000000001' })).code).toBe('NOT_FOUND');

    // At most four at once per caller.
    const open: string[] = [];
    for (let index = 0; index < 4; index++) {
      const { id } = await call<OpenTerminal>('terminal.open', { serverId, cols: 80, rows: 24 });
      await ready(id);
      open.push(id);
    }
    const fifth = await refusal('terminal.open', { serverId, cols: 80, rows: 24 });
    expect(fifth.code).toBe('CONFLICT');
    expect(fifth.hint).not.toBe('');
    for (const id of open) await call('terminal.close', { id });
  }, 120_000);

  it('refuses a server whose host key changed, and audits it', async () => {
    // Pinned by a first terminal, then the server comes back with another key.
    const first = await call<OpenTerminal>('terminal.open', { serverId, cols: 80, rows: 24 });
    await ready(first.id);
    await call('terminal.close', { id: first.id });
    await sshd.restart({ newHostKey: true });
    const refused = await refusal('terminal.open', { serverId, cols: 80, rows: 24 });
    expect(refused.code).toBe('HOST_KEY_MISMATCH');
    // Audited in a turn of its own once the refused call's transaction is over, so the refusal can
    // reach the caller first (on PostgreSQL, on another pooled connection): looked for a few times.
    await vi.waitFor(
      async () => {
        const audit = await rowsOf(core).all<{ action: string; target: string }>(
          "SELECT action, target FROM audit_events WHERE action = 'terminal.hostKeyRefused'",
        );
        expect(audit).toEqual([{ action: 'terminal.hostKeyRefused', target: `server:${serverId}` }]);
      },
      { timeout: 5_000, interval: 50 },
    );
  }, 60_000);
});

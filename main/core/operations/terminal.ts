import type { Client, ClientChannel } from 'ssh2';
import { AppError } from '@shared/api/errors';
import type { Server } from '@shared/api/servers';
import {
  RECORDING_CAP_BYTES,
  TERMINAL_IDLE_MS,
  TERMINALS_PER_USER,
  type OpenTerminal,
  type TerminalEndReason,
  type TerminalRecording,
} from '@shared/api/terminal';
import { audienceOf, isAudience, type Audience, type Principal } from '@shared/permissions';
import { actorName } from '../api/caller';
import type { AuditEntry } from '../audit';
import type { Clock } from '../clock';
import type { AsyncDatabase } from '../db/engine';
import type { EventBus } from '../events/bus';
import { hostPort, jumpRoute, serverLogin, withSshSession, type CheckContext, type CheckResult, type HostKeyStore, type SshKeepalive } from '../health';
import type { Logger } from '../logging/logger';
import type { ServerService } from '../servers';
import type { SecretStore } from '../vault';
import { AsciicastRecorder } from './asciicast';
import { TerminalStore } from './terminal-store';

/**
 * Interactive shells on servers (docs/operations.md, "Terminal"): one SSH session each, through
 * the same connection rules as a run's targets (withSshSession: the linked vault credential, the
 * pinned host key, jump hosts, keepalives), with a pty. What the shell prints goes, batched, to
 * the caller who opened it alone (terminal.output, an addressed event) and into an asciicast
 * recording; what is typed goes only to the shell. A session ends when its owner closes it, after
 * TERMINAL_IDLE_MS without input, when its owner's session or rights are gone, when the connection
 * drops, or when Guardian stops; then its recording is stored and audited.
 */

export interface TerminalDeps {
  data: AsyncDatabase;
  events: EventBus;
  clock: Clock;
  newId: () => string;
  logger: Logger;
  servers: Pick<ServerService, 'get' | 'all'>;
  secrets: Pick<SecretStore, 'list' | 'use'>;
  hostKeys: HostKeyStore;
  audit: { append(entries: readonly AuditEntry[]): Promise<unknown> };
  allowMetadata: () => boolean;
  /** Whether the caller who opened a terminal may still use it (signed in, not demoted, key not revoked). */
  stillAllowed: (principal: Principal) => Promise<boolean>;
  sshKeepalive?: SshKeepalive;
  /** Overrides for tests: the idle limit, how often sessions are looked over, the live batching. */
  idleMs?: number;
  sweepMs?: number;
  flushMs?: number;
}

/** How long connecting and logging in may take. */
const CONNECT_TIMEOUT_MS = 20_000;
/** The longest a terminal may stay open, idle or not: a sign-in's absolute limit. */
const LONGEST_MS = 12 * 3_600_000;
const SWEEP_MS = 10_000;
const FLUSH_MS = 20;
/** Output waiting for its batch past which the shell is paused until the batch has gone (ssh2's window does the rest). */
const LIVE_PAUSE_BYTES = 1024 * 1024;

interface Terminal {
  id: string;
  principal: Principal;
  audience: Audience;
  server: Server;
  address: string;
  startedAt: number;
  cols: number;
  rows: number;
  channel: ClientChannel;
  recorder: AsciicastRecorder;
  lastInputAt: number;
  /** Aborting it ends the SSH session. */
  controller: AbortController;
  /** Why it is ending, once known. */
  reason: TerminalEndReason | null;
  pending: string;
  timer: ReturnType<typeof setTimeout> | null;
  /** When output last went out (monotonic ms). */
  flushedAt: number;
  /** Resolves once its recording is stored. */
  ended: Promise<void>;
}

export class TerminalService {
  private readonly open = new Map<string, Terminal>();
  private readonly store: TerminalStore;
  private sweeper: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly deps: TerminalDeps) {
    this.store = new TerminalStore(deps.data);
  }

  /** Looks over the open terminals every few seconds: idle ones and those whose owner may no longer use them are closed. */
  start(): void {
    this.sweeper ??= setInterval(() => void this.sweep(), this.deps.sweepMs ?? SWEEP_MS);
    this.sweeper.unref();
  }

  /** Closes every terminal (Guardian stopping) and waits for their recordings. */
  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    await Promise.all([...this.open.values()].map((terminal) => this.end(terminal, 'shutdown')));
  }

  /** How many terminals are open now (all callers). */
  get count(): number {
    return this.open.size;
  }

  async openTerminal(principal: Principal, input: { serverId: string; cols: number; rows: number }): Promise<OpenTerminal> {
    const audience = audienceOf(principal);
    const mine = [...this.open.values()].filter((terminal) => terminal.principal.kind === principal.kind && terminal.principal.id === principal.id);
    if (mine.length >= TERMINALS_PER_USER) {
      throw new AppError('CONFLICT', `You already have ${mine.length} terminals open; ${TERMINALS_PER_USER} at once is the most.`, {
        hint: 'Close one of them (terminal.close, or its tab) and open this one again.',
      });
    }
    const server = await this.deps.servers.get(input.serverId);
    const id = this.deps.newId();
    const usedBy = `terminal:${id}`;
    const address = hostPort(server.host, server.port);
    const login = await serverLogin(this.deps.secrets, server, usedBy);
    if (typeof login === 'string') throw cannotOpen(server, login, 'Link one password or SSH key to the server in the vault (Vault → the secret → Servers).');

    const controller = new AbortController();
    const connectTimer = setTimeout(() => controller.abort(), CONNECT_TIMEOUT_MS);
    const ctx: CheckContext = {
      signal: controller.signal,
      timeoutMs: LONGEST_MS,
      now: this.deps.clock.now,
      hostKeys: this.deps.hostKeys,
      allowMetadata: this.deps.allowMetadata(),
      ...(this.deps.sshKeepalive ? { sshKeepalive: this.deps.sshKeepalive } : {}),
      jumps: async () => {
        if (server.jumpHostId === null) return [];
        const all = new Map((await this.deps.servers.all({})).map((each) => [each.id, each]));
        return jumpRoute(server, (jumpId) => all.get(jumpId), this.deps.secrets, usedBy);
      },
    };

    let opened: ((terminal: Terminal) => void) | undefined;
    const ready = new Promise<Terminal>((resolve) => (opened = resolve));
    let closed: () => void = () => undefined;
    const session = withSshSession(server.host, server.port, ctx, login, async (ssh) => {
      const channel = await openShell(ssh.client, input.cols, input.rows).catch((error: unknown) =>
        error instanceof Error ? error : new Error(String(error)),
      );
      if (channel instanceof Error) return { status: 'down', latencyMs: null, message: `it refused a shell (${channel.message})` };
      clearTimeout(connectTimer);
      const startedAt = this.deps.clock.now();
      const terminal: Terminal = {
        id,
        principal,
        audience,
        server,
        address,
        startedAt,
        cols: input.cols,
        rows: input.rows,
        channel,
        recorder: new AsciicastRecorder({ cols: input.cols, rows: input.rows, startedAt, title: server.name }, RECORDING_CAP_BYTES, this.deps.clock.now),
        lastInputAt: startedAt,
        controller,
        reason: null,
        pending: '',
        timer: null,
        flushedAt: 0,
        ended: new Promise<void>((resolve) => (closed = resolve)),
      };
      // A write racing the channel's close must not become an unhandled 'error' event; the close itself ends the terminal.
      channel.on('error', (error: unknown) => this.deps.logger.debug({ err: error, terminalId: id }, 'a terminal’s channel failed'));
      const onData = (data: Buffer) => this.printed(terminal, data);
      channel.on('data', onData);
      channel.stderr.on('data', onData);
      opened?.(terminal);
      await new Promise<void>((resolve) => {
        channel.on('close', resolve);
        controller.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      return { status: 'up', latencyMs: null, message: '' };
    });

    const outcome = await Promise.race([ready, session]);
    if (!('channel' in outcome)) {
      clearTimeout(connectTimer);
      throw this.refusal(outcome, server, principal, id, controller.signal.aborted);
    }
    const terminal = outcome;
    this.open.set(id, terminal);
    void session
      .catch((error: unknown) => {
        this.deps.logger.error({ err: error, terminalId: id }, 'a terminal session failed unexpectedly');
      })
      .then(() => this.finish(terminal, terminal.reason ?? 'disconnected'))
      .catch((error: unknown) => this.deps.logger.error({ err: error, terminalId: id }, 'a terminal’s recording could not be stored'))
      .finally(closed);
    return { id, serverId: server.id, serverName: server.name, address, startedAt: terminal.startedAt };
  }

  /** Sends typed text to a terminal its caller opened. Never recorded. */
  input(principal: Principal, id: string, data: string): { ok: true } {
    const terminal = this.mine(principal, id);
    terminal.lastInputAt = this.deps.clock.now();
    terminal.channel.write(data);
    return { ok: true };
  }

  resize(principal: Principal, id: string, cols: number, rows: number): { ok: true } {
    const terminal = this.mine(principal, id);
    terminal.lastInputAt = this.deps.clock.now();
    terminal.cols = cols;
    terminal.rows = rows;
    terminal.channel.setWindow(rows, cols, 0, 0);
    terminal.recorder.resize(cols, rows);
    return { ok: true };
  }

  async close(principal: Principal, id: string): Promise<{ ok: true }> {
    await this.end(this.mine(principal, id), 'closed');
    return { ok: true };
  }

  /** Closes every terminal a caller has open (signed out, the window closed). */
  async closeFor(audience: Audience, reason: TerminalEndReason): Promise<void> {
    await Promise.all([...this.open.values()].filter((terminal) => isAudience(terminal.principal, audience)).map((terminal) => this.end(terminal, reason)));
  }

  recordings(limit: number, filter: { serverId?: string | undefined; since?: number | undefined }): Promise<TerminalRecording[]> {
    return this.store.list(limit, filter);
  }

  async recording(id: string): Promise<TerminalRecording & { asciicast: string }> {
    const found = await this.store.get(id);
    if (!found)
      throw new AppError('NOT_FOUND', `There is no terminal recording ${id}.`, { hint: 'terminal.recordings lists them; old ones are removed with old runs.' });
    return found;
  }

  /** The caller's own open terminal; anyone else's is as unknown as one that never was. */
  private mine(principal: Principal, id: string): Terminal {
    const terminal = this.open.get(id);
    if (!terminal || terminal.reason !== null || !isAudience(principal, terminal.audience)) {
      throw new AppError('NOT_FOUND', `No terminal ${id} is open for you.`, {
        hint: 'It has ended (closed, idle for too long, signed out or disconnected), or another session opened it; open a new one.',
      });
    }
    return terminal;
  }

  private async end(terminal: Terminal, reason: TerminalEndReason): Promise<void> {
    terminal.reason ??= reason;
    terminal.controller.abort();
    await terminal.ended;
  }

  private printed(terminal: Terminal, data: Buffer): void {
    const text = terminal.recorder.output(data);
    if (text === '') return;
    terminal.pending += text;
    if (terminal.pending.length > LIVE_PAUSE_BYTES) terminal.channel.pause();
    // A keystroke's echo after a quiet moment goes at once; a burst goes at most every flushMs.
    const wait = Math.max(0, terminal.flushedAt + (this.deps.flushMs ?? FLUSH_MS) - performance.now());
    terminal.timer ??= setTimeout(() => this.flush(terminal), wait);
  }

  private flush(terminal: Terminal): void {
    if (terminal.timer) clearTimeout(terminal.timer);
    terminal.timer = null;
    if (terminal.pending === '') return;
    terminal.flushedAt = performance.now();
    const data = terminal.pending;
    terminal.pending = '';
    this.deps.events.emit('terminal.output', { id: terminal.id, data }, terminal.audience);
    terminal.channel.resume();
  }

  /** After the SSH session closed: the last output out, the recording stored with its audit event, the owner told. */
  private async finish(terminal: Terminal, reason: TerminalEndReason): Promise<void> {
    this.flush(terminal);
    this.open.delete(terminal.id);
    const endedAt = this.deps.clock.now();
    const recorded = terminal.recorder.finish();
    const record = {
      id: terminal.id,
      serverId: terminal.server.id,
      serverName: terminal.server.name,
      address: terminal.address,
      openedBy: actorName(terminal.principal),
      openedByName: terminal.principal.name,
      startedAt: terminal.startedAt,
      endedAt,
      endReason: reason,
      cols: terminal.cols,
      rows: terminal.rows,
      outputBytes: recorded.outputBytes,
      truncated: recorded.truncated,
      recordingBytes: recorded.bytes,
      sha256: recorded.sha256,
    };
    await this.deps.data.transaction(async () => {
      await this.store.add(record, recorded.text);
      await this.deps.audit.append([
        {
          actor: terminal.principal,
          origin: 'system',
          action: 'terminal.closed',
          target: `terminal:${terminal.id}`,
          outcome: 'ok',
          correlationId: terminal.id,
          details: {
            serverId: terminal.server.id,
            serverName: terminal.server.name,
            reason,
            durationMs: endedAt - terminal.startedAt,
            outputBytes: recorded.outputBytes,
            recordingBytes: recorded.bytes,
            truncated: recorded.truncated,
            sha256: recorded.sha256,
          },
        },
      ]);
    });
    const message = endMessage(reason, terminal.server, this.deps.idleMs ?? TERMINAL_IDLE_MS);
    this.deps.events.emit('terminal.closed', { id: terminal.id, reason, message }, terminal.audience);
  }

  private async sweep(): Promise<void> {
    const now = this.deps.clock.now();
    const idleMs = this.deps.idleMs ?? TERMINAL_IDLE_MS;
    for (const terminal of [...this.open.values()]) {
      if (terminal.reason !== null) continue;
      let reason: TerminalEndReason | null = now - terminal.lastInputAt >= idleMs ? 'idle' : null;
      if (reason === null) {
        const allowed = await this.deps.stillAllowed(terminal.principal).catch(() => true);
        if (!allowed) reason = 'signed-out';
      }
      if (reason !== null) void this.end(terminal, reason);
    }
  }

  /** Why a terminal could not be opened, as an AppError; a changed host key is audited as a run's is. */
  private refusal(result: CheckResult, server: Server, principal: Principal, id: string, timedOut: boolean): AppError {
    const data = result.data ?? {};
    if (data.code === 'HOST_KEY_MISMATCH') {
      const jump = data.jumpHost as { serverId: string; name: string; address: string } | undefined;
      const where = jump ? `jump host ${jump.name} (${jump.address})` : hostPort(server.host, server.port);
      // In a turn of its own after the call's transaction, which this refusal rolls back.
      const entry: AuditEntry = {
        actor: principal,
        origin: 'system',
        action: 'terminal.hostKeyRefused',
        target: `server:${jump?.serverId ?? server.id}`,
        outcome: 'HOST_KEY_MISMATCH',
        correlationId: id,
        details: {
          address: jump?.address ?? hostPort(server.host, server.port),
          expected: String(data.expected),
          actual: String(data.actual),
          ...(jump ? { jumpHostFor: server.name } : {}),
        },
      };
      void this.deps.data
        .next(() => this.deps.audit.append([entry]))
        .catch((error: unknown) => this.deps.logger.error({ err: error, terminalId: id }, 'a refused host key could not be audited'));
      return new AppError('HOST_KEY_MISMATCH', `The host key of ${where} changed: pinned ${String(data.expected)}, offered ${String(data.actual)}. Refused.`, {
        hint: 'If the server was reinstalled, remove its pinned key (guardian hostkeys) and open the terminal again; otherwise someone may be in the way.',
      });
    }
    if (timedOut) {
      return new AppError('TIMEOUT', `${server.name} did not let Guardian in within ${CONNECT_TIMEOUT_MS / 1000} s.`, {
        hint: 'Check that the server (and its jump hosts) answer on their SSH port, then try again.',
        retryable: true,
      });
    }
    return cannotOpen(server, result.message, 'Check the server’s address, port, login and credential, then try again.');
  }
}

function cannotOpen(server: Pick<Server, 'name'>, why: string, hint: string): AppError {
  return new AppError('UNREACHABLE', `Could not open a terminal on ${server.name}: ${why.replace(/\.$/, '')}.`, { hint, retryable: true });
}

function endMessage(reason: TerminalEndReason, server: Pick<Server, 'name'>, idleMs: number): string {
  switch (reason) {
    case 'closed':
      return `The terminal on ${server.name} was closed.`;
    case 'idle':
      return `The terminal on ${server.name} was closed after ${idleMs >= 60_000 ? `${Math.round(idleMs / 60_000)} minutes` : `${Math.round(idleMs / 1000)} seconds`} without input.`;
    case 'signed-out':
      return `The terminal on ${server.name} was closed: you signed out, or may no longer open terminals.`;
    case 'disconnected':
      return `The shell on ${server.name} ended, or the connection was lost.`;
    case 'shutdown':
      return `The terminal on ${server.name} was closed: Guardian is stopping.`;
  }
}

/** A shell with a pty of that size (TERM xterm-256color, what xterm.js is). */
function openShell(client: Client, cols: number, rows: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.shell({ term: 'xterm-256color', cols, rows, width: 0, height: 0 }, (error, channel) => (error ? reject(error) : resolve(channel)));
  });
}

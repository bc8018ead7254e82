import type { Socket } from 'node:net';
import type { z } from 'zod';
import type { UsedSecret } from '../vault';
import type { SshJump, SshKeepalive } from './checks/ssh-session';
import { egress, type Egress, METADATA_REFUSED } from './egress';

/**
 * The shape every health check shares (docs/architecture.md §7): a typed config schema and a `run` that
 * returns its result. A run never throws for a failing target; it answers `down` with a message
 * a person understands. It throws only for a bug of its own.
 */

export type CheckStatus = 'up' | 'degraded' | 'down';

export interface CheckResult {
  status: CheckStatus;
  /** How long the check's own work took (connect, handshake, response, answer), or null when it got none. */
  latencyMs: number | null;
  message: string;
  data?: Record<string, unknown>;
}

export interface CheckContext {
  /** Aborted when the scheduler gives up on the run (shutdown, check deleted). */
  signal: AbortSignal;
  /** The most the run may take; past it the run answers `down` with "no answer … within N ms". */
  timeoutMs: number;
  /** Wall-clock time in ms since the epoch, for dates such as certificate expiry. Latency uses a monotonic clock. */
  now(): number;
  /** The server the check belongs to; a check that logs in connects to its host. */
  server?: { id: string; host: string };
  /**
   * Secret material from the vault by secret id, for checks that log in (`ssh-metrics`, `http`
   * with auth), to be sent to `host` and nowhere else. The vault refuses a secret not linked to
   * the check's server or a host that is not the server's. Throws an AppError (PERMISSION_DENIED,
   * VAULT_LOCKED, NOT_FOUND) the run turns into a `down` result with the error's words.
   */
  credential?(secretId: string, host: string): Promise<UsedSecret>;
  /** Whether cloud metadata addresses may be connected to (the monitoring setting); refused when unset. */
  allowMetadata?: boolean;
  /** SSH host keys pinned on first success, by "host:port" (`ssh`, `ssh-metrics`). */
  hostKeys?: HostKeyPins;
  /**
   * The jump hosts an SSH session to the server goes through, first hop first, each with its own
   * login (ssh-route.ts), or why they cannot be used; asked only by SSH sessions. None: direct.
   */
  jumps?(): Promise<readonly SshJump[] | string>;
  /** How often an SSH session asks every hop whether it is still there, and how many unanswered asks end it; SSH_KEEPALIVE unless given (tests pass a short one). */
  sshKeepalive?: SshKeepalive;
  /**
   * The SSH agent (its socket, the Guardian process's SSH_AUTH_SOCK) an SSH session forwards to
   * the target for its commands: only when the server's agent forwarding is on, and never to a
   * jump host. None: no forwarding.
   */
  agentForward?: string;
}

/** Where SSH host key fingerprints (OpenSSH "SHA256:…" form) are pinned, by "host:port". */
export interface HostKeyPins {
  /** The fingerprint pinned for `target`, or null when none is. */
  get(target: string): Promise<string | null>;
  pin(target: string, fingerprint: string): void;
}

export interface CheckType<C> {
  type: string;
  configSchema: z.ZodType<C>;
  run(config: C, ctx: CheckContext): Promise<CheckResult>;
}

/** `host:port`, bracketing an IPv6 address. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** What this run may connect to: the lookup to pass to net/tls/http, and a host's refusal. */
export function reach(ctx: CheckContext): Egress {
  return egress(ctx.allowMetadata);
}

/** The `down` answer for a host the run may not connect to (a cloud metadata address), or null. */
export function refusedHost(ctx: CheckContext, host: string): CheckResult | null {
  const refusal = reach(ctx).refuse(host);
  return refusal === null ? null : { status: 'down', latencyMs: null, message: refusal };
}

/**
 * For a client that resolves names itself (gamedig): the `down` answer when `host` resolves to an
 * address the run may not reach, or null (a name that does not resolve is the client's to report).
 */
export function resolvesToRefused(ctx: CheckContext, host: string): Promise<CheckResult | null> {
  const { lookup } = reach(ctx);
  if (!lookup) return Promise.resolve(null);
  return new Promise((resolve) => {
    lookup(host, { all: true }, (error) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      resolve(code === METADATA_REFUSED && error ? { status: 'down', latencyMs: null, message: error.message } : null);
    });
  });
}

/** A monotonic stopwatch in ms, to two decimals. */
export function stopwatch(): () => number {
  const started = process.hrtime.bigint();
  return () => Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
}

/** A run's deadline: `signal` fires on the caller's abort or after `ctx.timeoutMs`; `done()` lets go of its timer. */
export interface Deadline {
  signal: AbortSignal;
  done(): void;
}

const OUT_OF_TIME = new Error('the check ran out of time');

/**
 * Starts a run's deadline; the run calls `done()` when it ends. Not AbortSignal.any with
 * AbortSignal.timeout: that timer cannot be cleared, so every run left one that fired `timeoutMs`
 * later and built a DOMException nobody read, and `any` keeps weak references for the collector
 * to trace; at thousands of runs a minute both showed in `guardian serve`'s profile.
 */
export function deadline(ctx: CheckContext): Deadline {
  const controller = new AbortController();
  if (ctx.signal.aborted) {
    controller.abort(ctx.signal.reason);
    return { signal: controller.signal, done: () => undefined };
  }
  const onStop = (): void => {
    clearTimeout(timer);
    controller.abort(ctx.signal.reason);
  };
  const timer = setTimeout(() => {
    ctx.signal.removeEventListener('abort', onStop);
    controller.abort(OUT_OF_TIME);
  }, ctx.timeoutMs);
  timer.unref();
  ctx.signal.addEventListener('abort', onStop, { once: true });
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onStop);
    },
  };
}

/** The `down` answer to a run that was stopped: cancelled by the caller, or out of time. */
export function stopped(ctx: CheckContext, what: string): CheckResult {
  return ctx.signal.aborted
    ? { status: 'down', latencyMs: null, message: `check cancelled before ${what} answered` }
    : { status: 'down', latencyMs: null, message: `no answer from ${what} within ${ctx.timeoutMs} ms` };
}

/**
 * One socket's check, from connect to verdict: `open` connects, `wire` listens and calls `finish`
 * once with the result. The socket is destroyed when the check finishes, and the deadline (timeout
 * or cancel) finishes it as stopped; a connection error finishes it as down, in words.
 */
export function socketCheck<S extends Socket>(
  ctx: CheckContext,
  target: string,
  open: () => S,
  wire: (socket: S, finish: (result: CheckResult) => void) => void,
): Promise<CheckResult> {
  const { signal, done } = deadline(ctx);
  return new Promise((resolve) => {
    if (signal.aborted) {
      done();
      return resolve(stopped(ctx, target));
    }
    const socket = open();
    const onAbort = () => finish(stopped(ctx, target));
    const finish = (result: CheckResult) => {
      signal.removeEventListener('abort', onAbort);
      done();
      socket.destroy();
      resolve(result);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', (error) => finish({ status: 'down', latencyMs: null, message: describeError(error, target) }));
    wire(socket, finish);
  });
}

const NET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'the name does not resolve',
  EAI_AGAIN: 'the name could not be resolved right now',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed by the peer',
  ETIMEDOUT: 'connection timed out',
};

const TLS_REASONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a self-signed certificate that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate issuer is not trusted',
  UNABLE_TO_GET_ISSUER_CERT: 'the certificate issuer is not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate issuer is not trusted',
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not yet valid',
  CERT_REVOKED: 'the certificate is revoked',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not match the host name',
};

/** A person's words for a TLS verification code (`authorizationError`), or the code itself. */
export function tlsReason(code: string): string {
  return TLS_REASONS[code] ?? code;
}

/** A person's words for a connection error on `target`: "connection refused on 10.0.0.5:443". */
export function describeError(error: unknown, target: string): string {
  const err = error as NodeJS.ErrnoException;
  const code = err?.code;
  if (code === METADATA_REFUSED) return err.message;
  if (code && TLS_REASONS[code]) return `${TLS_REASONS[code]} (${target})`;
  const reason = (code && NET_REASONS[code]) ?? code ?? (err instanceof Error ? err.message : String(error));
  return `${reason} on ${target}`;
}

/** Whole days from `now` to `date`, rounded (negative when `date` is past). */
export function daysUntil(date: Date, now: number): number {
  return Math.round((date.getTime() - now) / 86_400_000);
}

/** "3 days", "1 day". */
export function days(n: number): string {
  return `${n} ${Math.abs(n) === 1 ? 'day' : 'days'}`;
}

/** An ISO date without the time: "2026-11-25". */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

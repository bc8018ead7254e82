import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import type { AuthMethod, Client, ConnectConfig, ParsedKey, PasswordAuthMethod, PublicKeyAuthMethod } from 'ssh2';
import { loadSsh2 } from '../../ssh2';
import { type CheckContext, type CheckResult, deadline, describeError, hostPort, reach, refusedHost, stopped, stopwatch } from '../check';

/**
 * One SSH session for a check (`ssh`, `ssh-metrics`): connect, key exchange, the host key checked
 * against its pin (pinned on first success), an optional login, then the caller's work. Everything
 * happens within the run's deadline, and the connection is closed however it ends.
 */

/** How a check logs in: a password, or a private key already opened. Handed to ssh2, never into a result. */
export type SshLogin = { username: string; password: string } | { username: string; key: ParsedKey };

/** The one login method ssh2 may try; none at all for a handshake-only session. */
function authMethods(login: SshLogin | null): AuthMethod[] {
  if (!login) return [];
  const method: PasswordAuthMethod | PublicKeyAuthMethod =
    'password' in login
      ? { type: 'password', username: login.username, password: login.password }
      : { type: 'publickey', username: login.username, key: login.key };
  return [method];
}

export interface SshSession {
  client: Client;
  /** "host:port". */
  target: string;
  /** The host key's OpenSSH fingerprint, "SHA256:…". */
  fingerprint: string;
  /** The host key algorithm agreed on, e.g. "ssh-ed25519". */
  hostKeyType: string;
  /** Connect and key exchange, in ms. */
  handshakeMs: number;
  /** Whether this run pinned the host key (first contact). */
  firstPin: boolean;
  /** Ms since the run started. */
  elapsed(): number;
}

/** The OpenSSH fingerprint of a host key blob (the wire form): "SHA256:" and unpadded base64. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The `down` answer when the host presents another key than the one pinned. */
export function hostKeyMismatch(target: string, expected: string, actual: string, latencyMs: number | null): CheckResult {
  return {
    status: 'down',
    latencyMs,
    message: `host key mismatch on ${target}: expected ${expected}, got ${actual}`,
    data: { code: 'HOST_KEY_MISMATCH', expected, actual },
  };
}

/**
 * Opens a session to `host:port` and answers what `use` answers. Without a login, `use` runs right
 * after the key exchange (a handshake-only check); with one, once logged in.
 */
export async function withSshSession(
  host: string,
  port: number,
  ctx: CheckContext,
  login: SshLogin | null,
  use: (session: SshSession) => Promise<CheckResult> | CheckResult,
): Promise<CheckResult> {
  const pins = ctx.hostKeys;
  if (!pins) throw new Error('SSH checks need ctx.hostKeys to pin host keys');
  const refused = refusedHost(ctx, host);
  if (refused) return refused;
  const ssh2 = await loadSsh2();
  const { lookup } = reach(ctx);
  const target = hostPort(host, port);
  const { signal, done } = deadline(ctx);
  const elapsed = stopwatch();

  return new Promise<CheckResult>((resolve, reject) => {
    if (signal.aborted) {
      done();
      return resolve(stopped(ctx, target));
    }
    const client = new ssh2.Client();
    let settled = false;
    let seen: { fingerprint: string; pinned: string | null } | null = null;
    let session: SshSession | null = null;

    const onAbort = () => finish(stopped(ctx, target));
    const close = () => {
      settled = true;
      signal.removeEventListener('abort', onAbort);
      done();
      client.end();
      // end() only sends the goodbye; a peer that never answers would keep the socket open.
      setImmediate(() => client.destroy());
    };
    const finish = (result: CheckResult) => {
      if (settled) return;
      close();
      resolve(result);
    };
    // `use` answers for the target in a result; what it throws is a bug of ours.
    const crash = (error: unknown) => {
      if (settled) return;
      close();
      reject(error);
    };
    const fail = (error: unknown) => {
      if (seen?.pinned && seen.pinned !== seen.fingerprint) return finish(hostKeyMismatch(target, seen.pinned, seen.fingerprint, elapsed()));
      const level = (error as { level?: unknown } | null)?.level;
      if (level === 'client-authentication' && login) {
        return finish({ status: 'down', latencyMs: null, message: `authentication failed for user ${login.username} on ${target}` });
      }
      finish({ status: 'down', latencyMs: null, message: describeError(error, target) });
    };
    const start = (session: SshSession) => {
      Promise.resolve()
        .then(() => use(session))
        .then(finish, crash);
    };

    signal.addEventListener('abort', onAbort, { once: true });
    // ssh2 keeps emitting after we are done (the close of a destroyed socket); a listener must stay.
    client.on('error', fail);
    client.on('close', () => finish({ status: 'down', latencyMs: null, message: `connection closed by ${target} before the check was done` }));
    client.on('handshake', (negotiated) => {
      if (!seen) return fail(new Error('the key exchange ended without a host key'));
      // The key exchange is complete: the host proved it holds the key the verifier saw.
      const firstPin = seen.pinned === null;
      if (firstPin) pins.pin(target, seen.fingerprint);
      session = { client, target, fingerprint: seen.fingerprint, hostKeyType: negotiated.serverHostKey, handshakeMs: elapsed(), firstPin, elapsed };
      if (!login) start(session);
    });
    client.on('ready', () => {
      if (session) start(session);
    });

    const config: ConnectConfig = {
      host,
      port,
      // ssh2 resolves names itself, unguarded: when addresses are guarded it gets a socket connected through the guarded lookup.
      ...(lookup ? { sock: connect({ host, port, lookup }) } : {}),
      // Our deadline decides; ssh2's own handshake timer only backs it up.
      readyTimeout: ctx.timeoutMs + 1000,
      // Refusing a key that differs from its pin stops the exchange before any login is sent.
      // The pin is looked up in the database: ssh2 waits for the answer before the key exchange goes on.
      hostVerifier: (keyBlob: Buffer, verify: (valid: boolean) => void) => {
        const fingerprint = sshFingerprint(keyBlob);
        pins.get(target).then(
          (pinned) => {
            seen = { fingerprint, pinned };
            verify(pinned === null || pinned === fingerprint);
          },
          (error: unknown) => {
            verify(false);
            crash(error);
          },
        );
      },
      // Without a login the session ends after the key exchange; ssh2 still wants a name.
      username: login?.username ?? 'guardian',
      authHandler: authMethods(login),
    };
    try {
      client.connect(config);
    } catch (error) {
      fail(error);
    }
  });
}

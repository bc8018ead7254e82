import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { AuthMethod, Client, ConnectConfig, ParsedKey, PasswordAuthMethod, PublicKeyAuthMethod } from 'ssh2';
import { loadSsh2, type Ssh2 } from '../../ssh2';
import { type CheckContext, type CheckResult, type HostKeyPins, deadline, describeError, hostPort, reach, refusedHost, stopped, stopwatch } from '../check';

/**
 * One SSH session for a check (`ssh`, `ssh-metrics`) or an operation: connect, key exchange, the
 * host key checked against its pin (pinned on first success), an optional login, then the
 * caller's work. When the server is reached through jump hosts (ctx.jumps, ProxyJump), each hop
 * is such a connection of its own, with its own pinned key and its own login, and the next one
 * travels inside it (forwardOut, then `sock`): a hop only ever sees its own credential, and the
 * target's goes inside the tunnel to the target's address. Everything happens within the run's
 * deadline, and every hop is closed however it ends.
 */

/** How a check logs in: a password, or a private key already opened. Handed to ssh2, never into a result. */
export type SshLogin = { username: string; password: string } | { username: string; key: ParsedKey };

/** A server the connection passes through on its way to the target (a jump host), and its own login. */
export interface SshJump {
  serverId: string;
  name: string;
  host: string;
  port: number;
  login: SshLogin;
}

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
  /** Connect and key exchange, in ms (through every jump host). */
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

/** The `down` answer when a host presents another key than the one pinned; `jump` when that host is a jump host on the way. */
export function hostKeyMismatch(where: string, expected: string, actual: string, latencyMs: number | null, jump?: SshJump): CheckResult {
  return {
    status: 'down',
    latencyMs,
    message: `host key mismatch on ${where}: expected ${expected}, got ${actual}`,
    data: {
      code: 'HOST_KEY_MISMATCH',
      expected,
      actual,
      ...(jump ? { jumpHost: { serverId: jump.serverId, name: jump.name, address: hostPort(jump.host, jump.port) } } : {}),
    },
  };
}

/** How often a session asks a host whether it is still there (an SSH keepalive), and how many unanswered asks in a row end it. */
export interface SshKeepalive {
  intervalMs: number;
  countMax: number;
}

/**
 * Every SSH session's keepalives, on every hop: one every 15 s, and the connection is given up
 * after 3 in a row got no answer, so a host that stops answering mid-command fails its target in
 * about a minute rather than holding it until the run's timeout.
 */
export const SSH_KEEPALIVE: SshKeepalive = { intervalMs: 15_000, countMax: 3 };

/** Why a session ended when a hop stopped answering its keepalives, in words. */
export function keepaliveLost(label: string, keepalive: SshKeepalive): string {
  const every = keepalive.intervalMs % 1000 === 0 ? `${keepalive.intervalMs / 1000} s` : `${keepalive.intervalMs} ms`;
  return `the connection to ${label} stopped answering (no reply to ${keepalive.countMax} keepalives, one every ${every})`;
}

/** One connection of the way: the target, or a jump host on it. */
interface Hop {
  host: string;
  port: number;
  /** "host:port": where its key is pinned. */
  address: string;
  /** How messages name it: "host:port", or "jump host bastion (host:port)". */
  label: string;
  login: SshLogin | null;
  jump?: SshJump;
  /** The agent socket forwarded to this hop's commands: the target's alone, when its server asks for it. */
  agent?: string;
}

/** A hop's connection failed: the answer the run gives. */
class HopFailed {
  constructor(readonly result: CheckResult) {}
}

interface Opened {
  client: Client;
  fingerprint: string;
  hostKeyType: string;
  firstPin: boolean;
  /** Ms from the run's start to this hop's completed key exchange. */
  handshakeMs: number;
}

/**
 * Connects to one hop over `sock` (or a socket of its own), checks its key against its pin, and
 * logs in when it has a login. Resolves once usable (after the key exchange without a login);
 * rejects with HopFailed, or with a bug of ours. What goes wrong after it resolved goes to `lost`.
 */
function openHop(
  ssh2: Ssh2,
  hop: Hop,
  sock: Duplex | undefined,
  ctx: CheckContext,
  pins: HostKeyPins,
  elapsed: () => number,
  events: { created(client: Client): void; lost(result: CheckResult): void },
): Promise<Opened> {
  return new Promise<Opened>((resolve, reject) => {
    const client = new ssh2.Client();
    events.created(client);
    const keepalive = ctx.sshKeepalive ?? SSH_KEEPALIVE;
    let opened = false;
    let seen: { fingerprint: string; pinned: string | null } | null = null;
    let handshake: Opened | null = null;
    const failed = (result: CheckResult) => (opened ? events.lost(result) : reject(new HopFailed(result)));
    const fail = (error: unknown) => {
      if (seen?.pinned && seen.pinned !== seen.fingerprint) return failed(hostKeyMismatch(hop.label, seen.pinned, seen.fingerprint, elapsed(), hop.jump));
      const level = (error as { level?: unknown } | null)?.level;
      if (level === 'client-timeout' && (error as Error).message === 'Keepalive timeout')
        return failed({ status: 'down', latencyMs: null, message: keepaliveLost(hop.label, keepalive) });
      if (level === 'client-authentication' && hop.login) {
        return failed({ status: 'down', latencyMs: null, message: `authentication failed for user ${hop.login.username} on ${hop.label}` });
      }
      failed({ status: 'down', latencyMs: null, message: describeError(error, hop.label) });
    };
    const open = (value: Opened) => {
      opened = true;
      resolve(value);
    };
    // ssh2 keeps emitting after we are done (the close of a destroyed socket); a listener must stay.
    client.on('error', fail);
    client.on('close', () => failed({ status: 'down', latencyMs: null, message: `connection closed by ${hop.label} before the check was done` }));
    client.on('handshake', (negotiated) => {
      if (!seen) return fail(new Error('the key exchange ended without a host key'));
      // The key exchange is complete: the host proved it holds the key the verifier saw.
      const firstPin = seen.pinned === null;
      if (firstPin) pins.pin(hop.address, seen.fingerprint);
      handshake = { client, fingerprint: seen.fingerprint, hostKeyType: negotiated.serverHostKey, firstPin, handshakeMs: elapsed() };
      if (!hop.login) open(handshake);
    });
    client.on('ready', () => {
      if (handshake) open(handshake);
    });

    const { lookup } = reach(ctx);
    const config: ConnectConfig = {
      host: hop.host,
      port: hop.port,
      // A later hop rides inside the one before it. ssh2 resolves names itself, unguarded: when addresses are
      // guarded, the first hop gets a socket connected through the guarded lookup.
      ...(sock ? { sock } : lookup ? { sock: connect({ host: hop.host, port: hop.port, lookup }) } : {}),
      // Our deadline decides; ssh2's own handshake timer only backs it up.
      readyTimeout: ctx.timeoutMs + 1000,
      // A host that stops answering (frozen, cut off without a reset) ends the session in words, not at the deadline.
      keepaliveInterval: keepalive.intervalMs,
      keepaliveCountMax: keepalive.countMax,
      // Every command on this hop asks sshd to forward the agent: only ever set on the target.
      ...(hop.agent ? { agent: hop.agent, agentForward: true } : {}),
      // Refusing a key that differs from its pin stops the exchange before any login is sent.
      // The pin is looked up in the database: ssh2 waits for the answer before the key exchange goes on.
      hostVerifier: (keyBlob: Buffer, verify: (valid: boolean) => void) => {
        const fingerprint = sshFingerprint(keyBlob);
        pins.get(hop.address).then(
          (pinned) => {
            seen = { fingerprint, pinned };
            verify(pinned === null || pinned === fingerprint);
          },
          (error: unknown) => {
            verify(false);
            reject(error);
          },
        );
      },
      // Without a login the session ends after the key exchange; ssh2 still wants a name.
      username: hop.login?.username ?? 'guardian',
      authHandler: authMethods(hop.login),
    };
    try {
      client.connect(config);
    } catch (error) {
      fail(error);
    }
  });
}

/** A channel from `via` to `to`, carried by the jump host's sshd (direct-tcpip), or HopFailed saying why not. */
function forward(via: Client, jump: Hop, to: Hop): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    via.forwardOut('127.0.0.1', 0, to.host, to.port, (error, channel) => {
      if (!error) return resolve(channel);
      const said = error.message.replace(/^\(SSH\) Channel open failure: /, '');
      // RFC 4254 §5.1: 1 is SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (AllowTcpForwarding, PermitOpen); 2's words are sshd's own ("Connection refused").
      const code = (error as { reason?: unknown }).reason;
      const reason =
        code === 1 ? `its sshd does not allow forwarding there (administratively prohibited: ${said}; see AllowTcpForwarding and PermitOpen)` : said;
      reject(new HopFailed({ status: 'down', latencyMs: null, message: `${jump.label} could not open a connection to ${to.address}: ${reason}` }));
    });
  });
}

/**
 * Opens a session to `host:port` (through ctx.jumps, first hop first, when it has them) and
 * answers what `use` answers. Without a login, `use` runs right after the target's key exchange
 * (a handshake-only check); with one, once logged in.
 */
export async function withSshSession(
  host: string,
  port: number,
  ctx: CheckContext,
  login: SshLogin | null,
  use: (session: SshSession) => Promise<CheckResult> | CheckResult,
): Promise<CheckResult> {
  const pins = ctx.hostKeys;
  if (!pins) throw new Error('SSH sessions need ctx.hostKeys to pin host keys');
  const target = hostPort(host, port);
  const jumps = (await ctx.jumps?.()) ?? [];
  if (typeof jumps === 'string') return { status: 'down', latencyMs: null, message: jumps };
  const hops: Hop[] = [
    ...jumps.map((jump) => {
      const address = hostPort(jump.host, jump.port);
      return { host: jump.host, port: jump.port, address, label: `jump host ${jump.name} (${address})`, login: jump.login, jump };
    }),
    { host, port, address: target, label: target, login, ...(ctx.agentForward ? { agent: ctx.agentForward } : {}) },
  ];
  // Every hop's address is refused alike (a cloud metadata address), the target's too: a jump host is not a way round the rule.
  for (const hop of hops) {
    const refused = refusedHost(ctx, hop.host);
    if (refused) return refused;
  }
  const ssh2 = await loadSsh2();
  const { signal, done } = deadline(ctx);
  const elapsed = stopwatch();

  return new Promise<CheckResult>((resolve, reject) => {
    // Which hop is being reached, for "no answer from jump host bastion (…)".
    let reaching = hops[0]?.label ?? target;
    if (signal.aborted) {
      done();
      return resolve(stopped(ctx, reaching));
    }
    const clients: Client[] = [];
    let settled = false;

    const onAbort = () => finish(stopped(ctx, reaching));
    const close = () => {
      settled = true;
      signal.removeEventListener('abort', onAbort);
      done();
      // The target first, then each jump host back towards Guardian.
      for (const client of [...clients].reverse()) {
        client.end();
        // end() only sends the goodbye; a peer that never answers would keep the socket open.
        setImmediate(() => client.destroy());
      }
    };
    const finish = (result: CheckResult) => {
      if (settled) return;
      close();
      resolve(result);
    };
    // A hop answers for itself in a result; anything else thrown is a bug of ours.
    const crash = (error: unknown) => {
      if (settled) return;
      if (error instanceof HopFailed) return finish(error.result);
      close();
      reject(error);
    };
    const events = { created: (client: Client) => clients.push(client), lost: finish };
    signal.addEventListener('abort', onAbort, { once: true });

    const run = async (): Promise<CheckResult> => {
      let sock: Duplex | undefined;
      let opened: Opened | null = null;
      for (const [index, hop] of hops.entries()) {
        reaching = hop.label;
        const previous = hops[index - 1];
        if (opened && previous) sock = await forward(opened.client, previous, hop);
        // Ended meanwhile (a cancel, the deadline): nothing more is opened, and the caller's work never starts.
        if (settled) return stopped(ctx, reaching);
        opened = await openHop(ssh2, hop, sock, ctx, pins, elapsed, events);
      }
      if (!opened) throw new Error('an SSH session without a target');
      if (settled) return stopped(ctx, reaching);
      const session: SshSession = { ...opened, target, elapsed };
      return use(session);
    };
    run().then(finish, crash);
  });
}

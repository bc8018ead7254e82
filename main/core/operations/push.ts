import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { Client, SFTPWrapper, Stats } from 'ssh2';
import { shellQuote } from '../shell-quote';

/**
 * Writing one file on one host over an open SSH session (operations.push, docs/operations.md
 * "Pushing a file"), so that the path holds either the old file or the whole new one, never a part:
 * the bytes go over SFTP to a temporary name in the same directory (`.NAME.guardian-RANDOM.tmp`,
 * created exclusively, readable by its owner alone while it is written), which is given its owner
 * (chown on the host) and then its mode, its SHA-256 is computed on the host and compared, and only
 * then is it renamed over the path in one step (OpenSSH's posix-rename, which replaces a file that
 * is there). On any failure, and on a cancel or timeout while it is under way, the temporary file
 * is removed. Nothing of the content is ever said: only its size and hash.
 */

export interface PushSpec {
  path: string;
  /** e.g. 0o644. */
  mode: number;
  /** "user" or "user:group"; null leaves the login user's. */
  owner: string | null;
  content: Buffer;
  /** The content's SHA-256, hex: what the host must compute. */
  sha256: string;
  /** A vault note's text: its hashes are never said (a hash of a short secret can be guessed offline). */
  secret: boolean;
}

/** How a push ended: written, or why not, in words. */
export type PushOutcome = { ok: true } | { ok: false; message: string };

/** SFTP status codes (draft-ietf-secsh-filexfer-02 §7) a refusal is worded by. */
const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;

/** Bytes a write request carries, and how many are in flight at once: a loopback or WAN round trip per window, not per 32 KiB. */
const PIECE = 32 * 1024;
const IN_FLIGHT = 16;

/** A step of the push that failed, saying why in words. */
class PushFailed extends Error {}

const call = <T>(start: (done: (error: Error | null | undefined, value: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));

/** An SFTP error in words about `what` (a path), by its status code. */
function sftpWords(error: unknown, action: string, what: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === PERMISSION_DENIED) return `permission denied ${action} ${what}`;
  if (code === NO_SUCH_FILE) return `no such file or directory ${action} ${what}`;
  return `${action} ${what} failed: ${error instanceof Error ? error.message : String(error)}`;
}

/** Runs a short command (no stdin), answering its exit code and what it printed; `signal` closes its channel and answers at once, so a stop does not wait for the command. */
function run(client: Client, command: string, signal: AbortSignal): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) return reject(error);
      // sshd confirms the close only once the command has exited: a stop answers at once instead.
      const stop = () => {
        channel.close();
        resolve({ code: null, stdout: '', stderr: '' });
      };
      signal.addEventListener('abort', stop, { once: true });
      channel.on('close', () => signal.removeEventListener('abort', stop));
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      channel.on('data', (data: Buffer) => (stdout += data.toString('utf8').slice(0, 4096)));
      channel.stderr.on('data', (data: Buffer) => (stderr += data.toString('utf8').slice(0, 4096)));
      channel.on('exit', (exit: number | null) => (code = typeof exit === 'number' ? exit : null));
      channel.on('close', () => resolve({ code, stdout, stderr }));
      channel.end();
    });
  });
}

/** The first line a command printed to stderr, for a message. */
const firstLine = (text: string) => text.trim().split('\n')[0]?.slice(0, 300) ?? '';

/** The SHA-256 the host computes of `file`: sha256sum (GNU, busybox), else shasum or openssl. */
const CHECKSUM = [
  'if command -v sha256sum >/dev/null 2>&1; then sha256sum -- "$1"',
  'elif command -v shasum >/dev/null 2>&1; then shasum -a 256 -- "$1"',
  'else openssl dgst -sha256 -r -- "$1"; fi',
].join('; ');

/** The temporary name a push writes first: hidden, in the same directory (a rename within one filesystem is atomic). */
export function temporaryPath(path: string): string {
  return posix.join(posix.dirname(path), `.${posix.basename(path)}.guardian-${randomBytes(6).toString('hex')}.tmp`);
}

async function writeAll(sftp: SFTPWrapper, handle: Buffer, content: Buffer, signal: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < content.length && !signal.aborted) {
      const at = next;
      next += PIECE;
      const length = Math.min(PIECE, content.length - at);
      await call<void>((done) => sftp.write(handle, content, at, length, at, (error) => done(error, undefined)));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

/**
 * Pushes `spec` to the host `client` is logged in to. `signal` stops it (a cancel or the timeout):
 * what is in flight ends, the temporary file is removed, and it answers `stopped`.
 */
export async function pushFile(client: Client, spec: PushSpec, signal: AbortSignal): Promise<PushOutcome | 'stopped'> {
  let sftp: SFTPWrapper;
  try {
    sftp = await call<SFTPWrapper>((done) => client.sftp(done));
  } catch (error) {
    return { ok: false, message: `the host offers no SFTP (${error instanceof Error ? error.message : String(error)}); its sshd needs a Subsystem sftp line` };
  }
  const { path } = spec;
  const directory = posix.dirname(path);
  const temporary = temporaryPath(path);
  let created = false;
  const stat = (what: string) => call<Stats | null>((done) => sftp.stat(what, (error, stats) => done(null, error ? null : stats)));
  const stopIf = () => {
    if (signal.aborted) throw new PushFailed('stopped');
  };
  try {
    const folder = await stat(directory);
    if (!folder) throw new PushFailed(`no such directory: ${directory} (for ${path})`);
    if (!folder.isDirectory()) throw new PushFailed(`${directory} is not a directory (for ${path})`);
    const there = await stat(path);
    if (there?.isDirectory()) throw new PushFailed(`${path} is a directory on the host; a file cannot replace it`);
    stopIf();

    // Exclusive: never through a link or a file someone placed at the name; 0600 until it is complete.
    const handle = await call<Buffer>((done) => sftp.open(temporary, 'wx', { mode: 0o600 }, done)).catch((error: unknown) => {
      throw new PushFailed(sftpWords(error, 'writing', path));
    });
    created = true;
    try {
      await writeAll(sftp, handle, spec.content, signal).catch((error: unknown) => {
        throw new PushFailed(signal.aborted ? 'stopped' : sftpWords(error, 'writing', path));
      });
      stopIf();
      // chown first: on Linux it clears the setuid and setgid bits a chmod before it would have set.
      // -h: should someone who may write in the directory swap the name for a link meanwhile, the link is what changes.
      if (spec.owner !== null) {
        const chown = await run(client, `chown -h -- ${shellQuote(spec.owner)} ${shellQuote(temporary)}`, signal);
        stopIf();
        if (chown.code !== 0)
          throw new PushFailed(`chown to ${spec.owner} failed on the host: ${firstLine(chown.stderr) || `exit ${chown.code ?? 'by a signal'}`}`);
      }
      // On the open handle: the file written, whatever is at its name now.
      await call<void>((done) => sftp.fchmod(handle, spec.mode, (error) => done(error, undefined))).catch((error: unknown) => {
        throw new PushFailed(sftpWords(error, 'setting the mode of', path));
      });
    } finally {
      await call<void>((done) => sftp.close(handle, (error) => done(error, undefined))).catch(() => undefined);
    }
    stopIf();

    const sum = await run(client, `sh -c ${shellQuote(CHECKSUM)} guardian-checksum ${shellQuote(temporary)}`, signal);
    stopIf();
    const got = /^[0-9a-f]{64}\b/i.exec(sum.stdout.trim())?.[0]?.toLowerCase();
    if (sum.code !== 0 || !got) throw new PushFailed(`could not compute the SHA-256 on the host (no sha256sum, shasum or openssl?): ${firstLine(sum.stderr)}`);
    if (got !== spec.sha256) {
      const hashes = spec.secret ? 'a secret file’s hashes are not shown' : `expected ${spec.sha256}, got ${got}`;
      throw new PushFailed(`checksum mismatch on the host (${hashes}); the file was not replaced`);
    }
    stopIf();

    await call<void>((done) => sftp.ext_openssh_rename(temporary, path, (error) => done(error, undefined))).catch((error: unknown) => {
      throw new PushFailed(sftpWords(error, 'renaming the temporary file over', path));
    });
    created = false;
    return { ok: true };
  } catch (error) {
    if (signal.aborted) return 'stopped';
    // A channel that failed under us (the connection dropped) says so in its own words.
    return {
      ok: false,
      message: error instanceof PushFailed ? error.message : `the SFTP session failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    if (created) await call<void>((done) => sftp.unlink(temporary, (error) => done(error, undefined))).catch(() => undefined);
    sftp.end();
  }
}

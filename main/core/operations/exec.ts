import { createHash, type Hash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { Client } from 'ssh2';
import { REDACTED, type OutputChunk } from '@shared/api/operations';
import { shellQuote } from '../shell-quote';

/**
 * Running one command on one host over an open SSH session, and keeping what it prints.
 *
 * Without a pty, sshd does not stop a command when its channel closes: the command only learns of
 * it the next time it writes. So the command runs under a small POSIX sh wrapper, in a session of
 * its own (setsid), while the wrapper waits for its stdin, the channel, to reach its end: when
 * Guardian closes the channel (cancel, timeout) or the connection drops, the wrapper stops the
 * command's whole process group, TERM and then KILL if it is still there five seconds later. stdout and stderr stay
 * apart (a pty would merge them). Without setsid on the host, only the command's own process is
 * stopped, not what it started.
 */
const WRAPPER = [
  // A runbook's parameters come first on stdin, as exactly $2 bytes of `export NAME='value'` lines
  // (each value quoted by shellQuote): never in the command line, where ps would show them.
  'if [ "${2:-0}" -gt 0 ]; then eval "$(dd bs=1 count="$2" 2>/dev/null)"; fi',
  // A background list's stdin is /dev/null in a shell without job control: the channel is kept as fd 3 for the watcher.
  'exec 3<&0',
  'if command -v setsid >/dev/null 2>&1; then setsid sh -c "$1" </dev/null 3<&- & else sh -c "$1" </dev/null 3<&- & fi',
  'child=$!',
  // Its output goes nowhere: a process holding the channel's stdout or stderr would keep it open.
  // It carries the command in its arguments too, so it leaves as soon as the command's process group has.
  '( cat <&3; kill -TERM -"$child" "$child"; for s in 1 2 3 4 5; do kill -0 -"$child" || kill -0 "$child" || exit 0; sleep 1; done; kill -KILL -"$child" "$child" ) >/dev/null 2>&1 &',
  'watcher=$!',
  'exec 3<&-',
  'wait "$child"; code=$?',
  'kill "$watcher" 2>/dev/null',
  'exit "$code"',
].join('\n');

/** How a command is run beyond the command itself. */
export interface ExecOptions {
  /** Environment variables the command gets (a runbook's parameters), sent on stdin before anything else. */
  env?: Readonly<Record<string, string>>;
  /** Run the wrapper, and so the command, as root through `sudo -n`, which fails rather than ask for a password. */
  sudo?: boolean;
}

/** The env lines the wrapper reads from stdin and evaluates: each value quoted as one word, so nothing in it is run. */
export function envPreamble(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([name, value]) => `export ${name}=${shellQuote(value)}\n`)
    .join('');
}

/** The command line sent to sshd: the wrapper, with the person's command as its argument and the size of the env preamble after it. */
export function wrapped(command: string, options: { envBytes?: number; sudo?: boolean } = {}): string {
  const line = `sh -c ${shellQuote(WRAPPER)} guardian-operation ${shellQuote(command)}`;
  const withEnv = options.envBytes ? `${line} ${options.envBytes}` : line;
  return options.sudo ? `sudo -n ${withEnv}` : withEnv;
}

/**
 * Replaces secret values in a stream's text by [redacted] as it passes, holding back the last
 * few characters of each piece (one less than the longest secret) so a secret split across two
 * reads is still caught.
 */
class SecretMask {
  private pending = '';
  private readonly pattern: RegExp;
  private readonly hold: number;

  constructor(secrets: readonly string[]) {
    const sorted = [...new Set(secrets)].filter((secret) => secret !== '').sort((a, b) => b.length - a.length);
    this.pattern = new RegExp(sorted.map((secret) => secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
    this.hold = (sorted[0]?.length ?? 1) - 1;
  }

  write(text: string): string {
    const all = this.pending + text;
    let end = Math.max(0, all.length - this.hold);
    for (const match of all.matchAll(this.pattern)) {
      if (match.index >= end) break;
      end = Math.max(end, match.index + match[0].length);
    }
    // Never between the two halves of a surrogate pair.
    if (end > 0 && end < all.length && /[\uD800-\uDBFF]/.test(all.charAt(end - 1))) end -= 1;
    this.pending = all.slice(end);
    return all.slice(0, end).replace(this.pattern, REDACTED);
  }

  end(): string {
    const rest = this.pending.replace(this.pattern, REDACTED);
    this.pending = '';
    return rest;
  }
}

/**
 * What one target printed: every byte hashed in the order it arrived; the text kept up to `cap`
 * bytes, then one marker chunk saying how much was cut. Chunks on one stream in one millisecond
 * are joined.
 */
export class TargetOutput {
  readonly chunks: OutputChunk[] = [];
  bytes = 0;
  private kept = 0;
  truncated = false;
  private readonly hash: Hash = createHash('sha256');
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private readonly masks: { stdout: SecretMask; stderr: SecretMask } | null;

  constructor(
    private readonly cap: number,
    private readonly now: () => number,
    /** Where each piece goes as it arrives, for the live events: whether it has room now, the piece, or the bytes it had no room for. */
    private readonly live: { room(): boolean; add(chunk: OutputChunk): void; skip(bytes: number): void },
    /** Values never to store or send (a runbook's secret parameters): replaced by [redacted] in the text. The hash is of the bytes as printed. */
    secrets: readonly string[] = [],
  ) {
    this.masks = secrets.some((secret) => secret !== '') ? { stdout: new SecretMask(secrets), stderr: new SecretMask(secrets) } : null;
  }

  /** The start of what a stream printed, as stored (for reading a tool's own refusal, such as sudo's). */
  head(stream: 'stdout' | 'stderr'): string {
    return this.chunks
      .filter((chunk) => chunk.stream === stream)
      .map((chunk) => chunk.text)
      .join('')
      .slice(0, 1000);
  }

  add(stream: 'stdout' | 'stderr', data: Buffer): void {
    this.bytes += data.length;
    this.hash.update(data);
    // Past the cap with the live batch full, the bytes are only hashed and counted: a target
    // printing megabytes makes no strings (and no garbage to collect) nobody will see.
    if (this.truncated && !this.live.room()) return this.live.skip(data.length);
    const decoded = this.decoders[stream].write(data);
    const text = this.masks ? this.masks[stream].write(decoded) : decoded;
    if (text === '') return;
    const chunk = { t: this.now(), stream, text };
    this.live.add(chunk);
    if (this.truncated) return;
    const room = this.cap - this.kept;
    const size = Buffer.byteLength(text);
    if (size <= room) return this.keep(chunk, size);
    // Cut at a character, not inside one.
    const head = Buffer.from(text)
      .subarray(0, room)
      .toString('utf8')
      .replace(/\uFFFD$/, '');
    if (head !== '') this.keep({ ...chunk, text: head }, Buffer.byteLength(head));
    this.truncated = true;
  }

  private keep(chunk: OutputChunk, size: number): void {
    this.kept += size;
    const last = this.chunks.at(-1);
    if (last && last.stream === chunk.stream && last.t === chunk.t) last.text += chunk.text;
    else this.chunks.push(chunk);
  }

  /** The stored chunks with the marker where they were cut, and the hash of everything printed. */
  finish(): { output: OutputChunk[]; outputBytes: number; truncated: boolean; sha256: string } {
    for (const stream of ['stdout', 'stderr'] as const) {
      const decoded = this.decoders[stream].end();
      const rest = this.masks ? this.masks[stream].write(decoded) + this.masks[stream].end() : decoded;
      if (rest === '') continue;
      // What was held back (a character's first bytes, the tail a secret might have started in) goes out live too.
      const chunk = { t: this.now(), stream, text: rest };
      this.live.add(chunk);
      if (!this.truncated) this.keep(chunk, Buffer.byteLength(rest));
    }
    const output = [...this.chunks];
    if (this.truncated) {
      output.push({
        t: this.now(),
        stream: 'stderr',
        text: `\n[guardian: output cut here; ${this.bytes - this.kept} more bytes were printed and not stored]\n`,
      });
    }
    return { output, outputBytes: this.bytes, truncated: this.truncated, sha256: this.hash.digest('hex') };
  }
}

export interface ExecOutcome {
  exitCode: number | null;
  /** The signal that ended the command's wrapper, if one did. */
  signal: string | null;
}

/** Runs `command` on `client` (logged in), feeding `output`; resolves when the channel closes. */
export function execute(client: Client, command: string, output: TargetOutput, options: ExecOptions = {}): Promise<ExecOutcome> {
  const preamble = options.env ? envPreamble(options.env) : '';
  const envBytes = Buffer.byteLength(preamble);
  return new Promise((resolve, reject) => {
    client.exec(wrapped(command, { envBytes, sudo: options.sudo === true }), (error, channel) => {
      if (error) return reject(error);
      // Not ended: the channel's end is what tells the wrapper to stop the command.
      if (envBytes > 0) channel.write(preamble);
      let outcome: ExecOutcome = { exitCode: null, signal: null };
      channel.on('data', (data: Buffer) => output.add('stdout', data));
      channel.stderr.on('data', (data: Buffer) => output.add('stderr', data));
      channel.on('exit', (code: number | null, signal?: string) => {
        outcome = { exitCode: typeof code === 'number' ? code : null, signal: signal ?? null };
      });
      channel.on('close', () => resolve(outcome));
    });
  });
}

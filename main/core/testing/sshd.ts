/**
 * A real OpenSSH server on 127.0.0.1 for tests that connect and log in over SSH: its own config,
 * host key, authorized_keys and pid file in a temp dir, on a free high port, as a child process.
 * It restarts on the same port, optionally with a new host key (to prove host key pinning).
 *
 * Only tests import this module; nothing in the product does.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

export const SSHD = '/usr/sbin/sshd';

/**
 * Makes sure `/usr/sbin/sshd` exists: installs openssh-server when it is missing and we are root
 * with apt-get (as `.ci/test.mjs` does), else throws saying what to install.
 */
export function ensureSshd(): void {
  if (existsSync(SSHD)) return;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () => spawnSync('apt-get', ['install', '-y', '-qq', 'openssh-server'], { stdio: 'ignore', env, timeout: 300_000 }).status === 0;
    if (install() || (spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env, timeout: 300_000 }).status === 0 && install())) {
      if (existsSync(SSHD)) return;
    }
  }
  throw new Error(`these tests need ${SSHD}: install it with  sudo apt-get install -y openssh-server`);
}

/** An ed25519 key pair made by ssh-keygen, in OpenSSH format. */
export interface KeyPair {
  privateKey: string;
  publicKey: string;
  /** The public key file, for `ssh-keygen -lf`. */
  publicFile: string;
}

/** The SHA256 fingerprint `ssh-keygen -lf` prints for a public key file: "SHA256:…". */
export function keygenFingerprint(publicFile: string): string {
  const line = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicFile], { encoding: 'utf8' });
  const fingerprint = line.split(/\s+/)[1];
  if (!fingerprint?.startsWith('SHA256:')) throw new Error(`ssh-keygen printed no fingerprint: ${line}`);
  return fingerprint;
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(500);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

export class TestSshd {
  /** The login name that may log in: whoever runs the tests. */
  readonly user = userInfo().username;
  private child: ChildProcess | null = null;
  private log = '';
  private keyCount = 0;

  private constructor(
    readonly dir: string,
    readonly port: number,
    /** The loopback address it listens on (127.0.0.1 unless asked): several hosts on one machine. */
    readonly address: string,
    /** sshd_config lines added to its own, e.g. `AllowTcpForwarding no` for a jump host that refuses to forward. */
    private readonly extra: readonly string[] = [],
  ) {}

  /** Starts an sshd with a new host key on a free port, on `address` (any of 127.0.0.0/8; 127.0.0.1 by default), with `config` lines of its own. */
  static async start(options: { address?: string; config?: readonly string[] } = {}): Promise<TestSshd> {
    ensureSshd();
    const sshd = new TestSshd(mkdtempSync(join(tmpdir(), 'guardian-sshd-')), await freePort(), options.address ?? '127.0.0.1', options.config);
    try {
      sshd.writeConfig();
      sshd.newHostKey();
      writeFileSync(sshd.authorizedKeys, '', { mode: 0o600 });
      await sshd.launch();
      return sshd;
    } catch (error) {
      await sshd.dispose();
      throw error;
    }
  }

  private get authorizedKeys(): string {
    return join(this.dir, 'authorized_keys');
  }

  /** The host key's public file. */
  get hostKeyFile(): string {
    return join(this.dir, 'host_ed25519_key.pub');
  }

  /** The host key's fingerprint as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint(): string {
    return keygenFingerprint(this.hostKeyFile);
  }

  /**
   * A new client key pair (encrypted with `passphrase` if given), allowed to log in unless
   * `authorize` is false. An encrypted key's passphrase goes through one round of bcrypt_pbkdf
   * (`-a 1`), not ssh-keygen's 16: ssh2 opens a 16-round key in 1 to 4 s of JavaScript, on every
   * login and on every wrong passphrase, and what these keys prove is that an encrypted key is
   * opened (or refused), not at what cost; main/core/vault/secrets.test.ts opens a 16-round key.
   */
  clientKey(options: { passphrase?: string; authorize?: boolean } = {}): KeyPair {
    const file = join(this.dir, `client_${++this.keyCount}`);
    const rounds = options.passphrase ? ['-a', '1'] : [];
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', options.passphrase ?? '', ...rounds, '-C', `guardian-test-${this.keyCount}`, '-f', file], {
      stdio: 'ignore',
    });
    const pair = { privateKey: readFileSync(file, 'utf8'), publicKey: readFileSync(`${file}.pub`, 'utf8'), publicFile: `${file}.pub` };
    if (options.authorize !== false) writeFileSync(this.authorizedKeys, pair.publicKey, { flag: 'a' });
    return pair;
  }

  /** Lets a key another server made log in here too. */
  authorize(pair: KeyPair): void {
    writeFileSync(this.authorizedKeys, pair.publicKey, { flag: 'a' });
  }

  /** What sshd has logged since it last started (LogLevel INFO): who logged in, who failed. */
  output(): string {
    return this.log;
  }

  /** Stops the server and starts it again on the same port, with a new host key if asked. */
  async restart(options: { newHostKey?: boolean } = {}): Promise<void> {
    await this.stop();
    if (options.newHostKey) this.newHostKey();
    await this.launch();
  }

  /** Stops the server and removes its directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private newHostKey(): void {
    const key = join(this.dir, 'host_ed25519_key');
    rmSync(key, { force: true });
    rmSync(`${key}.pub`, { force: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'guardian-test-host', '-f', key], { stdio: 'ignore' });
  }

  private writeConfig(): void {
    const config = [
      // First: sshd takes a keyword's first value, so a test's own line (LogLevel DEBUG1) wins over the defaults below.
      ...this.extra,
      `Port ${this.port}`,
      `ListenAddress ${this.address}`,
      `HostKey ${join(this.dir, 'host_ed25519_key')}`,
      `PidFile ${join(this.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${this.authorizedKeys}`,
      `AllowUsers ${this.user}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // The temp dir and its files belong to whoever runs the tests, not to the login user's home.
      'StrictModes no',
      'PrintMotd no',
      'PrintLastLog no',
      'LogLevel INFO',
      // SFTP for operations.push, served by sshd itself (no sftp-server binary needed).
      'Subsystem sftp internal-sftp',
      // A command runs as the login user's shell would run it (`bash -c`), but without that user's
      // ~/.bashrc: Debian's bash sources it for a command sshd runs unless SHLVL says it is nested.
      // Root's on this machine runs pyenv's init, 1.3 s of every command (1,577 → 304 ms each), and a
      // command killed in it (a cancel, a closed terminal) left pyenv's lock behind, which held every
      // later login up to 60 s. Interactive shells (terminals) still read it.
      'SetEnv SHLVL=1',
      '',
    ].join('\n');
    writeFileSync(join(this.dir, 'sshd_config'), config);
  }

  private async launch(): Promise<void> {
    // Debian's sshd, started as root, refuses to run without its privilege separation directory.
    if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    this.log = '';
    const child = spawn(SSHD, ['-D', '-e', '-f', join(this.dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr?.on('data', (chunk: Buffer) => {
      if (this.log.length < 16_384) this.log += chunk.toString('utf8');
    });
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (child.exitCode !== null || child.signalCode !== null) {
        this.child = null;
        throw new Error(`sshd exited (${child.exitCode ?? child.signalCode}): ${this.log.trim()}`);
      }
      if (await accepts(this.address, this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.stop();
    throw new Error(`sshd did not listen on ${this.address}:${this.port} within 10 s: ${this.log.trim()}`);
  }

  /** Stops the server, keeping its port, keys and directory: restart() starts it again. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  }
}

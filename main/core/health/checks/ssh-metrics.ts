import { AppError } from '@shared/api/errors';
import type { SecretValue } from '@shared/api/vault';
import { sshMetricsConfig, type SshMetricsConfig } from '@shared/health/ssh-metrics';
import { type CheckContext, type CheckResult, type CheckStatus, type CheckType, hostPort } from '../check';
import { shellQuote } from '../../shell-quote';
import { loadSsh2 } from '../../ssh2';
import { type SshLogin, type SshSession, withSshSession } from './ssh-session';

/**
 * Load, memory and disk of a Linux host, read over SSH with one command and nothing installed on
 * the host: /proc/loadavg, nproc, /proc/meminfo and `df -P`.
 */

export interface DiskUsage {
  /** The path asked about. */
  mount: string;
  filesystem: string;
  /** Where the file system holding `mount` is mounted. */
  mountedOn: string;
  sizeKb: number;
  usedKb: number;
  availableKb: number;
  /** Used of what non-root users can have (used + available), as `df` counts it; one decimal. */
  usedPercent: number;
}

export interface HostMetrics {
  load: { one: number; five: number; fifteen: number };
  cores: number;
  memory: { totalKb: number; availableKb: number };
  /** One per mount asked about, in order; `problem` when df could not read it. */
  disks: Array<DiskUsage | { mount: string; problem: string }>;
}

/** The one command the check runs: each part after a `@@` marker line, for any login shell via `sh -c`. */
export function metricsCommand(mounts: readonly string[]): string {
  const script = [
    'echo @@loadavg',
    'cat /proc/loadavg',
    'echo @@nproc',
    'nproc 2>/dev/null || grep -c ^processor /proc/cpuinfo',
    'echo @@meminfo',
    "grep -E '^(MemTotal|MemAvailable|MemFree|Buffers|Cached):' /proc/meminfo",
    ...mounts.flatMap((mount, index) => [`echo @@df ${index}`, `df -P -k -- ${shellQuote(mount)} 2>&1`]),
  ].join('\n');
  return `sh -c ${shellQuote(script)}`;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * The numbers in what `metricsCommand(mounts)` printed. Throws an Error in a person's words when
 * the output lacks a part (not Linux, /proc hidden).
 */
export function parseMetrics(output: string, mounts: readonly string[]): HostMetrics {
  const sections = new Map<string, string[]>();
  let lines: string[] | null = null;
  for (const line of output.split('\n')) {
    const marker = /^@@(.+)$/.exec(line.trim());
    if (marker?.[1]) sections.set(marker[1], (lines = []));
    else lines?.push(line);
  }

  const loadavg = /^(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s/.exec(sections.get('loadavg')?.join('\n') ?? '');
  if (!loadavg) throw new Error('the host printed no load average (/proc/loadavg)');
  const cores = Number((sections.get('nproc') ?? []).find((line) => /^\s*\d+\s*$/.test(line)));
  if (!Number.isInteger(cores) || cores < 1) throw new Error('the host printed no CPU count (nproc)');

  const meminfo = new Map<string, number>();
  for (const line of sections.get('meminfo') ?? []) {
    const field = /^(\w+):\s+(\d+)\s*kB/.exec(line);
    if (field?.[1] && field[2]) meminfo.set(field[1], Number(field[2]));
  }
  const totalKb = meminfo.get('MemTotal');
  // Kernels before 3.14 have no MemAvailable: free plus page cache is the usual stand-in.
  const availableKb = meminfo.get('MemAvailable') ?? sumIfAll([meminfo.get('MemFree'), meminfo.get('Buffers'), meminfo.get('Cached')]);
  if (!totalKb || availableKb === undefined) throw new Error('the host printed no memory figures (/proc/meminfo)');

  const disks = mounts.map((mount, index) => {
    const section = sections.get(`df ${index}`) ?? [];
    // Filesystem, 1024-blocks, Used, Available, Capacity, Mounted on: names may hold spaces.
    const row = section.map((line) => /^(.*?)\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+%\s+(.+)$/.exec(line)).find((match) => match !== null);
    if (!row) {
      const said = section.map((line) => line.trim()).find((line) => line.length > 0);
      return { mount, problem: said ? said.slice(0, 200) : 'df printed nothing' };
    }
    const [, filesystem = '', size, used, available, mountedOn = ''] = row;
    const usedKb = Number(used);
    const availableKb = Number(available);
    const usable = usedKb + availableKb;
    return { mount, filesystem, mountedOn, sizeKb: Number(size), usedKb, availableKb, usedPercent: usable > 0 ? round((usedKb / usable) * 100, 1) : 0 };
  });

  return {
    load: { one: Number(loadavg[1]), five: Number(loadavg[2]), fifteen: Number(loadavg[3]) },
    cores,
    memory: { totalKb, availableKb },
    disks,
  };
}

function sumIfAll(values: Array<number | undefined>): number | undefined {
  return values.every((value) => value !== undefined) ? values.reduce<number>((sum, value) => sum + (value ?? 0), 0) : undefined;
}

type Thresholds = SshMetricsConfig['thresholds'];
const RANK: Record<CheckStatus, number> = { up: 0, degraded: 1, down: 2 };

/** A percentage in a message: whole, unless rounding would hide that it is past `limit`. */
function percent(value: number, limit?: number): string {
  return limit !== undefined && Math.round(value) <= limit ? value.toFixed(1) : String(Math.round(value));
}

/** The verdict on the numbers: the worst threshold passed decides, and each one passed is named. */
export function judgeMetrics(metrics: HostMetrics, thresholds: Thresholds): { status: CheckStatus; message: string; data: Record<string, unknown> } {
  const loadPerCore = round(metrics.load.five / metrics.cores, 2);
  const memoryPercent = round(((metrics.memory.totalKb - metrics.memory.availableKb) / metrics.memory.totalKb) * 100, 1);
  const problems: Array<{ status: CheckStatus; words: string }> = [];
  const past = (value: number, limits: { degraded: number; down: number }): { status: CheckStatus; limit: number } | null =>
    value > limits.down ? { status: 'down', limit: limits.down } : value > limits.degraded ? { status: 'degraded', limit: limits.degraded } : null;

  const load = past(loadPerCore, thresholds.loadPerCore);
  if (load) problems.push({ status: load.status, words: `load is ${loadPerCore.toFixed(2)}/core (${load.status} above ${load.limit})` });
  const memory = past(memoryPercent, thresholds.memoryPercent);
  if (memory)
    problems.push({ status: memory.status, words: `memory is ${percent(memoryPercent, memory.limit)} % used (${memory.status} above ${memory.limit} %)` });
  const summary = [`load ${loadPerCore.toFixed(2)}/core`, `memory ${percent(memoryPercent)} %`];
  for (const disk of metrics.disks) {
    if ('problem' in disk) {
      problems.push({ status: 'down', words: `disk ${disk.mount} could not be read: ${disk.problem}` });
      continue;
    }
    summary.push(`disk ${disk.mount} ${percent(disk.usedPercent)} %`);
    const full = past(disk.usedPercent, thresholds.diskPercent);
    if (full)
      problems.push({
        status: full.status,
        words: `disk ${disk.mount} is ${percent(disk.usedPercent, full.limit)} % full (${full.status} above ${full.limit} %)`,
      });
  }

  problems.sort((a, b) => RANK[b.status] - RANK[a.status]);
  return {
    status: problems[0]?.status ?? 'up',
    message: problems.length > 0 ? problems.map((problem) => problem.words).join('; ') : summary.join(', '),
    data: {
      load: metrics.load,
      cores: metrics.cores,
      loadPerCore,
      memory: { ...metrics.memory, usedPercent: memoryPercent },
      disks: metrics.disks,
    },
  };
}

/** Most a well-behaved host prints for the command; more is cut off, not buffered. */
const MAX_OUTPUT = 64 * 1024;

/** The host the check logs in to: its server's, unless the config names it (it must be the same). */
export function metricsHost(config: SshMetricsConfig, ctx: CheckContext): string | undefined {
  return config.host ?? ctx.server?.host;
}

/** What the vault holds for `secretId` as an SSH login to `host`, or the `down` answer why not. */
async function loginFrom(config: SshMetricsConfig, host: string, ctx: CheckContext): Promise<SshLogin | CheckResult> {
  if (!ctx.credential) throw new Error('ssh-metrics checks need ctx.credential to read the vault');
  let secret: SecretValue;
  try {
    secret = (await ctx.credential(config.credentialId, host)).value;
  } catch (error) {
    if (error instanceof AppError) return { status: 'down', latencyMs: null, message: `cannot log in to ${hostPort(host, config.port)}: ${error.message}` };
    throw error;
  }
  switch (secret.kind) {
    case 'password':
      return { username: config.user, password: secret.password };
    case 'ssh_key': {
      // Opened once, here: a wrong passphrase is named in words, and the KDF runs once per check.
      const parsed = (await loadSsh2()).utils.parseKey(secret.privateKey, secret.passphrase);
      const key = Array.isArray(parsed) ? parsed[0] : parsed;
      if (!key || key instanceof Error || !key.isPrivateKey()) {
        return {
          status: 'down',
          latencyMs: null,
          message: 'the SSH key in the vault cannot be opened: its passphrase is wrong or missing, or it is not a private key',
        };
      }
      return { username: config.user, key };
    }
    case 'api_token':
    case 'note':
      return {
        status: 'down',
        latencyMs: null,
        message: `the vault secret for this check is ${secret.kind === 'note' ? 'a note' : 'an API token'}, not a password or an SSH key`,
      };
  }
}

/** Runs `command` on the session and answers what it printed on stdout. */
function execute(session: SshSession, command: string): Promise<{ output: string; exitCode: number | null }> {
  return new Promise((resolve, reject) => {
    session.client.exec(command, (error, stream) => {
      if (error) return reject(error);
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        if (size < MAX_OUTPUT) chunks.push(chunk.subarray(0, MAX_OUTPUT - size));
        size += chunk.length;
      });
      stream.stderr.resume();
      let exitCode: number | null = null;
      stream.on('exit', (code: number | null) => (exitCode = code));
      stream.on('close', () => resolve({ output: Buffer.concat(chunks).toString('utf8'), exitCode }));
    });
  });
}

/** Logs in with a vault secret and reads load, memory and disk use against thresholds. */
export const sshMetricsCheck: CheckType<SshMetricsConfig> = {
  type: 'ssh-metrics',
  configSchema: sshMetricsConfig,
  async run(config, ctx) {
    const host = metricsHost(config, ctx);
    if (host === undefined) return { status: 'down', latencyMs: null, message: 'no host to log in to: the check has no server' };
    // The host is decided once: the vault checks it, and the session connects to it.
    const login = await loginFrom(config, host, ctx);
    if ('status' in login) return login;
    return withSshSession(host, config.port, ctx, login, async (session) => {
      let ran: { output: string; exitCode: number | null };
      try {
        ran = await execute(session, metricsCommand(config.mounts));
      } catch (error) {
        return {
          status: 'down',
          latencyMs: null,
          message: `cannot run the metrics command on ${session.target}: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
      const { output, exitCode } = ran;
      const latencyMs = session.elapsed();
      let metrics: HostMetrics;
      try {
        metrics = parseMetrics(output, config.mounts);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return { status: 'down', latencyMs, message: `cannot read metrics on ${session.target}: ${reason}${exitCode ? ` (exit ${exitCode})` : ''}` };
      }
      const verdict = judgeMetrics(metrics, config.thresholds);
      return { status: verdict.status, latencyMs, message: verdict.message, data: { ...verdict.data, fingerprint: session.fingerprint } };
    });
  },
};

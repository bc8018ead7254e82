import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@shared/api/errors';
import type { SecretValue } from '@shared/api/vault';
import { sshMetricsConfig } from '@shared/health/ssh-metrics';
import type { CheckContext, CheckResult, HostKeyPins } from '../check';
import { type KeyPair, TestSshd } from '../../testing/sshd';
import { type HostMetrics, judgeMetrics, metricsCommand, parseMetrics, sshMetricsCheck } from './ssh-metrics';

/** Planted in every secret: no result may ever carry it. */
const CANARY = 'canary-Zq7#not-for-results';
const SECRET_ID = '5f2b7a7e-8a3e-4e55-9d6b-3c1c2f4a9b10';

function memoryPins(): HostKeyPins {
  const all = new Map<string, string>();
  return { get: (target) => Promise.resolve(all.get(target) ?? null), pin: (target, fingerprint) => void all.set(target, fingerprint) };
}

let sshd: TestSshd;
let key: KeyPair;
let strangerKey: KeyPair;

const sshKey = (pair: KeyPair, passphrase = CANARY): SecretValue => ({ kind: 'ssh_key', privateKey: pair.privateKey, passphrase });

/** Runs the check with `secret` behind SECRET_ID, and fails the test if the result shows the canary. */
async function run(
  secret: SecretValue | (() => SecretValue),
  over: Partial<z.input<typeof sshMetricsConfig>> = {},
  hostKeys = memoryPins(),
): Promise<CheckResult> {
  // This machine's own load is not under the test's control (other suites run beside it): the
  // load threshold is set out of reach unless a test sets it.
  const thresholds = { loadPerCore: { degraded: 1000, down: 2000 }, ...over.thresholds };
  const config = sshMetricsConfig.parse({ host: '127.0.0.1', port: sshd.port, user: sshd.user, credentialId: SECRET_ID, ...over, thresholds });
  const ctx: CheckContext = {
    signal: new AbortController().signal,
    timeoutMs: 10_000,
    now: () => Date.now(),
    hostKeys,
    credential: async (id) => {
      if (id !== SECRET_ID) throw new AppError('NOT_FOUND', 'No such secret.', { hint: '' });
      return { value: typeof secret === 'function' ? secret() : secret, username: null };
    },
  };
  const result = await sshMetricsCheck.run(config, ctx);
  expect(JSON.stringify(result)).not.toContain(CANARY);
  return result;
}

beforeAll(async () => {
  sshd = await TestSshd.start();
  key = sshd.clientKey({ passphrase: CANARY });
  strangerKey = sshd.clientKey({ passphrase: CANARY, authorize: false });
}, 300_000);

afterAll(async () => {
  await sshd?.dispose();
});

describe('ssh-metrics check against a real sshd', () => {
  it('is up with the host’s real load, memory and disk', async () => {
    const result = await run(sshKey(key));
    expect(result.status).toBe('up');
    expect(result.latencyMs).toBeGreaterThan(0);
    expect(result.message).toMatch(/^load \d+\.\d\d\/core, memory \d+ %, disk \/ \d+ %$/);
    const data = result.data as {
      loadPerCore: number;
      cores: number;
      memory: { usedPercent: number };
      disks: Array<{ mount: string; usedPercent: number }>;
      fingerprint: string;
    };
    expect(data.loadPerCore).toBeGreaterThanOrEqual(0);
    expect(data.cores).toBeGreaterThanOrEqual(1);
    expect(data.memory.usedPercent).toBeGreaterThan(0);
    expect(data.memory.usedPercent).toBeLessThanOrEqual(100);
    expect(data.disks).toHaveLength(1);
    expect(data.disks[0]?.mount).toBe('/');
    expect(data.disks[0]?.usedPercent).toBeGreaterThanOrEqual(0);
    expect(data.disks[0]?.usedPercent).toBeLessThanOrEqual(100);
    expect(data.fingerprint).toBe(sshd.hostKeyFingerprint());
    expect(sshd.output()).toMatch(new RegExp(`Accepted publickey for ${sshd.user} from 127\\.0\\.0\\.1`));
  });

  it('is degraded or down, in words, past the thresholds', async () => {
    const degraded = await run(sshKey(key), { thresholds: { memoryPercent: { degraded: 0, down: 100 } } });
    expect(degraded.status).toBe('degraded');
    expect(degraded.message).toMatch(/^memory is [\d.]+ % used \(degraded above 0 %\)$/);

    const down = await run(sshKey(key), { thresholds: { memoryPercent: { degraded: 0, down: 100 }, diskPercent: { degraded: 0, down: 0 } } });
    expect(down.status).toBe('down');
    expect(down.message).toMatch(/^disk \/ is [\d.]+ % full \(down above 0 %\); memory is [\d.]+ % used \(degraded above 0 %\)$/);
  });

  it('logs in with a password secret too, and names the failure when the host refuses passwords', async () => {
    const result = await run({ kind: 'password', password: CANARY });
    expect(result).toEqual({ status: 'down', latencyMs: null, message: `authentication failed for user ${sshd.user} on 127.0.0.1:${sshd.port}` });
  });

  it('is down with "authentication failed" for a key the host does not accept', async () => {
    const result = await run(sshKey(strangerKey));
    expect(result).toEqual({ status: 'down', latencyMs: null, message: `authentication failed for user ${sshd.user} on 127.0.0.1:${sshd.port}` });
  });

  it('is down, without quoting it, when the key’s passphrase is wrong', async () => {
    const result = await run({ kind: 'ssh_key', privateKey: key.privateKey, passphrase: `${CANARY}-wrong` });
    expect(result.status).toBe('down');
    expect(result.message).toBe('the SSH key in the vault cannot be opened: its passphrase is wrong or missing, or it is not a private key');
  });

  it('is down with the vault’s words when the vault is locked', async () => {
    const result = await run(() => {
      throw new AppError('VAULT_LOCKED', 'The vault is locked.', { hint: 'Unlock it.' });
    });
    expect(result).toEqual({ status: 'down', latencyMs: null, message: `cannot log in to 127.0.0.1:${sshd.port}: The vault is locked.` });
  });

  it('is down for a secret that is neither a password nor an SSH key', async () => {
    const result = await run({ kind: 'api_token', token: CANARY });
    expect(result).toMatchObject({ status: 'down', message: 'the vault secret for this check is an API token, not a password or an SSH key' });
  });

  it('is down naming a watched path the host does not have', async () => {
    const result = await run(sshKey(key), { mounts: ['/', '/no/such/mount'] });
    expect(result.status).toBe('down');
    expect(result.message).toMatch(/^disk \/no\/such\/mount could not be read: df: .*No such file or directory$/);
  });

  it('is down with HOST_KEY_MISMATCH, before logging in, once the host key changes', async () => {
    const pins = memoryPins();
    const before = sshd.hostKeyFingerprint();
    expect((await run(sshKey(key), {}, pins)).status).toBe('up');
    await sshd.restart({ newHostKey: true });
    const after = sshd.hostKeyFingerprint();

    const result = await run(sshKey(key), {}, pins);
    expect(result.status).toBe('down');
    expect(result.message).toBe(`host key mismatch on 127.0.0.1:${sshd.port}: expected ${before}, got ${after}`);
    expect(result.data).toEqual({ code: 'HOST_KEY_MISMATCH', expected: before, actual: after });
    // The key exchange stopped at the host key: the server never saw a login attempt.
    expect(sshd.output()).not.toMatch(/Accepted|Failed|Postponed|userauth/i);
  });

  it('throws, as a bug, without a way to read the vault', async () => {
    const config = sshMetricsConfig.parse({ host: '127.0.0.1', port: sshd.port, user: sshd.user, credentialId: SECRET_ID });
    await expect(
      sshMetricsCheck.run(config, { signal: new AbortController().signal, timeoutMs: 1000, now: () => Date.now(), hostKeys: memoryPins() }),
    ).rejects.toThrow(/credential/);
  });
});

const SAMPLE = `@@loadavg
0.52 1.20 0.98 2/345 67890
@@nproc
4
@@meminfo
MemTotal:       16000000 kB
MemFree:         2000000 kB
MemAvailable:    6000000 kB
Buffers:          500000 kB
Cached:          3000000 kB
@@df 0
Filesystem     1024-blocks      Used Available Capacity Mounted on
/dev/sda1         98000000  73000000  25000000      75% /
@@df 1
Filesystem     1024-blocks      Used Available Capacity Mounted on
/dev/sdb1 with space 1000000    960000     40000      97% /srv/game data
@@df 2
df: /nope: No such file or directory
`;

const DEFAULTS = sshMetricsConfig.parse({ host: 'h', user: 'u', credentialId: SECRET_ID }).thresholds;

describe('parseMetrics', () => {
  it('reads load, cores, memory and each mount, names with spaces included', () => {
    expect(parseMetrics(SAMPLE, ['/', '/srv/game data', '/nope'])).toEqual({
      load: { one: 0.52, five: 1.2, fifteen: 0.98 },
      cores: 4,
      memory: { totalKb: 16_000_000, availableKb: 6_000_000 },
      disks: [
        { mount: '/', filesystem: '/dev/sda1', mountedOn: '/', sizeKb: 98_000_000, usedKb: 73_000_000, availableKb: 25_000_000, usedPercent: 74.5 },
        {
          mount: '/srv/game data',
          filesystem: '/dev/sdb1 with space',
          mountedOn: '/srv/game data',
          sizeKb: 1_000_000,
          usedKb: 960_000,
          availableKb: 40_000,
          usedPercent: 96,
        },
        { mount: '/nope', problem: 'df: /nope: No such file or directory' },
      ],
    });
  });

  it('falls back to free + buffers + cache on kernels without MemAvailable', () => {
    const old = SAMPLE.replace(/^MemAvailable:.*\n/m, '');
    expect(parseMetrics(old, ['/']).memory).toEqual({ totalKb: 16_000_000, availableKb: 5_500_000 });
  });

  it('says which part is missing when the host is not the Linux it expects', () => {
    expect(() => parseMetrics('@@loadavg\ncat: /proc/loadavg: No such file\n@@nproc\n8\n', ['/'])).toThrow('the host printed no load average (/proc/loadavg)');
    expect(() => parseMetrics(SAMPLE.replace('@@nproc\n4\n', '@@nproc\n'), ['/'])).toThrow('the host printed no CPU count (nproc)');
    expect(() => parseMetrics(SAMPLE.replace(/MemTotal.*\n/, ''), ['/'])).toThrow('the host printed no memory figures (/proc/meminfo)');
  });

  it('parses what its own command prints on this machine, with a quote in a path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'guardian-metrics-'));
    const odd = join(dir, "it's a dir");
    mkdirSync(odd);
    try {
      const output = execFileSync('sh', ['-c', metricsCommand(['/', odd])], { encoding: 'utf8' });
      const metrics = parseMetrics(output, ['/', odd]);
      expect(metrics.cores).toBeGreaterThanOrEqual(1);
      expect(metrics.disks.map((disk) => ('problem' in disk ? disk.problem : disk.mount))).toEqual(['/', odd]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('judgeMetrics', () => {
  const metrics = (over: Partial<HostMetrics> = {}): HostMetrics => ({ ...parseMetrics(SAMPLE, ['/']), ...over });

  it('is up with a one-line summary when nothing passes a threshold', () => {
    expect(judgeMetrics(metrics(), DEFAULTS)).toMatchObject({ status: 'up', message: 'load 0.30/core, memory 63 %, disk / 75 %' });
  });

  it('takes the worst threshold passed, and names every one, worst first', () => {
    const busy = metrics({ load: { one: 9, five: 7, fifteen: 5 }, disks: parseMetrics(SAMPLE, ['/', '/srv/game data']).disks.slice(1) });
    expect(judgeMetrics(busy, DEFAULTS)).toMatchObject({
      status: 'down',
      message: 'disk /srv/game data is 96 % full (down above 95 %); load is 1.75/core (degraded above 1.5)',
    });
    expect(judgeMetrics(metrics({ load: { one: 30, five: 20, fifteen: 10 } }), DEFAULTS)).toMatchObject({
      status: 'down',
      message: 'load is 5.00/core (down above 4)',
    });
  });

  it('shows a decimal where a whole number would hide that a threshold is passed', () => {
    const disk = { mount: '/', filesystem: 'x', mountedOn: '/', sizeKb: 1000, usedKb: 954, availableKb: 46, usedPercent: 95.4 };
    expect(judgeMetrics(metrics({ disks: [disk] }), DEFAULTS).message).toBe('disk / is 95.4 % full (down above 95 %)');
  });

  it('reports the numbers in data', () => {
    expect(judgeMetrics(metrics(), DEFAULTS).data).toMatchObject({
      cores: 4,
      loadPerCore: 0.3,
      memory: { totalKb: 16_000_000, availableKb: 6_000_000, usedPercent: 62.5 },
    });
  });
});

describe('ssh-metrics config', () => {
  it('fills the thresholds and mounts in, and refuses what makes no sense', () => {
    expect(sshMetricsConfig.parse({ host: 'h', user: 'root', credentialId: SECRET_ID })).toEqual({
      host: 'h',
      port: 22,
      user: 'root',
      credentialId: SECRET_ID,
      thresholds: { loadPerCore: { degraded: 1.5, down: 4 }, memoryPercent: { degraded: 85, down: 95 }, diskPercent: { degraded: 85, down: 95 } },
      mounts: ['/'],
    });
    const base = { host: 'h', user: 'root', credentialId: SECRET_ID };
    expect(sshMetricsConfig.safeParse({ ...base, thresholds: { diskPercent: { degraded: 96 } } }).success).toBe(false);
    expect(sshMetricsConfig.safeParse({ ...base, mounts: ['var'] }).success).toBe(false);
    expect(sshMetricsConfig.safeParse({ ...base, credentialId: 'not-a-uuid' }).success).toBe(false);
    expect(sshMetricsConfig.safeParse({ ...base, password: 'x' }).success).toBe(false);
  });
});

import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshConfig } from '@shared/health/ssh';
import type { CheckContext, HostKeyPins } from '../check';
import { TestSshd } from '../../testing/sshd';
import { closedPort, Peers } from './testing/peers';
import { sshCheck } from './ssh';
import { sshFingerprint } from './ssh-session';

/** Host key pins in memory, as the scheduler keeps them in the database. */
function memoryPins(): HostKeyPins & { all: Map<string, string> } {
  const all = new Map<string, string>();
  return { all, get: (target) => Promise.resolve(all.get(target) ?? null), pin: (target, fingerprint) => void all.set(target, fingerprint) };
}

const ctx = (hostKeys: HostKeyPins, over: Partial<CheckContext> = {}): CheckContext => ({
  signal: new AbortController().signal,
  timeoutMs: 5000,
  now: () => Date.now(),
  hostKeys,
  ...over,
});

let sshd: TestSshd;
const peers = new Peers();
let silentPort: number;
let refusingPort: number;

beforeAll(async () => {
  sshd = await TestSshd.start();
  // Accepts the connection and never says a word.
  silentPort = await peers.listen(createServer(() => undefined));
  refusingPort = await closedPort();
}, 300_000);

afterAll(async () => {
  await peers.closeAll();
  await sshd?.dispose();
});

describe('ssh check', () => {
  it('is up after the handshake, with the fingerprint ssh-keygen prints, and pins it on first success', async () => {
    const pins = memoryPins();
    const target = `127.0.0.1:${sshd.port}`;
    const fingerprint = sshd.hostKeyFingerprint();

    const first = await sshCheck.run({ host: '127.0.0.1', port: sshd.port }, ctx(pins));
    expect(first.status).toBe('up');
    expect(first.latencyMs).toBeGreaterThan(0);
    expect(first.message).toBe(`SSH handshake with ${target} in ${first.latencyMs} ms, host key ${fingerprint} (pinned now)`);
    expect(first.data).toEqual({ fingerprint, hostKeyType: 'ssh-ed25519', pinnedNow: true });
    expect(pins.all).toEqual(new Map([[target, fingerprint]]));

    const again = await sshCheck.run({ host: '127.0.0.1', port: sshd.port }, ctx(pins));
    expect(again).toMatchObject({ status: 'up', data: { fingerprint, pinnedNow: false } });
    expect(again.message).not.toContain('pinned now');
  });

  it('is down with HOST_KEY_MISMATCH and both fingerprints once the host key changes', async () => {
    const pins = memoryPins();
    const target = `127.0.0.1:${sshd.port}`;
    const before = sshd.hostKeyFingerprint();
    expect((await sshCheck.run({ host: '127.0.0.1', port: sshd.port }, ctx(pins))).status).toBe('up');

    await sshd.restart({ newHostKey: true });
    const after = sshd.hostKeyFingerprint();
    expect(after).not.toBe(before);

    const result = await sshCheck.run({ host: '127.0.0.1', port: sshd.port }, ctx(pins));
    expect(result.status).toBe('down');
    expect(result.message).toBe(`host key mismatch on ${target}: expected ${before}, got ${after}`);
    expect(result.data).toEqual({ code: 'HOST_KEY_MISMATCH', expected: before, actual: after });
    // A mismatch never moves the pin.
    expect(await pins.get(target)).toBe(before);
  });

  it('is down with "connection refused" on a closed port', async () => {
    const result = await sshCheck.run({ host: '127.0.0.1', port: refusingPort }, ctx(memoryPins()));
    expect(result).toEqual({ status: 'down', latencyMs: null, message: `connection refused on 127.0.0.1:${refusingPort}` });
  });

  it('is down within the timeout when the peer never speaks SSH', async () => {
    const started = performance.now();
    const result = await sshCheck.run({ host: '127.0.0.1', port: silentPort }, ctx(memoryPins(), { timeoutMs: 400 }));
    expect(result).toEqual({ status: 'down', latencyMs: null, message: `no answer from 127.0.0.1:${silentPort} within 400 ms` });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('is down, and says so, when cancelled by the caller', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await sshCheck.run({ host: '127.0.0.1', port: sshd.port }, ctx(memoryPins(), { signal: controller.signal }));
    expect(result).toEqual({ status: 'down', latencyMs: null, message: `check cancelled before 127.0.0.1:${sshd.port} answered` });
  });

  it('fails, as a bug, when the context has nowhere to pin host keys', async () => {
    await expect(
      sshCheck.run({ host: '127.0.0.1', port: sshd.port }, { signal: new AbortController().signal, timeoutMs: 1000, now: () => Date.now() }),
    ).rejects.toThrow(/hostKeys/);
  });

  it('takes port 22 by default and refuses unknown fields', () => {
    expect(sshConfig.parse({ host: 'example.test' })).toEqual({ host: 'example.test', port: 22 });
    expect(sshConfig.safeParse({ host: 'example.test', user: 'root' }).success).toBe(false);
    expect(sshConfig.safeParse({ host: '', port: 22 }).success).toBe(false);
  });

  it('writes fingerprints the way OpenSSH does: SHA256 of the key blob, base64 without padding', () => {
    expect(sshFingerprint(Buffer.from('abc'))).toBe('SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0');
  });
});

import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckContext } from '../check';
import { closedPort as freePort, Peers } from './testing/peers';
import { tcpCheck } from './tcp';

const ctx = (timeoutMs = 2000): CheckContext => ({ signal: new AbortController().signal, timeoutMs, now: () => Date.now() });

const peers = new Peers();
let openPort: number;
let closedPort: number;

beforeAll(async () => {
  openPort = await peers.listen(createServer((socket) => socket.end()));
  closedPort = await freePort();
});

afterAll(() => peers.closeAll());

describe('tcp check', () => {
  it('is up with the connect time when the port listens', async () => {
    const result = await tcpCheck.run({ host: '127.0.0.1', port: openPort }, ctx());
    expect(result.status).toBe('up');
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(result.message).toMatch(new RegExp(`^connected to 127\\.0\\.0\\.1:${openPort} in [\\d.]+ ms$`));
  });

  it('is down with "connection refused" on a closed port', async () => {
    const result = await tcpCheck.run({ host: '127.0.0.1', port: closedPort }, ctx());
    expect(result).toEqual({ status: 'down', latencyMs: null, message: `connection refused on 127.0.0.1:${closedPort}` });
  });

  it('is down, and says so, when cancelled by the caller', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await tcpCheck.run({ host: '127.0.0.1', port: openPort }, { ...ctx(), signal: controller.signal });
    expect(result).toEqual({ status: 'down', latencyMs: null, message: `check cancelled before 127.0.0.1:${openPort} answered` });
  });

  it('refuses a config without a valid port', () => {
    expect(tcpCheck.configSchema.safeParse({ host: 'a', port: 70000 }).success).toBe(false);
    expect(tcpCheck.configSchema.safeParse({ host: 'a', port: 22 }).success).toBe(true);
  });
});

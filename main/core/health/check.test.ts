import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deadline, type CheckContext } from './check';
import { httpCheck } from './checks/http';

const ctx = (over: Partial<CheckContext> = {}): CheckContext => ({
  signal: new AbortController().signal,
  timeoutMs: 5_000,
  now: () => Date.now(),
  allowMetadata: false,
  ...over,
});

// A port that accepts connections and never answers, and one that answers HTTP at once.
let silent: Server;
let silentPort = 0;
beforeAll(async () => {
  silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as { port: number }).port;
});
afterAll(() => silent.close());

describe('a run’s deadline', () => {
  it('fires after the timeout, and the run says so in words', async () => {
    const result = await httpCheck.run(httpCheck.configSchema.parse({ url: `http://127.0.0.1:${silentPort}/` }), ctx({ timeoutMs: 150 }));
    expect(result).toEqual({ status: 'down', latencyMs: null, message: `no answer from 127.0.0.1:${silentPort} within 150 ms` });
  });

  it('fires at once when the caller aborts, and the run says it was cancelled', async () => {
    const caller = new AbortController();
    const run = httpCheck.run(httpCheck.configSchema.parse({ url: `http://127.0.0.1:${silentPort}/` }), ctx({ signal: caller.signal }));
    setTimeout(() => caller.abort(), 50);
    expect(await run).toEqual({ status: 'down', latencyMs: null, message: `check cancelled before 127.0.0.1:${silentPort} answered` });
  });

  it('leaves no timer behind once the run is done, and none of its listeners on the caller’s signal', () => {
    vi.useFakeTimers();
    try {
      const caller = new AbortController();
      const started = Array.from({ length: 50 }, () => deadline(ctx({ signal: caller.signal, timeoutMs: 60_000 })));
      expect(vi.getTimerCount()).toBe(50);
      for (const run of started) run.done();
      expect(vi.getTimerCount()).toBe(0);
      // Aborting the caller now reaches none of the finished runs, nor does the time they had.
      caller.abort();
      vi.advanceTimersByTime(120_000);
      expect(started.every((run) => !run.signal.aborted)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops on time without the run’s help: its signal aborts once timeoutMs has passed', () => {
    vi.useFakeTimers();
    try {
      const run = deadline(ctx({ timeoutMs: 1_000 }));
      vi.advanceTimersByTime(999);
      expect(run.signal.aborted).toBe(false);
      vi.advanceTimersByTime(1);
      expect(run.signal.aborted).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('is aborted from the start for a caller already aborted, with the caller’s reason', () => {
    const caller = new AbortController();
    caller.abort(new Error('shutting down'));
    const run = deadline(ctx({ signal: caller.signal }));
    expect(run.signal.aborted).toBe(true);
    expect((run.signal.reason as Error).message).toBe('shutting down');
    run.done();
  });
});

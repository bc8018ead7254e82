import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIRequestContext } from '@playwright/test';
import { expect, expectAccessible, serveBuilt, test, type Serve } from './fixtures';
import { OWNER } from './session';

// The fleet overview stays true to the engine (issue 18 #7): many status changes in quick
// succession, with the event stream dropped in the middle (Guardian restarts), and the open
// overview shows every server's final state within a second of the last change. Everything is
// real: the built `guardian serve`, its SSE stream, Chromium's EventSource, TCP targets.

const SERVERS = 6;
/** How long the overview may take to show a change: the promise. */
const WITHIN_MS = 1000;

async function stop(running: Serve): Promise<void> {
  running.child.kill('SIGTERM');
  await new Promise((done) => (running.child.exitCode === null ? running.child.once('exit', done) : done(null)));
}

/** A TCP target the spec opens and closes: a check on it is up while it listens. */
class Target {
  private server: Server | null = null;
  port = 0;
  async open(): Promise<void> {
    const server = createServer((socket) => socket.end());
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(this.port, '127.0.0.1', () => done());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((done) => server.close(() => done()));
  }
}

/** The owner's API, as a script would call it: the page's cookies, the session's CSRF token. */
function api(request: APIRequestContext, url: string, csrf: string) {
  return async <T>(verb: 'GET' | 'POST', path: string, data?: unknown): Promise<T> => {
    const response = await request.fetch(`${url}api/v1/${path}`, { method: verb, data, headers: { 'x-csrf-token': csrf } });
    if (!response.ok()) throw new Error(`${verb} ${path}: ${response.status()} ${await response.text()}`);
    return (await response.json()) as T;
  };
}

test('every status change reaches the open overview within a second, across a dropped event stream', async ({ page }) => {
  test.setTimeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'guardian-e2e-live-'));
  const targets = Array.from({ length: SERVERS }, () => new Target());
  let running = await serveBuilt(dataDir);
  try {
    const { url } = running;
    const setupToken = readFileSync(join(dataDir, 'setup-token'), 'utf8').trim();
    const setup = await page.request.post(`${url}api/v1/auth/setup`, { data: OWNER, headers: { 'x-guardian-setup-token': setupToken } });
    expect(setup.ok()).toBe(true);
    const { csrfToken } = (await setup.json()) as { csrfToken: string };
    const call = api(page.request, url, csrfToken);
    await call('POST', 'onboarding', { step: 'done' });

    // Six servers, each watched by a TCP check that decides on one result and never runs by
    // itself during the test (an hour's interval): only the spec changes their state.
    const checks: string[] = [];
    for (const [i, target] of targets.entries()) {
      await target.open();
      const server = await call<{ id: string }>('POST', 'servers', { name: `live-${i}`, host: '127.0.0.1', monitor: false });
      const check = await call<{ id: string }>('POST', 'checks', {
        serverId: server.id,
        name: `port ${i}`,
        spec: { type: 'tcp', config: { host: '127.0.0.1', port: target.port } },
        intervalMs: 3_600_000,
        retries: 0,
        confirmAfter: 1,
      });
      checks.push(check.id);
    }
    const cell = (i: number) => page.getByTestId('status-cell').filter({ hasText: `live-${i}` });
    const run = (i: number) => call('POST', `checks/${checks[i]}/run`, {});

    await page.goto(url);
    await expect(page.getByRole('heading', { name: 'Overview', exact: true })).toBeVisible();
    for (let i = 0; i < SERVERS; i++) await expect(cell(i)).toHaveAttribute('data-status', 'up');
    await expectAccessible(page, 'overview: six servers up');

    // A burst while the stream is up: three servers go down, one is paused.
    for (const i of [0, 1, 2]) await targets[i]?.close();
    await Promise.all([run(0), run(1), run(2), call('POST', 'checks/pause', { id: checks[3] })]);
    const burst = ['down', 'down', 'down', 'paused'] as const;
    await Promise.all(burst.map((status, i) => expect(cell(i)).toHaveAttribute('data-status', status, { timeout: WITHIN_MS })));

    // The stream drops: Guardian restarts on the same port and data. Changes made before the
    // page has its stream back reach it by no event at all.
    const port = Number(new URL(url).port);
    await stop(running);
    const reconnected = page.waitForResponse((response) => response.url().endsWith('/api/v1/events') && response.status() === 200, { timeout: 30_000 });
    running = await serveBuilt(dataDir, port);
    await targets[0]?.open();
    await targets[4]?.close();
    await Promise.all([run(0), run(4), call('POST', 'checks/resume', { id: checks[3] })]);
    await reconnected;

    // Right after the stream is back, while the page is still reading what it missed: more.
    await targets[1]?.open();
    await targets[5]?.close();
    await Promise.all([run(1), run(5), call('POST', 'checks/pause', { id: checks[2] })]);

    // Within a second of the last change, every cell says where its server ended up.
    const final = ['up', 'up', 'paused', 'up', 'down', 'down'] as const;
    await Promise.all(final.map((status, i) => expect(cell(i)).toHaveAttribute('data-status', status, { timeout: WITHIN_MS })));
    await expect(page.getByTestId('status-count-down')).toContainText('2');
    await expect(page.getByTestId('status-count-paused')).toContainText('1');
  } finally {
    await stop(running);
    for (const target of targets) await target.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

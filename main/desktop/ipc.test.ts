import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Job } from '@shared/api/jobs';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type IpcCallResult, type IpcEventMessage } from '@shared/ipc';
import { audienceOf, type Principal } from '@shared/permissions';
import { createCore, type Core } from '@core/app';
import { EventBus, type EventListener } from '@core/events/bus';
import { silentLogger } from '@core/logging/logger';
import { isAppUrl } from './app-protocol';
import { registerIpc, type Authenticate, type IpcInvokeListener, type IpcMainLike, type RouterLike, type WebContentsLike } from './ipc';

const MAIN_WINDOW = 1;
const OTHER_WINDOW = 2;

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, IpcInvokeListener>();
  handle(channel: string, listener: IpcInvokeListener): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What the renderer's `ipcRenderer.invoke(channel, ...args)` would get from a frame at `url` in window `senderId`. */
  async invokeAs(senderId: number, url: string | null, ...args: unknown[]): Promise<IpcCallResult> {
    const handler = this.handlers.get(IPC_CALL_CHANNEL);
    if (!handler) throw new Error('no handler registered');
    return (await handler({ senderFrame: url === null ? null : { url }, sender: { id: senderId } }, ...args)) as IpcCallResult;
  }
  invokeFrom(url: string | null, ...args: unknown[]): Promise<IpcCallResult> {
    return this.invokeAs(MAIN_WINDOW, url, ...args);
  }
}

class FakeWebContents implements WebContentsLike {
  readonly sent: Array<{ channel: string; message: IpcEventMessage }> = [];
  destroyed = false;
  constructor(readonly id: number = MAIN_WINDOW) {}
  send(channel: string, message: IpcEventMessage): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, message });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

const APP_PAGE = 'app://app/index.html';
const okResult: IpcCallResult = { ok: true, value: { items: [], total: 0 } };
const VIEWER: Principal = { kind: 'user', id: 'u-vera', name: 'vera', role: 'viewer', sessionId: 's-1' };
const OPERATOR: Principal = { kind: 'user', id: 'u-otto', name: 'otto', role: 'operator', sessionId: 's-2' };
const noSession: Authenticate = async () => null;

/**
 * A router that answers `okResult`, except that auth.login establishes the session named by its
 * username (the token) and auth.logout clears it, as the real sign-in service does.
 */
function fakeRouter(result: IpcCallResult = okResult) {
  const call = vi.fn<RouterLike['call']>(async (_principal, method, input, options) => {
    if (method === 'auth.login') options.session?.establish((input as { username: string }).username, Date.now() + 60_000);
    if (method === 'auth.logout') options.session?.clear();
    return result;
  });
  return { call };
}

/** Session tokens the fake router hands out, and whom they stand for while they last. */
function fakeSessions(entries: Record<string, Principal>) {
  const live = new Map(Object.entries(entries));
  const authenticate = vi.fn<Authenticate>(async (token) => live.get(token) ?? null);
  return { live, authenticate };
}

const principalsSeen = (router: ReturnType<typeof fakeRouter>) => router.call.mock.calls.map(([principal]) => principal);

describe('registerIpc: calls', () => {
  it.each([
    ['another site', 'https://evil.example/'],
    ['a local file', 'file:///home/user/evil.html'],
    ['a look-alike host', 'app://app.evil/index.html'],
    ['another app:// host', 'app://evil/index.html'],
    ['http on our host name', 'http://app/index.html'],
    ['a blank frame', 'about:blank'],
    ['an unparsable url', 'not a url'],
  ])('refuses a call from %s (%s) without reaching the router', async (_what, url) => {
    const ipcMain = new FakeIpcMain();
    const router = fakeRouter();
    registerIpc(ipcMain, router, new EventBus(), isAppUrl, noSession, { newId: () => 'corr-1' });

    const result = await ipcMain.invokeFrom(url, 'servers.delete', { id: 'x' });

    expect(result).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'PERMISSION_DENIED', retryable: false, correlationId: 'corr-1' }),
    });
    expect(router.call).not.toHaveBeenCalled();
  });

  it('refuses a call whose frame is already gone', async () => {
    const ipcMain = new FakeIpcMain();
    const router = fakeRouter();
    registerIpc(ipcMain, router, new EventBus(), isAppUrl, noSession);

    const result = await ipcMain.invokeFrom(null, 'servers.list', {});

    expect(result.ok === false && result.error.code).toBe('PERMISSION_DENIED');
    expect(router.call).not.toHaveBeenCalled();
  });

  it('refuses a foreign frame even in a signed-in window', async () => {
    const ipcMain = new FakeIpcMain();
    const router = fakeRouter();
    registerIpc(ipcMain, router, new EventBus(), isAppUrl, fakeSessions({ vera: VIEWER }).authenticate);
    await ipcMain.invokeFrom(APP_PAGE, 'auth.login', { username: 'vera', password: 'pw' });

    const result = await ipcMain.invokeFrom('https://evil.example/', 'servers.list', {});

    expect(result.ok === false && result.error.code).toBe('PERMISSION_DENIED');
    expect(router.call).toHaveBeenCalledTimes(1);
  });

  it('logs the refused frame so a probe leaves a trace', async () => {
    const ipcMain = new FakeIpcMain();
    const log = { warn: vi.fn(), error: vi.fn() };
    registerIpc(ipcMain, fakeRouter(), new EventBus(), isAppUrl, noSession, { log, newId: () => 'corr-2' });

    await ipcMain.invokeFrom('https://evil.example/', 'servers.list', {});

    expect(log.warn).toHaveBeenCalledWith({ frameUrl: 'https://evil.example/', correlationId: 'corr-2' }, expect.any(String));
  });

  it("passes a call from the app's page to the router, anonymous before sign-in, and returns its result", async () => {
    const ipcMain = new FakeIpcMain();
    const router = fakeRouter();
    registerIpc(ipcMain, router, new EventBus(), isAppUrl, noSession);

    const result = await ipcMain.invokeFrom(APP_PAGE, 'servers.list', { limit: 5 });

    expect(result).toBe(okResult);
    expect(router.call).toHaveBeenCalledExactlyOnceWith(
      null,
      'servers.list',
      { limit: 5 },
      { origin: 'ipc', userAgent: 'Guardian desktop', session: { establish: expect.any(Function), clear: expect.any(Function) } },
    );
  });

  it('returns a refused call from the router unchanged', async () => {
    const ipcMain = new FakeIpcMain();
    const refused: IpcCallResult = {
      ok: false,
      error: { code: 'NOT_FOUND', message: 'No such server.', hint: 'Check the id.', retryable: false, correlationId: 'c' },
    };
    registerIpc(ipcMain, fakeRouter(refused), new EventBus(), isAppUrl, noSession);

    expect(await ipcMain.invokeFrom(APP_PAGE, 'servers.get', { id: 'nope' })).toBe(refused);
  });

  it('refuses a method name that is not text, without reaching the router', async () => {
    const ipcMain = new FakeIpcMain();
    const router = fakeRouter();
    registerIpc(ipcMain, router, new EventBus(), isAppUrl, noSession);

    const result = await ipcMain.invokeFrom(APP_PAGE, { toString: () => 'servers.list' }, {});

    expect(result.ok === false && result.error.code).toBe('VALIDATION_FAILED');
    expect(router.call).not.toHaveBeenCalled();
  });

  it('answers INTERNAL, without the thrown text, when the router itself throws', async () => {
    const ipcMain = new FakeIpcMain();
    const router: RouterLike = {
      call: async () => {
        throw new Error('SELECT secret FROM vault');
      },
    };
    registerIpc(ipcMain, router, new EventBus(), isAppUrl, noSession);

    const result = await ipcMain.invokeFrom(APP_PAGE, 'servers.list', {});

    expect(result.ok === false && result.error.code).toBe('INTERNAL');
    expect(JSON.stringify(result)).not.toContain('vault');
  });

  it('removes its handler on dispose', () => {
    const ipcMain = new FakeIpcMain();
    const desktopIpc = registerIpc(ipcMain, fakeRouter(), new EventBus(), isAppUrl, noSession);
    expect(ipcMain.handlers.has(IPC_CALL_CHANNEL)).toBe(true);

    desktopIpc.dispose();

    expect(ipcMain.handlers.size).toBe(0);
  });
});

describe('registerIpc: the window session', () => {
  it('calls as whoever signed in through that window, and keeps other windows anonymous', async () => {
    const ipcMain = new FakeIpcMain();
    const router = fakeRouter();
    const { authenticate } = fakeSessions({ vera: VIEWER });
    registerIpc(ipcMain, router, new EventBus(), isAppUrl, authenticate);

    await ipcMain.invokeAs(MAIN_WINDOW, APP_PAGE, 'auth.login', { username: 'vera', password: 'pw' });
    await ipcMain.invokeAs(MAIN_WINDOW, APP_PAGE, 'servers.list', {});
    await ipcMain.invokeAs(OTHER_WINDOW, APP_PAGE, 'servers.list', {});

    expect(principalsSeen(router)).toEqual([null, VIEWER, null]);
    expect(authenticate).toHaveBeenCalledWith('vera', true);
  });

  it('makes the window anonymous again once its session no longer authenticates', async () => {
    const ipcMain = new FakeIpcMain();
    const router = fakeRouter();
    const { live, authenticate } = fakeSessions({ vera: VIEWER });
    registerIpc(ipcMain, router, new EventBus(), isAppUrl, authenticate);
    await ipcMain.invokeFrom(APP_PAGE, 'auth.login', { username: 'vera', password: 'pw' });

    live.delete('vera');
    await ipcMain.invokeFrom(APP_PAGE, 'servers.list', {});
    // Forgotten, not retried: a session that expired does not come back.
    live.set('vera', VIEWER);
    await ipcMain.invokeFrom(APP_PAGE, 'servers.list', {});

    expect(principalsSeen(router)).toEqual([null, null, null]);
    expect(authenticate).toHaveBeenCalledTimes(1);
  });

  it('forgets the session when the router clears it (sign-out)', async () => {
    const ipcMain = new FakeIpcMain();
    const router = fakeRouter();
    registerIpc(ipcMain, router, new EventBus(), isAppUrl, fakeSessions({ vera: VIEWER }).authenticate);
    await ipcMain.invokeFrom(APP_PAGE, 'auth.login', { username: 'vera', password: 'pw' });

    await ipcMain.invokeFrom(APP_PAGE, 'auth.logout', {});
    await ipcMain.invokeFrom(APP_PAGE, 'servers.list', {});

    expect(principalsSeen(router)).toEqual([null, VIEWER, null]);
  });

  it('hands back the token of a closing window and forgets it', async () => {
    const ipcMain = new FakeIpcMain();
    const router = fakeRouter();
    const desktopIpc = registerIpc(ipcMain, router, new EventBus(), isAppUrl, fakeSessions({ vera: VIEWER }).authenticate);
    await ipcMain.invokeFrom(APP_PAGE, 'auth.login', { username: 'vera', password: 'pw' });

    expect(desktopIpc.endSession(OTHER_WINDOW)).toBeUndefined();
    expect(desktopIpc.endSession(MAIN_WINDOW)).toBe('vera');
    expect(desktopIpc.endSession(MAIN_WINDOW)).toBeUndefined();
    await ipcMain.invokeFrom(APP_PAGE, 'servers.list', {});

    expect(principalsSeen(router).at(-1)).toBeNull();
  });
});

describe('registerIpc: events', () => {
  /** Events reach a window after its session was read again (main/core/events/gate.ts): a turn of the loop later. */
  const delivered = () => new Promise<void>((resolve) => setImmediate(resolve));
  const changed = { change: 'created' as const, ids: ['s1'] };
  const job: Job = {
    id: 'j1',
    kind: 'servers.import',
    title: 'Import',
    status: 'running',
    done: 1,
    total: 2,
    result: null,
    error: null,
    createdBy: 'user:u-otto',
    createdAt: 0,
    startedAt: 0,
    finishedAt: null,
  };

  /** Registers the transport and signs `windows` in, each as the principal of the token it names. */
  async function signedIn(events: Parameters<typeof registerIpc>[2], sessions: Record<string, Principal>, windows: Record<number, string>) {
    const ipcMain = new FakeIpcMain();
    const desktopIpc = registerIpc(ipcMain, fakeRouter(), events, isAppUrl, fakeSessions(sessions).authenticate);
    for (const [id, token] of Object.entries(windows)) {
      await ipcMain.invokeAs(Number(id), APP_PAGE, 'auth.login', { username: token, password: 'pw' });
    }
    return desktopIpc;
  }

  it('forwards each bus event to a signed-in window as {name, payload} on the event channel', async () => {
    const bus = new EventBus();
    const window = new FakeWebContents();
    (await signedIn(bus, { vera: VIEWER }, { [MAIN_WINDOW]: 'vera' })).forwardEventsTo(window);

    bus.emit('servers.changed', changed);
    await delivered();

    expect(window.sent).toEqual([{ channel: IPC_EVENT_CHANNEL, message: { name: 'servers.changed', payload: changed } }]);
  });

  it("sends an event only to windows whose session has the event's permission", async () => {
    const bus = new EventBus();
    const jobsOnly: Principal = { ...OPERATOR, permissions: ['jobs:read'] };
    const desktopIpc = await signedIn(bus, { vera: VIEWER, jobs: jobsOnly }, { 1: 'vera', 3: 'jobs' });
    const [viewer, anonymous, jobWatcher] = [new FakeWebContents(1), new FakeWebContents(2), new FakeWebContents(3)];
    for (const window of [viewer, anonymous, jobWatcher]) desktopIpc.forwardEventsTo(window);

    bus.emit('servers.changed', changed);
    bus.emit('job.progress', job);
    await delivered();

    expect(viewer.sent.map((sent) => sent.message.name)).toEqual(['servers.changed', 'job.progress']);
    expect(anonymous.sent).toEqual([]);
    expect(jobWatcher.sent.map((sent) => sent.message.name)).toEqual(['job.progress']);
  });

  it('sends an addressed event (a terminal’s output) to its caller’s own window alone, and to nobody without an audience', async () => {
    const bus = new EventBus();
    const ada: Principal = { kind: 'user', id: 'u-ada', name: 'ada', role: 'admin', sessionId: 's-ada' };
    const adaElsewhere: Principal = { ...ada, sessionId: 's-ada-2' };
    const ben: Principal = { kind: 'user', id: 'u-ben', name: 'ben', role: 'admin', sessionId: 's-ben' };
    const desktopIpc = await signedIn(bus, { ada, adaElsewhere, ben }, { 1: 'ada', 2: 'adaElsewhere', 3: 'ben' });
    const windows = [new FakeWebContents(1), new FakeWebContents(2), new FakeWebContents(3)];
    for (const window of windows) desktopIpc.forwardEventsTo(window);

    bus.emit('terminal.output', { id: 't1', data: 'hello-42' }, audienceOf(ada));
    bus.emit('terminal.output', { id: 't1', data: 'unaddressed' });
    await delivered();

    expect(windows.map((window) => window.sent.map((sent) => (sent.message.payload as { data: string }).data))).toEqual([['hello-42'], [], []]);
  });

  it('stops sending to a window whose session ended', async () => {
    const bus = new EventBus();
    const desktopIpc = await signedIn(bus, { vera: VIEWER }, { [MAIN_WINDOW]: 'vera' });
    const window = new FakeWebContents();
    desktopIpc.forwardEventsTo(window);

    bus.emit('servers.changed', changed);
    await delivered();
    desktopIpc.endSession(MAIN_WINDOW);
    bus.emit('servers.changed', changed);
    await delivered();
    expect(window.sent).toHaveLength(1);
  });

  it('reads the session again for events that waited on a read: a window signed out meanwhile gets none of them, the others get all, in order', async () => {
    const bus = new EventBus();
    const desktopIpc = await signedIn(bus, { vera: VIEWER, otto: OPERATOR }, { 1: 'vera', 2: 'otto' });
    const [signedOut, staying] = [new FakeWebContents(1), new FakeWebContents(2)];
    desktopIpc.forwardEventsTo(signedOut);
    desktopIpc.forwardEventsTo(staying);

    bus.emit('servers.changed', changed);
    desktopIpc.endSession(1);
    bus.emit('job.progress', job);
    bus.emit('servers.changed', { ...changed, change: 'deleted' as const });
    await delivered();

    // The first event's read began before the sign-out; the two that waited for it are read after.
    expect(signedOut.sent.map((sent) => sent.message)).toEqual([{ name: 'servers.changed', payload: changed }]);
    expect(staying.sent.map((sent) => sent.message)).toEqual([
      { name: 'servers.changed', payload: changed },
      { name: 'job.progress', payload: job },
      { name: 'servers.changed', payload: { ...changed, change: 'deleted' } },
    ]);
  });

  it('sends nothing once the window is destroyed, and lets go of the bus', async () => {
    const listeners = new Set<EventListener>();
    const events = {
      subscribe(listener: EventListener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const window = new FakeWebContents();
    (await signedIn(events, { vera: VIEWER }, { [MAIN_WINDOW]: 'vera' })).forwardEventsTo(window);
    expect(listeners.size).toBe(1);

    window.destroyed = true;
    for (const listener of [...listeners]) listener('servers.changed', changed);

    expect(window.sent).toEqual([]);
    expect(listeners.size).toBe(0);
  });

  it('stops forwarding when told to, and on dispose', async () => {
    const bus = new EventBus();
    const first = new FakeWebContents(1);
    const second = new FakeWebContents(2);
    const desktopIpc = await signedIn(bus, { vera: VIEWER, otto: OPERATOR }, { 1: 'vera', 2: 'otto' });
    const stopFirst = desktopIpc.forwardEventsTo(first);
    desktopIpc.forwardEventsTo(second);

    stopFirst();
    bus.emit('servers.changed', changed);
    await delivered();
    desktopIpc.dispose();
    bus.emit('servers.changed', changed);
    await delivered();

    expect(first.sent).toHaveLength(0);
    expect(second.sent).toHaveLength(1);
  });
});

describe('registerIpc with the real core', () => {
  let dataDir: string | undefined;
  let core: Core | undefined;

  afterEach(async () => {
    await core?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('sets up the owner through the window, then creates a server for it and for no one else', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'guardian-ipc-'));
    const c = await createCore({ dataDir, logger: silentLogger(), mode: 'desktop' });
    core = c;
    const ipcMain = new FakeIpcMain();
    const desktopIpc = registerIpc(ipcMain, c.router, c.events, isAppUrl, async (token) => (await c.signIn.authenticate(token))?.principal ?? null);
    const mainWindow = new FakeWebContents(MAIN_WINDOW);
    const otherWindow = new FakeWebContents(OTHER_WINDOW);
    desktopIpc.forwardEventsTo(mainWindow);
    desktopIpc.forwardEventsTo(otherWindow);
    const input = { name: 'web-1', host: 'web-1.example.net', port: 22 };
    const code = (result: IpcCallResult) => (result.ok ? 'ok' : result.error.code);

    expect(code(await ipcMain.invokeFrom(APP_PAGE, 'servers.create', input))).toBe('UNAUTHENTICATED');
    const status = await ipcMain.invokeFrom(APP_PAGE, 'auth.status', {});
    expect(status).toEqual({ ok: true, value: expect.objectContaining({ setupRequired: true, user: null }) });

    const setup = await ipcMain.invokeFrom(APP_PAGE, 'auth.setup', { username: 'olivia', password: 'violet tulips at dawn' });
    expect(setup).toEqual({ ok: true, value: expect.objectContaining({ username: 'olivia', role: 'owner' }) });

    expect(code(await ipcMain.invokeFrom('https://evil.example/', 'servers.create', input))).toBe('PERMISSION_DENIED');
    expect(code(await ipcMain.invokeAs(OTHER_WINDOW, APP_PAGE, 'servers.create', input))).toBe('UNAUTHENTICATED');
    const own = await ipcMain.invokeFrom(APP_PAGE, 'servers.create', input);

    expect(own).toEqual({ ok: true, value: expect.objectContaining({ name: 'web-1' }) });
    expect(await ipcMain.invokeFrom(APP_PAGE, 'servers.list', {})).toEqual({ ok: true, value: expect.objectContaining({ total: 1 }) });
    expect(mainWindow.sent.map((sent) => sent.message.name)).toEqual(['servers.changed']);
    expect(otherWindow.sent).toEqual([]);

    // The token never reached the page; closing the window hands it back (to be revoked).
    const token = desktopIpc.endSession(MAIN_WINDOW) ?? '';
    expect((await c.signIn.authenticate(token))?.principal.name).toBe('olivia');
    expect(JSON.stringify(setup)).not.toContain(token);
    expect(code(await ipcMain.invokeFrom(APP_PAGE, 'servers.list', {}))).toBe('UNAUTHENTICATED');
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type IpcCallResult, type IpcEventMessage } from '../../shared/ipc';
import { LOCAL_OWNER } from '../../shared/permissions';
import { createCore, type Core } from '../core/app';
import { EventBus, type EventListener } from '../core/events/bus';
import { silentLogger } from '../core/logging/logger';
import { isAppUrl } from './app-protocol';
import { registerIpc, type IpcInvokeListener, type IpcMainLike, type RouterLike, type WebContentsLike } from './ipc';

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, IpcInvokeListener>();
  handle(channel: string, listener: IpcInvokeListener): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What the renderer's `ipcRenderer.invoke(channel, ...args)` would get from a frame at `url`. */
  async invokeFrom(url: string | null, ...args: unknown[]): Promise<IpcCallResult> {
    const handler = this.handlers.get(IPC_CALL_CHANNEL);
    if (!handler) throw new Error('no handler registered');
    return (await handler({ senderFrame: url === null ? null : { url } }, ...args)) as IpcCallResult;
  }
}

class FakeWebContents implements WebContentsLike {
  readonly sent: Array<{ channel: string; message: IpcEventMessage }> = [];
  destroyed = false;
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

function fakeRouter(result: IpcCallResult = okResult) {
  const call = vi.fn<RouterLike['call']>(async () => result);
  return { call };
}

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
    registerIpc(ipcMain, router, new EventBus(), isAppUrl, { newId: () => 'corr-1' });

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
    registerIpc(ipcMain, router, new EventBus(), isAppUrl);

    const result = await ipcMain.invokeFrom(null, 'servers.list', {});

    expect(result.ok === false && result.error.code).toBe('PERMISSION_DENIED');
    expect(router.call).not.toHaveBeenCalled();
  });

  it('logs the refused frame so a probe leaves a trace', async () => {
    const ipcMain = new FakeIpcMain();
    const log = { warn: vi.fn(), error: vi.fn() };
    registerIpc(ipcMain, fakeRouter(), new EventBus(), isAppUrl, { log, newId: () => 'corr-2' });

    await ipcMain.invokeFrom('https://evil.example/', 'servers.list', {});

    expect(log.warn).toHaveBeenCalledWith({ frameUrl: 'https://evil.example/', correlationId: 'corr-2' }, expect.any(String));
  });

  it("passes a call from the app's page to the router as the local owner and returns its result", async () => {
    const ipcMain = new FakeIpcMain();
    const router = fakeRouter();
    registerIpc(ipcMain, router, new EventBus(), isAppUrl);

    const result = await ipcMain.invokeFrom(APP_PAGE, 'servers.list', { limit: 5 });

    expect(result).toBe(okResult);
    expect(router.call).toHaveBeenCalledExactlyOnceWith(LOCAL_OWNER, 'servers.list', { limit: 5 }, { origin: 'ipc' });
  });

  it('returns a refused call from the router unchanged', async () => {
    const ipcMain = new FakeIpcMain();
    const refused: IpcCallResult = {
      ok: false,
      error: { code: 'NOT_FOUND', message: 'No such server.', hint: 'Check the id.', retryable: false, correlationId: 'c' },
    };
    registerIpc(ipcMain, fakeRouter(refused), new EventBus(), isAppUrl);

    expect(await ipcMain.invokeFrom(APP_PAGE, 'servers.get', { id: 'nope' })).toBe(refused);
  });

  it('refuses a method name that is not text, without reaching the router', async () => {
    const ipcMain = new FakeIpcMain();
    const router = fakeRouter();
    registerIpc(ipcMain, router, new EventBus(), isAppUrl);

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
    registerIpc(ipcMain, router, new EventBus(), isAppUrl);

    const result = await ipcMain.invokeFrom(APP_PAGE, 'servers.list', {});

    expect(result.ok === false && result.error.code).toBe('INTERNAL');
    expect(JSON.stringify(result)).not.toContain('vault');
  });

  it('removes its handler on dispose', () => {
    const ipcMain = new FakeIpcMain();
    const desktopIpc = registerIpc(ipcMain, fakeRouter(), new EventBus(), isAppUrl);
    expect(ipcMain.handlers.has(IPC_CALL_CHANNEL)).toBe(true);

    desktopIpc.dispose();

    expect(ipcMain.handlers.size).toBe(0);
  });
});

describe('registerIpc: events', () => {
  const changed = { change: 'created' as const, ids: ['s1'] };

  it('forwards each bus event to the window as {name, payload} on the event channel', () => {
    const bus = new EventBus();
    const window = new FakeWebContents();
    registerIpc(new FakeIpcMain(), fakeRouter(), bus, isAppUrl).forwardEventsTo(window);

    bus.emit('servers.changed', changed);

    expect(window.sent).toEqual([{ channel: IPC_EVENT_CHANNEL, message: { name: 'servers.changed', payload: changed } }]);
  });

  it('sends nothing once the window is destroyed, and lets go of the bus', () => {
    const listeners = new Set<EventListener>();
    const events = {
      subscribe(listener: EventListener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const window = new FakeWebContents();
    registerIpc(new FakeIpcMain(), fakeRouter(), events, isAppUrl).forwardEventsTo(window);
    expect(listeners.size).toBe(1);

    window.destroyed = true;
    for (const listener of [...listeners]) listener('servers.changed', changed);

    expect(window.sent).toEqual([]);
    expect(listeners.size).toBe(0);
  });

  it('stops forwarding when told to, and on dispose', () => {
    const bus = new EventBus();
    const first = new FakeWebContents();
    const second = new FakeWebContents();
    const desktopIpc = registerIpc(new FakeIpcMain(), fakeRouter(), bus, isAppUrl);
    const stopFirst = desktopIpc.forwardEventsTo(first);
    desktopIpc.forwardEventsTo(second);

    stopFirst();
    bus.emit('servers.changed', changed);
    desktopIpc.dispose();
    bus.emit('servers.changed', changed);

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

  it('creates a server for the app page, and nothing for a foreign page', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'guardian-ipc-'));
    core = createCore({ dataDir, logger: silentLogger(), mode: 'desktop' });
    const ipcMain = new FakeIpcMain();
    registerIpc(ipcMain, core.router, core.events, isAppUrl);
    const window = new FakeWebContents();
    registerIpc(new FakeIpcMain(), core.router, core.events, isAppUrl).forwardEventsTo(window);
    const input = { name: 'web-1', host: 'web-1.example.net', port: 22 };

    const foreign = await ipcMain.invokeFrom('https://evil.example/', 'servers.create', input);
    const afterForeign = await ipcMain.invokeFrom(APP_PAGE, 'servers.list', {});
    const own = await ipcMain.invokeFrom(APP_PAGE, 'servers.create', input);

    expect(foreign.ok).toBe(false);
    expect(afterForeign).toEqual({ ok: true, value: expect.objectContaining({ items: [] }) });
    expect(own).toEqual({ ok: true, value: expect.objectContaining({ name: 'web-1' }) });
    expect(window.sent.map((sent) => sent.message.name)).toEqual(['servers.changed']);
  });
});

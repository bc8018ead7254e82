import { describe, expect, it, vi } from 'vitest';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type IpcCallResult } from '@shared/ipc';
import { createBridge, type IpcRendererLike } from './bridge';

type Listener = (event: unknown, ...args: unknown[]) => void;

class FakeIpcRenderer implements IpcRendererLike {
  private readonly listeners = new Map<string, Listener[]>();
  readonly invoke = vi.fn(async (_channel: string, ..._args: unknown[]): Promise<unknown> => this.answer);
  answer: unknown = { ok: true, value: 'pong' } satisfies IpcCallResult;

  on(channel: string, listener: Listener): void {
    this.listeners.set(channel, [...this.listenersOn(channel), listener]);
  }
  removeListener(channel: string, listener: Listener): void {
    this.listeners.set(
      channel,
      this.listenersOn(channel).filter((existing) => existing !== listener),
    );
  }
  listenersOn(channel: string): Listener[] {
    return this.listeners.get(channel) ?? [];
  }
  /** What Electron does when the main process sends on a channel: the event object comes first. */
  deliver(message: unknown): void {
    const event = { sender: 'the ipcRenderer, which the page must never get' };
    for (const listener of this.listenersOn(IPC_EVENT_CHANNEL)) listener(event, message);
  }
}

describe('window.guardian.call', () => {
  it('invokes the one call channel with the method and input and returns the result object', async () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createBridge(ipc);

    const result = await bridge.call('servers.list', { limit: 5 });

    expect(result).toEqual({ ok: true, value: 'pong' });
    expect(ipc.invoke).toHaveBeenCalledExactlyOnceWith(IPC_CALL_CHANNEL, 'servers.list', { limit: 5 });
  });

  it('returns a refusal as a value, not a rejection', async () => {
    const ipc = new FakeIpcRenderer();
    const refused: IpcCallResult = {
      ok: false,
      error: { code: 'NOT_FOUND', message: 'No such server.', hint: 'Check the id.', retryable: false, correlationId: 'c1' },
    };
    ipc.answer = refused;

    expect(await createBridge(ipc).call('servers.get', { id: 'x' })).toEqual(refused);
  });

  it.each([42, null, undefined, { toString: () => 'servers.list' }])('rejects a method name that is not a string (%s)', async (name) => {
    const ipc = new FakeIpcRenderer();
    const call = createBridge(ipc).call as (method: unknown, input?: unknown) => Promise<IpcCallResult>;

    await expect(call(name, {})).rejects.toThrow(TypeError);
    expect(ipc.invoke).not.toHaveBeenCalled();
  });

  it('rejects an answer that is not a call result', async () => {
    const ipc = new FakeIpcRenderer();
    ipc.answer = 'surprise';
    await expect(createBridge(ipc).call('servers.list')).rejects.toThrow(TypeError);
  });
});

describe('window.guardian.subscribe', () => {
  it('hands the listener only the payload of the events it named', () => {
    const ipc = new FakeIpcRenderer();
    const listener = vi.fn();
    createBridge(ipc).subscribe('servers.changed', listener);

    ipc.deliver({ name: 'job.progress', payload: { id: 'j1' } });
    ipc.deliver({ name: 'servers.changed', payload: { change: 'created', ids: ['s1'] } });
    ipc.deliver('not a message');
    ipc.deliver({ payload: 'no name' });

    expect(listener.mock.calls).toEqual([[{ change: 'created', ids: ['s1'] }]]);
  });

  it('stops calling the listener after unsubscribe, and unsubscribing twice is harmless', () => {
    const ipc = new FakeIpcRenderer();
    const listener = vi.fn();
    const unsubscribe = createBridge(ipc).subscribe('servers.changed', listener);

    unsubscribe();
    unsubscribe();
    ipc.deliver({ name: 'servers.changed', payload: {} });

    expect(listener).not.toHaveBeenCalled();
  });

  it('listens on the event channel once, for as long as anyone is subscribed', () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createBridge(ipc);

    const stops = [bridge.subscribe('servers.changed', vi.fn()), bridge.subscribe('servers.changed', vi.fn()), bridge.subscribe('job.progress', vi.fn())];
    expect(ipc.listenersOn(IPC_EVENT_CHANNEL).length).toBe(1);

    for (const stop of stops) stop();
    expect(ipc.listenersOn(IPC_EVENT_CHANNEL).length).toBe(0);
  });

  it('keeps two subscriptions of the same function independent', () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createBridge(ipc);
    const listener = vi.fn();
    const first = bridge.subscribe('servers.changed', listener);
    bridge.subscribe('servers.changed', listener);

    first();
    ipc.deliver({ name: 'servers.changed', payload: 1 });

    expect(listener).toHaveBeenCalledOnce();
  });

  it('keeps delivering to the others when one listener throws', () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createBridge(ipc);
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const after = vi.fn();
    bridge.subscribe('servers.changed', () => {
      throw new Error('boom');
    });
    bridge.subscribe('servers.changed', after);

    ipc.deliver({ name: 'servers.changed', payload: 1 });

    expect(after).toHaveBeenCalledWith(1);
    expect(consoleError).toHaveBeenCalledOnce();
    consoleError.mockRestore();
  });

  it('throws on an event name that is not a string or a listener that is not a function', () => {
    const bridge = createBridge(new FakeIpcRenderer());
    const subscribe = bridge.subscribe as (event: unknown, listener: unknown) => () => void;

    expect(() => subscribe(7, vi.fn())).toThrow(TypeError);
    expect(() => subscribe('servers.changed', 'not a function')).toThrow(TypeError);
  });
});

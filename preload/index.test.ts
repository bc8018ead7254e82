import { describe, expect, it, vi } from 'vitest';

const exposeInMainWorld = vi.fn();

// Importing the real 'electron' under plain Node throws; the preload only needs these two.
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld },
  ipcRenderer: { invoke: vi.fn(), on: vi.fn(), removeListener: vi.fn() },
}));

describe('the preload', () => {
  it('exposes window.guardian with call and subscribe, and nothing else', async () => {
    await import('./index');

    expect(exposeInMainWorld).toHaveBeenCalledOnce();
    const [key, api] = exposeInMainWorld.mock.calls[0] as [string, Record<string, unknown>];
    expect(key).toBe('guardian');
    expect(Object.keys(api).sort()).toEqual(['call', 'subscribe']);
    expect(typeof api.call).toBe('function');
    expect(typeof api.subscribe).toBe('function');
  });
});

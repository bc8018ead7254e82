import { describe, expect, it, vi } from 'vitest';
import { AppError } from '@shared/api';
import type { GuardianBridge } from '@shared/ipc';
import { createClient } from './client';
import { createIpcTransport } from './ipc-transport';
import { findBridge } from './bridge';

describe('IPC client', () => {
  it('returns the value of an ok answer and throws the AppError of a failed one', async () => {
    const bridge: GuardianBridge = {
      call: vi
        .fn()
        .mockResolvedValueOnce({ ok: true, value: { tags: [], environments: [{ value: 'production', count: 2 }] } })
        .mockResolvedValueOnce({
          ok: false,
          error: { code: 'NOT_FOUND', message: 'No such server.', hint: 'Refresh the list.', retryable: false, correlationId: 'x' },
        }),
      subscribe: vi.fn(() => () => undefined),
    };
    const client = createClient(createIpcTransport(bridge));

    await expect(client.call('servers.facets', {})).resolves.toEqual({ tags: [], environments: [{ value: 'production', count: 2 }] });
    const failure = client.call('servers.get', { id: '7d1f6a43-3c2e-4b8a-9f51-2f3c4d5e6a7b' });
    await expect(failure).rejects.toBeInstanceOf(AppError);
    await expect(failure).rejects.toMatchObject({ code: 'NOT_FOUND', hint: 'Refresh the list.' });
    expect(bridge.call).toHaveBeenCalledWith('servers.facets', {});
  });

  it('is chosen only when the preload exposed a usable bridge', () => {
    expect(findBridge({} as Window)).toBeUndefined();
    expect(findBridge({ guardian: { call: 1 } } as unknown as Window)).toBeUndefined();
    const bridge = { call: vi.fn(), subscribe: vi.fn() };
    expect(findBridge({ guardian: bridge } as unknown as Window)).toBe(bridge);
  });
});

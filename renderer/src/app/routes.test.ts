import { describe, expect, it } from 'vitest';
import { locationFromHash, serverHealthHref, serverTerminalHref } from './routes';

describe('hash routes', () => {
  it('opens the overview by default and for an unknown hash', () => {
    expect(locationFromHash('')).toEqual({ route: 'overview' });
    expect(locationFromHash('#/nowhere')).toEqual({ route: 'overview' });
    expect(locationFromHash('#/incidents')).toEqual({ route: 'incidents' });
  });

  it('reads the server of a server’s health page, both ways', () => {
    const id = '7d1f6a43-3c2e-4b8a-9f51-2f3c4d5e6a7b';
    expect(serverHealthHref(id)).toBe(`#/servers/${id}/health`);
    expect(locationFromHash(serverHealthHref(id))).toEqual({ route: 'server-health', serverId: id });
  });

  it('reads the server of a server’s terminal, both ways', () => {
    const id = '7d1f6a43-3c2e-4b8a-9f51-2f3c4d5e6a7b';
    expect(serverTerminalHref(id)).toBe(`#/servers/${id}/terminal`);
    expect(locationFromHash(serverTerminalHref(id))).toEqual({ route: 'server-terminal', serverId: id });
    expect(locationFromHash('#/terminal-recordings')).toEqual({ route: 'terminal-recordings' });
  });
});

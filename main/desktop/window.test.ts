import { describe, expect, it, vi } from 'vitest';
import {
  denyPermissionCheck,
  denyPermissionRequest,
  externalLinkTarget,
  hardenedWindowOptions,
  hardenWebContents,
  refuseNavigation,
  windowOpenHandler,
  type HardenableContents,
  type PreventableEvent,
} from './window';

function preventable() {
  return { preventDefault: vi.fn() };
}

describe('hardenedWindowOptions', () => {
  it('isolates the page: no Node, sandboxed, separate world, web security on, no <webview>, no experimental or Blink features', () => {
    const prefs = hardenedWindowOptions('/app/out/preload/index.cjs').webPreferences;
    expect(prefs?.experimentalFeatures).not.toBe(true);
    expect(prefs?.enableBlinkFeatures).toBeUndefined();
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });
});

describe('navigation and new windows', () => {
  it('refuses every navigation', () => {
    const event = preventable();
    refuseNavigation(event);
    expect(event.preventDefault).toHaveBeenCalledOnce();
  });

  it('denies every new window and hands only a clean https link to the browser', () => {
    const openExternal = vi.fn();
    const handler = windowOpenHandler(openExternal);
    const urls = [
      'https://docs.example.org/guardian?x=1#top',
      'http://docs.example.org/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'app://app/index.html',
      'https://user:secret@example.org/',
      'smb://share/x',
      'not a url',
    ];

    const actions = urls.map((url) => handler({ url }).action);

    expect(new Set(actions)).toEqual(new Set(['deny']));
    expect(openExternal.mock.calls).toEqual([['https://docs.example.org/guardian?x=1#top']]);
  });

  it('reads a link as a parsed URL, not as text', () => {
    expect(externalLinkTarget(' https://example.org')).toBe('https://example.org/');
    expect(externalLinkTarget('HTTPS://EXAMPLE.org/a')).toBe('https://example.org/a');
    expect(externalLinkTarget('https:')).toBeUndefined();
  });

  it('attaches the refusals to a webContents', () => {
    const listeners = new Map<string, (event: PreventableEvent) => void>();
    let openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
    const contents: HardenableContents = {
      on: (event, listener) => listeners.set(event, listener),
      setWindowOpenHandler: (handler) => {
        openHandler = handler;
      },
    };
    const openExternal = vi.fn();

    hardenWebContents(contents, openExternal);

    for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const event = preventable();
      listeners.get(name)?.(event);
      expect(event.preventDefault, name).toHaveBeenCalledOnce();
    }
    expect(openHandler?.({ url: 'https://example.org/' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledWith('https://example.org/');
  });
});

describe('permissions', () => {
  it.each(['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal'])('refuses a %s request', (permission) => {
    const callback = vi.fn();
    denyPermissionRequest({}, permission, callback);
    expect(callback).toHaveBeenCalledExactlyOnceWith(false);
  });

  it('answers every permission check with false', () => {
    expect(denyPermissionCheck()).toBe(false);
  });
});

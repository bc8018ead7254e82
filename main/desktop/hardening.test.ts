import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../core/paths';
import { APP_SCHEME_PRIVILEGES, CONTENT_SECURITY_POLICY } from './app-protocol';
import { hardenedWindowOptions } from './window';

// A regression guard on what ships: the window options as window.ts builds them, and the
// built main bundle that Electron actually runs. Both must keep Electron's security checklist.

const bundlePath = join(packageRoot, 'out', 'main', 'desktop.js');
const bundleBuilt = existsSync(bundlePath);

describe('the BrowserWindow options', () => {
  const options = hardenedWindowOptions('/app/out/preload/index.cjs');
  const prefs = options.webPreferences ?? {};

  it('isolate the page: separate world, sandbox, no Node', () => {
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).not.toBe(true);
    expect(prefs.nodeIntegrationInSubFrames).not.toBe(true);
  });

  it('keep web security on and refuse insecure content, <webview> and experimental features', () => {
    expect(prefs.webSecurity).not.toBe(false);
    expect(prefs.allowRunningInsecureContent).not.toBe(true);
    expect(prefs.webviewTag).not.toBe(true);
    expect(prefs.experimentalFeatures).not.toBe(true);
    expect(prefs.enableBlinkFeatures).toBeUndefined();
  });

  it('load a preload from the app, nothing else', () => {
    expect(prefs.preload).toBe('/app/out/preload/index.cjs');
  });
});

describe('the Content-Security-Policy', () => {
  it('allows scripts, styles and connections from the app itself only, and no plugins or framing', () => {
    const directives = new Map(
      CONTENT_SECURITY_POLICY.split(';').map((part) => {
        const [name = '', ...values] = part.trim().split(/\s+/);
        return [name, values.join(' ')] as const;
      }),
    );
    expect(directives.get('default-src')).toBe("'self'");
    expect(directives.get('script-src')).toBe("'self'");
    expect(directives.get('style-src')).toBe("'self'");
    expect(directives.get('connect-src')).toBe("'self'");
    expect(directives.get('object-src')).toBe("'none'");
    expect(directives.get('base-uri')).toBe("'none'");
    expect(directives.get('frame-ancestors')).toBe("'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('is served from a secure, standard scheme, not file://', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ standard: true, secure: true });
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('bypassCSP');
  });
});

const bundleTitle = bundleBuilt
  ? 'the built main bundle (out/main/desktop.js)'
  : 'the built main bundle (SKIPPED: out/main/desktop.js does not exist; run `npx electron-vite build` first)';

describe.skipIf(!bundleBuilt)(bundleTitle, () => {
  const bundle = bundleBuilt ? readFileSync(bundlePath, 'utf8') : '';
  const has = (pattern: RegExp) => pattern.test(bundle);

  it('keeps the hardened webPreferences', () => {
    expect(has(/contextIsolation:\s*true/)).toBe(true);
    expect(has(/sandbox:\s*true/)).toBe(true);
    expect(has(/nodeIntegration:\s*false/)).toBe(true);
  });

  it('turns none of them off anywhere', () => {
    expect(bundle).not.toMatch(/contextIsolation:\s*(false|!1)/);
    expect(bundle).not.toMatch(/sandbox:\s*(false|!1)/);
    expect(bundle).not.toMatch(/nodeIntegration:\s*(true|!0)/);
    expect(bundle).not.toMatch(/webSecurity:\s*(false|!1)/);
    expect(bundle).not.toMatch(/allowRunningInsecureContent:\s*(true|!0)/);
    expect(bundle).not.toMatch(/nodeIntegrationInWorker:\s*(true|!0)/);
    expect(bundle).not.toMatch(/webviewTag:\s*(true|!0)/);
    expect(bundle).not.toMatch(/experimentalFeatures:\s*(true|!0)/);
    expect(bundle).not.toMatch(/bypassCSP/);
  });

  it('builds every window from the hardened options', () => {
    const constructions = bundle.match(/new BrowserWindow\([^)]*\)?/g) ?? [];
    expect(constructions.length).toBeGreaterThan(0);
    for (const construction of constructions) expect(construction).toMatch(/new BrowserWindow\(hardenedWindowOptions\(/);
  });

  it('ships the CSP, every directive of it', () => {
    for (const directive of CONTENT_SECURITY_POLICY.split('; ')) expect(bundle).toContain(directive);
    expect(has(/["']Content-Security-Policy["']/)).toBe(true);
  });

  it('refuses navigation and new windows, and sandboxes every renderer', () => {
    expect(has(/["']will-navigate["']/)).toBe(true);
    expect(has(/["']will-redirect["']/)).toBe(true);
    expect(has(/\.setWindowOpenHandler\(/)).toBe(true);
    expect(has(/["']web-contents-created["']/)).toBe(true);
    expect(has(/app\.enableSandbox\(\)/)).toBe(true);
    expect(has(/\.setPermissionRequestHandler\(/)).toBe(true);
  });

  it('serves the page over app://, never from file://', () => {
    expect(has(/protocol\.handle\(/)).toBe(true);
    expect(has(/registerSchemesAsPrivileged\(/)).toBe(true);
    expect(bundle).not.toMatch(/\.loadFile\(/);
    expect(bundle).not.toMatch(/loadURL\(\s*["'`](file|http):/);
  });
});

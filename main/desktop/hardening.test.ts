import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '@core/paths';
import { CONTENT_SECURITY_POLICY } from './app-protocol';

// A regression guard on what ships: the built main bundle that Electron actually runs must keep
// Electron's security checklist. The window options themselves are proven where they are made
// (window.test.ts), the CSP and the app:// scheme in app-protocol.test.ts.

const bundlePath = join(packageRoot, 'out', 'main', 'desktop.js');
const bundleBuilt = existsSync(bundlePath);

const bundleTitle = bundleBuilt
  ? 'the built main bundle (out/main/desktop.js)'
  : 'the built main bundle (SKIPPED: out/main/desktop.js does not exist; run `npx electron-vite build` first)';

// Skipped only when run alone before a build: `npm test` builds first, so in the suite and in CI it always runs.
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

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, APP_SCHEME_PRIVILEGES, appRouteUrl, CONTENT_SECURITY_POLICY, createAppProtocolHandler, isAppUrl, resolveAppPath } from './app-protocol';

const SECRET = 'root:x:0:0 canary-7f3a';
let base: string;
let root: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'guardian-protocol-'));
  root = join(base, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Guardian</title>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log("guardian")');
  writeFileSync(join(base, 'secret.txt'), SECRET);
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

const get = (url: string, method = 'GET') => createAppProtocolHandler(root)({ url, method });

describe('the app:// protocol handler', () => {
  it('states the exact CSP', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });

  it('is a secure, standard scheme that cannot bypass the CSP', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ standard: true, secure: true });
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('bypassCSP');
  });

  it('serves the built renderer with its content type', async () => {
    const page = await get('app://app/index.html');
    const script = await get('app://app/assets/app.js');

    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<title>Guardian</title>');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves index.html for the root and for a client-side route', async () => {
    expect(await (await get('app://app/')).text()).toContain('Guardian');
    expect(await (await get('app://app/servers/42')).text()).toContain('Guardian');
  });

  it.each([
    ['a page', 'app://app/index.html', 'GET'],
    ['a missing asset', 'app://app/assets/missing.js', 'GET'],
    ['another host', 'app://evil/index.html', 'GET'],
    ['a POST', 'app://app/index.html', 'POST'],
    ['a traversal', 'app://app/..%2f..%2fsecret.txt', 'GET'],
  ])('sets the CSP header on every response: %s', async (_what, url, method) => {
    const response = await get(url, method);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it.each([
    'app://app/../../etc/passwd',
    'app://app/../secret.txt',
    'app://app/..%2fsecret.txt',
    'app://app/..%2f..%2fsecret.txt',
    'app://app/%2e%2e/secret.txt',
    'app://app/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    'app://app/..%5csecret.txt',
    'app://app/index.html%00.js',
    'app://app/%E0%A4%A',
  ])('refuses %s without reading outside the renderer folder', async (url) => {
    const response = await get(url);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(await response.text()).not.toContain('canary-7f3a');
  });

  it('refuses other hosts and non-GET methods', async () => {
    expect((await get('app://evil/index.html')).status).toBe(403);
    expect((await get('app://app/index.html', 'POST')).status).toBe(405);
    expect((await get('app://app/index.html', 'HEAD')).status).toBe(200);
  });

  it('answers 404 for a missing asset instead of the page', async () => {
    expect((await get('app://app/assets/missing.js')).status).toBe(404);
  });

  it('resolves only paths inside the root', () => {
    expect(resolveAppPath(root, 'app://app/assets/app.js')).toBe(join(root, 'assets', 'app.js'));
    expect(resolveAppPath(root, 'app://app/..%2fsecret.txt')).toBeUndefined();
  });
});

describe('isAppUrl', () => {
  it.each([
    ['app://app/index.html', true],
    ['app://app/', true],
    ['app://app.evil/index.html', false],
    ['app://evil/', false],
    ['app://app:8080/', false],
    ['https://app/', false],
    ['file:///app/index.html', false],
    ['', false],
  ])('%s → %s', (url, expected) => {
    expect(isAppUrl(url)).toBe(expected);
  });
});

describe('appRouteUrl', () => {
  it('puts a page of the app (a #/ route) on the app page', () => {
    expect(appRouteUrl('#/servers/5f0c-11/health')).toBe('app://app/index.html#/servers/5f0c-11/health');
    expect(appRouteUrl('#/servers/a%2Fb/health')).toBe('app://app/index.html#/servers/a%2Fb/health');
  });

  it('gives the start page for anything that is not a plain #/ route', () => {
    for (const route of [undefined, '', 'https://evil.example/', '/etc/passwd', '#/x?y=1', '#/<script>', 'javascript:alert(1)', '#/a b']) {
      expect(appRouteUrl(route)).toBe(APP_ENTRY_URL);
    }
  });
});

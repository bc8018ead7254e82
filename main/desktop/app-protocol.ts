import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

/** The renderer is served from `app://app/`, never from file:// (which would open the disk). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'app';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * A page of the app (a `#/…` hash route, as the renderer routes) as a URL of the app page;
 * anything else (another scheme, a path, a query) gives the start page.
 */
export function appRouteUrl(route: string | undefined): string {
  return route !== undefined && /^#\/[\w\-./%~]*$/.test(route) ? `${APP_ENTRY_URL}${route}` : APP_ENTRY_URL;
}

/** The same policy the renderer's HTML would state, sent as a header on every response. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Privileges for the scheme, registered before the app is ready. `standard` gives it an origin
 * (so 'self' and relative URLs work), `secure` makes it a secure context; the built renderer
 * loads its scripts as `<script type="module" crossorigin>`, which needs fetch and CORS support.
 */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  corsEnabled: true,
} as const;

/** Whether a URL is a page of ours. Parsed, not prefix-matched: `app://app.evil/` is not ours. */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

/** What the handler reads of a request; Electron's (and fetch's) Request satisfies it. */
export interface AppRequest {
  url: string;
  method: string;
}

export interface AppFileReader {
  /** The file's bytes, or undefined when there is no regular file at that path. */
  read(path: string): Promise<Uint8Array | undefined>;
}

export const diskReader: AppFileReader = {
  async read(path) {
    try {
      // Electron's fs reads inside app.asar too, which is where out/renderer lives when packaged.
      if (!(await stat(path)).isFile()) return undefined;
      return await readFile(path);
    } catch {
      return undefined;
    }
  },
};

function respond(status: number, body: Uint8Array | string | null, contentType: string): Response {
  return new Response(body, {
    status,
    headers: {
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'Content-Type': contentType,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
    },
  });
}

const plain = 'text/plain; charset=utf-8';

/**
 * The file under `rootDir` a request names, or undefined when it names something outside it
 * (`..`, encoded `%2e%2e%2f`, backslashes, NUL) or another host.
 */
export function resolveAppPath(rootDir: string, url: string): string | undefined {
  // Checked on the raw text too: URL parsing would quietly fold `/../` away and serve
  // something else instead of refusing.
  const rawPath = url.split(/[?#]/, 1)[0] ?? '';
  let decodedRawPath: string;
  try {
    decodedRawPath = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (decodedRawPath.split(/[\\/]/).includes('..')) return undefined;

  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return undefined;
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return undefined;
  const segments = pathname.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.some((segment) => segment === '..')) return undefined;
  const root = resolve(rootDir);
  const file = resolve(root, ...(segments.length ? segments : ['index.html']));
  return file.startsWith(root + sep) ? file : undefined;
}

/**
 * The `protocol.handle('app', …)` handler: serves the built renderer from `rootDir` and nothing
 * else, with the CSP on every response, errors included. An unknown extensionless path gets
 * index.html, so a reload on a client-side route still opens the app.
 */
export function createAppProtocolHandler(rootDir: string, reader: AppFileReader = diskReader) {
  return async (request: AppRequest): Promise<Response> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return respond(405, 'Method not allowed', plain);
    const file = resolveAppPath(rootDir, request.url);
    if (!file) return respond(403, 'Forbidden', plain);

    let served = file;
    let body = await reader.read(file);
    if (!body && extname(file) === '') {
      served = resolve(rootDir, 'index.html');
      body = await reader.read(served);
    }
    if (!body) return respond(404, 'Not found', plain);
    const contentType = CONTENT_TYPES[extname(served).toLowerCase()] ?? 'application/octet-stream';
    return respond(200, request.method === 'HEAD' ? null : body, contentType);
  };
}

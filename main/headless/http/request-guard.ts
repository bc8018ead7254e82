import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { AppError } from '@shared/api/errors';
import { isLoopbackAddress } from '../net';

/**
 * What a web page in a browser must not reach. DNS rebinding: a page on evil.example whose name
 * then resolves to 127.0.0.1 talks to Guardian as its "own" origin, so its requests carry
 * `Host: evil.example`; Guardian answers only the names it is known by. Cross-site requests:
 * a page elsewhere may still send requests to Guardian's address (no cookie, but /metrics and
 * a fresh instance's first-run calls need none); browsers say so in Sec-Fetch-Site and Origin.
 */

/** A host as a Host header, an Origin or --public-name gives it: lower case, no port, brackets or final dot. */
export function hostName(value: string): string {
  let host = value.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    host = end > 0 ? host.slice(1, end) : host;
  } else if (host.indexOf(':') === host.lastIndexOf(':')) {
    // name:port; an unbracketed IPv6 address has several colons and no port.
    host = host.split(':', 1)[0] ?? '';
  }
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A --public-name as it will be compared, or null when it is not a DNS name or an IP address. */
export function publicName(value: string): string | null {
  const trimmed = value.trim().toLowerCase();
  const host = trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed.replace(/\.$/, '');
  if (isIP(host) !== 0) return host;
  if (host.length === 0 || host.length > 253) return null;
  return host.split('.').every((label) => LABEL.test(label)) ? host : null;
}

const unmapped = (address: string) => (address.startsWith('::ffff:') ? address.slice(7) : address);

export interface RequestGuardOptions {
  /** The address Guardian listens on (`--host`). */
  host: string;
  /** Names clients use to reach this Guardian (`--public-name`): a DNS name, or the proxy's. */
  publicNames: readonly string[];
}

/** Paths a browser page may not call for another site (the UI's pages may be opened from a link). */
const isApi = (url: string) => url.startsWith('/api/') || url === '/metrics' || url.startsWith('/metrics?');
/** Probes from load balancers and orchestrators, which name the host as they please; they tell nothing. */
const isProbe = (url: string) => /^\/(healthz|readyz)(\?|$)/.test(url);

/**
 * The check run on every request before anything else: an AppError to answer with, or null.
 * Scripts send neither Sec-Fetch-Site nor Origin and are unaffected.
 */
export function requestGuard(options: RequestGuardOptions): (request: FastifyRequest) => AppError | null {
  const known = new Set(['localhost', ...options.publicNames.map(hostName)]);
  const bound = unmapped(hostName(options.host));
  if (bound !== '0.0.0.0' && bound !== '::') known.add(bound);

  const answersFor = (host: string, request: FastifyRequest) => {
    const name = unmapped(hostName(host));
    // The address the client connected to is a name of this machine, whatever it is (0.0.0.0 binds).
    return known.has(name) || isLoopbackAddress(name) || name === unmapped(request.socket.localAddress ?? '');
  };

  return (request) => {
    const url = request.url;
    if (isProbe(url)) return null;
    // The Host header, and the one a trusted proxy forwarded (request.host) when it differs.
    for (const host of new Set([request.headers.host ?? '', request.host])) {
      if (!answersFor(host, request)) return foreignHost(host);
    }
    if (!isApi(url)) return null;
    const site = request.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') return fromAnotherSite();
    const origin = request.headers.origin;
    if (origin !== undefined && !sameOrigin(origin, request, known)) return fromAnotherSite();
    return null;
  };
}

/** An Origin naming Guardian itself: the host (and port) the request was sent to, or a public name. */
function sameOrigin(origin: string, request: FastifyRequest, publicNames: ReadonlySet<string>): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file: pages) and anything unreadable
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  let requested: string;
  try {
    requested = new URL(`${parsed.protocol}//${request.host}`).host;
  } catch {
    return false;
  }
  return parsed.host === requested || publicNames.has(hostName(parsed.hostname));
}

function foreignHost(host: string): AppError {
  const shown = host.slice(0, 100) || '(none)';
  return new AppError('MISDIRECTED_REQUEST', `Guardian does not answer for the host "${shown}".`, {
    hint: `Open Guardian at 127.0.0.1, localhost or the address it listens on; if "${hostName(shown)}" is a name of this server, start Guardian with --public-name ${hostName(shown)}.`,
  });
}

function fromAnotherSite(): AppError {
  return new AppError('PERMISSION_DENIED', 'Guardian does not answer API calls a browser sends on behalf of another site.', {
    hint: 'Use Guardian from its own address; scripts and the CLI are not affected.',
  });
}

import type { CheckSpec } from '@shared/api/checks';

/**
 * What a check talks to, from its config: the host the per-host concurrency cap counts by, and
 * the words a list shows ("https://shop.example.com/health", "10.0.0.5:22").
 */
export function checkTarget(spec: CheckSpec, serverHost = ''): { host: string; label: string } {
  const config = spec.config as Record<string, unknown>;
  if (typeof config.url === 'string') {
    const url = new URL(config.url);
    return { host: url.hostname.replace(/^\[|\]$/g, ''), label: config.url };
  }
  if (spec.type === 'dns') {
    const server = typeof config.server === 'string' ? config.server : 'system resolver';
    return {
      host: server.replace(/^\[([^\]]+)\].*$/, '$1').replace(/:\d+$/, ''),
      label: `${String(config.recordType ?? 'A')} ${String(config.name)} @ ${server}`,
    };
  }
  // A check that logs in (ssh-metrics) connects to its server's host unless its config names one.
  const host = typeof config.host === 'string' ? config.host : serverHost;
  const port = typeof config.port === 'number' ? config.port : undefined;
  const label = port === undefined ? host : host === '' ? `port ${port}` : host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { host, label };
}

const TYPE_WORDS: Record<CheckSpec['type'], string> = {
  tcp: 'TCP',
  http: 'HTTP',
  tls: 'TLS',
  dns: 'DNS',
  ssh: 'SSH',
  game: 'Game',
  'ssh-metrics': 'SSH metrics',
};

/**
 * The name a check gets when nobody gave one: what it is and what it watches, said once
 * ("HTTP 127.0.0.1:33567/", "HTTPS shop.example.com/health", "TCP 10.0.0.5:22"), not the type
 * twice as in "http http://…".
 */
export function defaultCheckName(spec: CheckSpec, serverHost = ''): string {
  const config = spec.config as Record<string, unknown>;
  let word = TYPE_WORDS[spec.type];
  let what = checkTarget(spec, serverHost).label;
  if (typeof config.url === 'string') {
    const url = new URL(config.url);
    if (spec.type === 'http' && url.protocol === 'https:') word = 'HTTPS';
    what = `${url.host}${url.pathname}${url.search}`;
  }
  return `${word} ${what}`.slice(0, 100);
}

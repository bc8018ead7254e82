import { Resolver } from 'node:dns/promises';
import { dnsConfig, type DnsConfig } from '@shared/health/dns';
import { type CheckResult, type CheckType, deadline, refusedHost, stopped, stopwatch } from '../check';

const REASONS: Record<string, string> = {
  ENOTFOUND: 'does not exist (NXDOMAIN)',
  ENODATA: 'has no {type} records',
  ESERVFAIL: 'could not be resolved: the server failed (SERVFAIL)',
  EREFUSED: 'was refused by the server',
  ECONNREFUSED: 'could not be asked: connection refused',
  EBADRESP: 'got a malformed answer',
  EFORMERR: 'got a format error from the server',
};

/** The answers to one query, each as the text an `expected` value is compared with. */
async function query(resolver: Resolver, name: string, type: DnsConfig['recordType']): Promise<string[]> {
  switch (type) {
    case 'A':
      return resolver.resolve4(name);
    case 'AAAA':
      return resolver.resolve6(name);
    case 'CNAME':
      return resolver.resolveCname(name);
    case 'MX':
      return (await resolver.resolveMx(name)).sort((a, b) => a.priority - b.priority).map((mx) => `${mx.priority} ${mx.exchange}`);
    case 'TXT':
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
  }
}

function matches(answer: string, expected: string, type: DnsConfig['recordType']): boolean {
  const norm = (value: string) => (type === 'TXT' ? value : value.toLowerCase().replace(/\.$/, ''));
  // An MX expectation may name the exchange alone or "priority exchange".
  if (type === 'MX' && !/\s/.test(expected.trim())) return norm(answer.split(' ')[1] ?? '') === norm(expected.trim());
  return norm(answer) === norm(expected.trim());
}

/** One DNS query, answered: up with the records, down with why there are none or not the expected one. */
export const dnsCheck: CheckType<DnsConfig> = {
  type: 'dns',
  configSchema: dnsConfig,
  async run(config, ctx) {
    const what = `${config.name} ${config.recordType}`;
    const via = config.server ? `DNS server ${config.server}` : 'the system resolver';
    if (ctx.signal.aborted) return stopped(ctx, via);
    const resolverHost = config.server?.replace(/^\[([^\]]+)\].*$/, '$1').replace(/^([\d.]+):\d+$/, '$1');
    const refused = resolverHost === undefined ? null : refusedHost(ctx, resolverHost);
    if (refused) return refused;
    const resolver = new Resolver({ timeout: ctx.timeoutMs, tries: 1 });
    if (config.server) resolver.setServers([config.server]);
    // The resolver's own timeout is per server; the deadline bounds the whole run.
    const { signal, done } = deadline(ctx);
    const cancel = () => resolver.cancel();
    signal.addEventListener('abort', cancel, { once: true });
    const elapsed = stopwatch();
    try {
      const answers = await query(resolver, config.name, config.recordType);
      const latencyMs = elapsed();
      const data = { answers, server: config.server ?? null };
      if (config.expected !== undefined && !answers.some((answer) => matches(answer, config.expected ?? '', config.recordType))) {
        return { status: 'down', latencyMs, message: `${what}: expected ${config.expected}, got ${answers.join(', ')}`, data };
      }
      return { status: 'up', latencyMs, message: `${what}: ${answers.join(', ')} (in ${latencyMs} ms)`, data } satisfies CheckResult;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (code === 'ECANCELLED' || code === 'ETIMEOUT' || signal.aborted) return stopped(ctx, via);
      const reason = REASONS[code]?.replace('{type}', config.recordType) ?? `failed: ${code || (error as Error).message}`;
      return { status: 'down', latencyMs: null, message: `${config.name} ${reason}` };
    } finally {
      signal.removeEventListener('abort', cancel);
      done();
    }
  },
};

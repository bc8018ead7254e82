import { lookup as systemLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where a channel may post (docs/alerts.md, "Safe targets"): never to loopback, private or
 * link-local addresses (this machine's own services, the internal network, cloud metadata)
 * unless an admin lists the address, range or host name in the alert settings. A URL's host is
 * checked as written when the channel is saved and when it sends, and again at connect time for
 * every address its name resolves to, so a name re-pointed after saving (DNS rebinding) cannot
 * get round it.
 */

const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv6');

/** The error code a refused connection fails with. */
export const TARGET_REFUSED = 'ETARGETREFUSED';

const bare = (host: string) =>
  host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');

/** An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is checked as the IPv4 address it carries. */
function unmapped(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

function blockOf(entries: readonly string[]): { list: BlockList; names: Set<string> } {
  const list = new BlockList();
  const names = new Set<string>();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    if (family === 0) names.add(bare(entry));
    else if (prefix === undefined) list.addAddress(address, family === 6 ? 'ipv6' : 'ipv4');
    else list.addSubnet(address, Number(prefix), family === 6 ? 'ipv6' : 'ipv4');
  }
  return { list, names };
}

export interface TargetPolicy {
  /** The words refusing `host` as written (a literal internal address, localhost), or null. */
  refuseHost(host: string): string | null;
  /** Passed to http/https as `lookup`: fails with ETARGETREFUSED when the name resolves to an internal address not allowed. */
  lookup: LookupFunction;
  /** Whether an admin listed `host` itself (its name, or an address or range holding it): for a channel whose receiver is fixed unless an admin allows another. */
  listed(host: string): boolean;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
type BaseLookup = (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback) => void;

export function refusal(host: string): string {
  return `refused to send to ${host}: it is a loopback, private or link-local address, which an admin has not allowed in the alert settings`;
}

/** The policy for the alert settings' `allowedTargets`; `base` is the system resolver unless a test hands in another. */
export function targetPolicy(allowedTargets: readonly string[], base: BaseLookup = systemLookup as unknown as BaseLookup): TargetPolicy {
  const allowed = blockOf(allowedTargets);
  const internal = (address: string) => {
    const plain = unmapped(address);
    const family = isIP(plain);
    if (family === 0) return false;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    return INTERNAL.check(plain, type) && !allowed.list.check(plain, type);
  };
  const refuseHost = (host: string) => {
    const name = bare(host);
    if (allowed.names.has(name)) return null;
    if (name === 'localhost' || name.endsWith('.localhost') || internal(name)) return refusal(host);
    return null;
  };
  const lookup = (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback) => {
    base(hostname, options, (error, address, family) => {
      if (error) return callback(error, address, family);
      const addresses = Array.isArray(address) ? address.map((entry) => entry.address) : [address];
      if (!allowed.names.has(bare(hostname)) && addresses.some(internal)) {
        const refused: NodeJS.ErrnoException = new Error(refusal(hostname));
        refused.code = TARGET_REFUSED;
        return callback(refused, Array.isArray(address) ? [] : '', family);
      }
      callback(null, address, family);
    });
  };
  const listed = (host: string) => {
    const name = unmapped(bare(host));
    if (allowed.names.has(name)) return true;
    const family = isIP(name);
    return family !== 0 && allowed.list.check(name, family === 6 ? 'ipv6' : 'ipv4');
  };
  return { refuseHost, lookup: lookup as unknown as LookupFunction, listed };
}

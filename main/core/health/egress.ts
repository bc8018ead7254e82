import { lookup as systemLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where checks and probes may not connect: the cloud instance metadata services, which hand out
 * the machine's own cloud credentials to anything on it that asks. Checks reach internal hosts by
 * design (docs/security.md, "What checks can reach"); these addresses only when the monitoring
 * setting `allowMetadataAddresses` says so. A name is checked as written and again, at connect
 * time, for every address it resolves to, so a name (or a numeric form such as 2852039166) that
 * resolves to one cannot get round it.
 */

const METADATA = new BlockList();
METADATA.addAddress('169.254.169.254', 'ipv4'); // AWS, Azure, GCP, OpenStack, DigitalOcean, Oracle
METADATA.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud
METADATA.addAddress('fd00:ec2::254', 'ipv6'); // AWS over IPv6

const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog']);

/** The error code a refused connection fails with; `describeError` says it in words. */
export const METADATA_REFUSED = 'EMETADATA';

/** Whether an IP address (IPv4, IPv6, or IPv4-mapped IPv6) is a metadata service's. */
export function isMetadataAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && METADATA.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** Whether a host as written (name or literal address, bracketed or not) is a metadata service. */
export function isMetadataHost(host: string): boolean {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  return METADATA_NAMES.has(bare) || isMetadataAddress(bare);
}

/** Words for a refused metadata target, the same for a check's result and a probe's answer. */
export function metadataRefusal(host: string): string {
  return `refused to connect to ${host}: it is a cloud metadata address, which hands out this machine's cloud credentials`;
}

function refusedError(hostname: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(metadataRefusal(hostname));
  error.code = METADATA_REFUSED;
  return error;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
type BaseLookup = (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback) => void;

/**
 * A `lookup` for net/tls/http connections that fails with EMETADATA when the name resolves to a
 * metadata address. `base` is the system resolver; a test may hand in another.
 */
export function guardedLookup(base: BaseLookup = systemLookup as unknown as BaseLookup): LookupFunction {
  const lookup = (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback) => {
    base(hostname, options, (error, address, family) => {
      if (error) return callback(error, address, family);
      const addresses = Array.isArray(address) ? address.map((entry) => entry.address) : [address];
      if (addresses.some(isMetadataAddress)) return callback(refusedError(hostname), Array.isArray(address) ? [] : '', family);
      callback(null, address, family);
    });
  };
  return lookup as unknown as LookupFunction;
}

/** What a connection may reach: the lookup to connect with, and the refusal for a host as written. */
export interface Egress {
  /** Passed to net/tls/http as `lookup`; undefined when metadata addresses are allowed. */
  lookup: LookupFunction | undefined;
  /** The words refusing `host`, or null when it may be tried. */
  refuse(host: string): string | null;
}

const GUARDED: Egress = { lookup: guardedLookup(), refuse: (host) => (isMetadataHost(host) ? metadataRefusal(host) : null) };
const OPEN: Egress = { lookup: undefined, refuse: () => null };

/** The egress rule in force: guarded unless the monitoring setting allows metadata addresses. */
export function egress(allowMetadata: boolean | undefined): Egress {
  return allowMetadata ? OPEN : GUARDED;
}

import { z } from 'zod';

const IPV4 = z.ipv4();
const IPV6 = z.ipv6();

/** "1.1.1.1", "1.1.1.1:5353", "::1", "[::1]:5353". */
function validServer(value: string): boolean {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) return IPV6.safeParse(bracketed[1] ?? '').success && (bracketed[2] === undefined || Number(bracketed[2]) <= 65535);
  if (IPV4.safeParse(value).success || IPV6.safeParse(value).success) return true;
  const [ip = '', port, ...rest] = value.split(':');
  return rest.length === 0 && IPV4.safeParse(ip).success && port !== undefined && /^\d{1,5}$/.test(port) && Number(port) <= 65535;
}

export const dnsConfig = z.strictObject({
  name: z.string().min(1),
  recordType: z.enum(['A', 'AAAA', 'CNAME', 'MX', 'TXT']).default('A'),
  /** The resolver to ask, as ip or ip:port; the system's resolvers when absent. */
  server: z.string().refine(validServer, 'an IP address, optionally with :port').optional(),
  /** A value one of the answers must equal (an address, a name, an MX exchange, a TXT string). */
  expected: z.string().min(1).optional(),
});
export type DnsConfig = z.infer<typeof dnsConfig>;

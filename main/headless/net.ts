import { isIP } from 'node:net';

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.x), plus the name localhost. */
export function isLoopbackAddress(address: string): boolean {
  if (address === 'localhost' || address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

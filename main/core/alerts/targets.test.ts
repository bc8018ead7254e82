import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { TARGET_REFUSED, targetPolicy } from './targets';

/**
 * Where a channel may post (docs/alerts.md, "Safe targets"): a table of hosts as a URL gives
 * them, and names resolved by a stand-in resolver, as a connection would resolve them.
 */

const hostOf = (url: string) => new URL(url).hostname;

describe('a channel’s target', () => {
  const guarded = targetPolicy([]);

  it.each([
    'http://127.0.0.1/x',
    'http://127.1.2.3/x',
    'http://2130706433/x', // 127.0.0.1 written as one number
    'http://0x7f.1/x',
    'http://localhost:8080/x',
    'http://api.localhost/x',
    'http://10.0.0.1/x',
    'http://172.16.5.4/x',
    'http://192.168.1.1/x',
    'http://100.64.0.1/x',
    'http://169.254.169.254/latest/meta-data',
    'http://0.0.0.0/x',
    'http://[::1]/x',
    'http://[::]/x',
    'http://[fd00::1]/x',
    'http://[fe80::1]/x',
    'http://[::ffff:127.0.0.1]/x',
    'http://[::ffff:10.0.0.1]/x',
  ])('refuses %s unless allowed', (url) => {
    expect(guarded.refuseHost(hostOf(url))).toContain('loopback, private or link-local');
  });

  it.each(['https://hooks.example.net/x', 'http://93.184.216.34/x', 'http://[2606:4700::1111]/x', 'http://172.32.0.1/x', 'http://11.0.0.1/x'])(
    'lets %s through',
    (url) => {
      expect(guarded.refuseHost(hostOf(url))).toBeNull();
    },
  );

  it('lets through exactly what an admin allowed: an address, a range, a name', () => {
    const policy = targetPolicy(['127.0.0.1', '10.20.0.0/16', 'hooks.internal', 'fd00::5']);
    expect(policy.refuseHost('127.0.0.1')).toBeNull();
    expect(policy.refuseHost('127.0.0.2')).not.toBeNull();
    expect(policy.refuseHost('10.20.7.7')).toBeNull();
    expect(policy.refuseHost('10.21.0.1')).not.toBeNull();
    expect(policy.refuseHost('HOOKS.internal.')).toBeNull();
    expect(policy.refuseHost('[fd00::5]')).toBeNull();
    expect(policy.refuseHost('[fd00::6]')).not.toBeNull();
  });

  /** Resolves every name to `addresses`, as a DNS answer rebinding a name would. */
  const resolver =
    (addresses: string[]) =>
    (
      _host: string,
      options: { all?: boolean },
      callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
    ) => {
      const entries = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      if (options.all) callback(null, entries);
      else callback(null, entries[0]?.address ?? '', entries[0]?.family);
    };

  const resolve = (policy: ReturnType<typeof targetPolicy>, host: string, all: boolean) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((done) => {
      (policy.lookup as unknown as (h: string, o: object, cb: (e: NodeJS.ErrnoException | null, a: unknown) => void) => void)(host, { all }, (error, address) =>
        done({ error, address }),
      );
    });

  it('refuses at connect time a public-looking name that resolves to an internal address', async () => {
    // The address connected to (the first), or any of all of them (a connection may try each).
    for (const [all, addresses] of [
      [false, ['10.0.0.5', '93.184.216.34']],
      [true, ['93.184.216.34', '10.0.0.5']],
    ] as const) {
      const { error } = await resolve(targetPolicy([], resolver([...addresses])), 'rebind.example.net', all);
      expect(error?.code).toBe(TARGET_REFUSED);
      expect(error?.message).toContain('rebind.example.net');
    }
    const mapped = await resolve(targetPolicy([], resolver(['::ffff:169.254.169.254'])), 'metadata.example.net', false);
    expect(mapped.error?.code).toBe(TARGET_REFUSED);
  });

  it('connects to a name that resolves to public addresses, or to an allowed one', async () => {
    expect((await resolve(targetPolicy([], resolver(['93.184.216.34'])), 'hooks.example.net', false)).error).toBeNull();
    expect((await resolve(targetPolicy(['hooks.internal'], resolver(['10.0.0.5'])), 'hooks.internal', true)).error).toBeNull();
    expect((await resolve(targetPolicy(['10.0.0.0/24'], resolver(['10.0.0.5'])), 'hooks.internal', true)).error).toBeNull();
  });
});

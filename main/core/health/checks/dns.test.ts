import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckContext } from '../check';
import { dnsConfig, type DnsConfig } from '@shared/health/dns';
import { dnsCheck } from './dns';

const ctx = (over: Partial<CheckContext> = {}): CheckContext => ({ signal: new AbortController().signal, timeoutMs: 2000, now: () => Date.now(), ...over });

// ---------------------------------------------------------------------------------------------
// A tiny authoritative DNS responder over UDP for the test zone.

const TYPES = { A: 1, CNAME: 5, MX: 15, TXT: 16, AAAA: 28 } as const;

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...labels.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)])), Buffer.from([0])]);
}

const u16 = (value: number) => {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
};

const txt = (...chunks: string[]) => Buffer.concat(chunks.map((chunk) => Buffer.concat([Buffer.from([chunk.length]), Buffer.from(chunk)])));

/** name → type → rdata of each record. */
const ZONE: Record<string, Partial<Record<number, Buffer[]>>> = {
  'up.test': {
    [TYPES.A]: [Buffer.from([127, 0, 0, 10]), Buffer.from([127, 0, 0, 11])],
    [TYPES.AAAA]: [Buffer.from('fd000000000000000000000000000001', 'hex')],
    [TYPES.MX]: [Buffer.concat([u16(20), encodeName('backup.up.test')]), Buffer.concat([u16(10), encodeName('mail.up.test')])],
    [TYPES.TXT]: [txt('v=spf1 -all'), txt('hello ', 'world')],
  },
  'alias.test': { [TYPES.CNAME]: [encodeName('up.test')] },
  'empty.test': {},
};

function answer(query: Buffer): Buffer | undefined {
  let offset = 12;
  const labels: string[] = [];
  while (query[offset]) {
    const length = query[offset] ?? 0;
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString());
    offset += length + 1;
  }
  offset += 1;
  const qtype = query.readUInt16BE(offset);
  const question = query.subarray(12, offset + 4);
  const name = labels.join('.').toLowerCase();
  if (name === 'silent.test') return undefined;
  const records = ZONE[name];
  const rcode = name === 'broken.test' ? 2 : records ? 0 : 3;
  const rdatas = records?.[qtype] ?? [];
  const answers = rdatas.map((rdata) => Buffer.concat([u16(0xc00c), u16(qtype), u16(1), Buffer.from([0, 0, 0, 60]), u16(rdata.length), rdata]));
  const header = Buffer.concat([query.subarray(0, 2), u16(0x8580 | rcode), u16(1), u16(answers.length), u16(0), u16(0)]);
  return Buffer.concat([header, question, ...answers]);
}

let server: Socket;
let dnsServer: string;

beforeAll(async () => {
  server = createSocket('udp4');
  server.on('message', (message, remote) => {
    const reply = answer(message);
    if (reply) server.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  dnsServer = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const config = (over: Partial<z.input<typeof dnsConfig>> & { name: string }): DnsConfig => dnsConfig.parse({ server: dnsServer, ...over });

describe('dns check', () => {
  it('is up with the A records', async () => {
    const result = await dnsCheck.run(config({ name: 'up.test' }), ctx());
    expect(result.status).toBe('up');
    expect(result.message).toMatch(/^up\.test A: 127\.0\.0\.10, 127\.0\.0\.11 \(in [\d.]+ ms\)$/);
    expect(result.data).toMatchObject({ answers: ['127.0.0.10', '127.0.0.11'], server: dnsServer });
  });

  it('checks an expected address', async () => {
    expect((await dnsCheck.run(config({ name: 'up.test', expected: '127.0.0.11' }), ctx())).status).toBe('up');
    expect(await dnsCheck.run(config({ name: 'up.test', expected: '10.0.0.5' }), ctx())).toMatchObject({
      status: 'down',
      message: 'up.test A: expected 10.0.0.5, got 127.0.0.10, 127.0.0.11',
    });
  });

  it('reads AAAA, CNAME, MX and TXT records', async () => {
    expect((await dnsCheck.run(config({ name: 'up.test', recordType: 'AAAA', expected: 'fd00::1' }), ctx())).status).toBe('up');
    expect(await dnsCheck.run(config({ name: 'alias.test', recordType: 'CNAME', expected: 'UP.test.' }), ctx())).toMatchObject({
      status: 'up',
      message: expect.stringMatching(/^alias\.test CNAME: up\.test \(in /),
    });
    const mx = await dnsCheck.run(config({ name: 'up.test', recordType: 'MX', expected: 'mail.up.test' }), ctx());
    expect(mx).toMatchObject({ status: 'up', message: expect.stringMatching(/^up\.test MX: 10 mail\.up\.test, 20 backup\.up\.test \(in /) });
    expect((await dnsCheck.run(config({ name: 'up.test', recordType: 'MX', expected: '20 backup.up.test' }), ctx())).status).toBe('up');
    expect(await dnsCheck.run(config({ name: 'up.test', recordType: 'MX', expected: '20 mail.up.test' }), ctx())).toMatchObject({
      status: 'down',
      message: 'up.test MX: expected 20 mail.up.test, got 10 mail.up.test, 20 backup.up.test',
    });
    const text = await dnsCheck.run(config({ name: 'up.test', recordType: 'TXT', expected: 'hello world' }), ctx());
    expect(text).toMatchObject({ status: 'up', data: { answers: ['v=spf1 -all', 'hello world'] } });
  });

  it('is down for a name that does not exist', async () => {
    expect(await dnsCheck.run(config({ name: 'nowhere.test' }), ctx())).toEqual({
      status: 'down',
      latencyMs: null,
      message: 'nowhere.test does not exist (NXDOMAIN)',
    });
  });

  it('is down for a name without records of the type', async () => {
    expect(await dnsCheck.run(config({ name: 'empty.test', recordType: 'TXT' }), ctx())).toEqual({
      status: 'down',
      latencyMs: null,
      message: 'empty.test has no TXT records',
    });
  });

  it('is down when the server fails', async () => {
    expect(await dnsCheck.run(config({ name: 'broken.test' }), ctx())).toEqual({
      status: 'down',
      latencyMs: null,
      message: 'broken.test could not be resolved: the server failed (SERVFAIL)',
    });
  });

  it('is down when the server does not answer in time', async () => {
    expect(await dnsCheck.run(config({ name: 'silent.test' }), ctx({ timeoutMs: 300 }))).toEqual({
      status: 'down',
      latencyMs: null,
      message: `no answer from DNS server ${dnsServer} within 300 ms`,
    });
  });

  it('takes a server as ip or ip:port only', () => {
    for (const server of ['1.1.1.1', '1.1.1.1:5353', '::1', '[::1]:53']) expect(dnsConfig.safeParse({ name: 'a', server }).success).toBe(true);
    for (const server of ['dns.google', '1.1.1.1:99999', '::1:53x', 'localhost:53']) expect(dnsConfig.safeParse({ name: 'a', server }).success).toBe(false);
  });
});

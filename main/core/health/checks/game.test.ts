import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckContext } from '../check';
import { gameCheck } from './game';
import { MinecraftResponder } from './testing/minecraft';
import { closedPort as freePort, Peers } from './testing/peers';

// The minecraft type also asks the same port over UDP (GameSpy, Bedrock) and waits those out for
// half the timeout: every answer here takes about 500 ms, none leaves 127.0.0.1.
const ctx = (timeoutMs = 1000): CheckContext => ({ signal: new AbortController().signal, timeoutMs, now: () => Date.now() });

const peers = new Peers();
const responder = new MinecraftResponder({
  version: { name: '1.21.1', protocol: 767 },
  players: { max: 20, online: 3, sample: [{ name: 'alex', id: '00000000-0000-0000-0000-000000000001' }] },
  description: { text: 'Guardian ', extra: [{ text: 'test server' }] },
});
let minecraftPort: number;
let silentPort: number;
let closedPort: number;

beforeAll(async () => {
  minecraftPort = await peers.listen(responder.server);
  silentPort = await peers.listen(createServer(() => undefined));
  closedPort = await freePort();
});

afterAll(() => peers.closeAll());

describe('game check', () => {
  it('is up with the players, version and round trip from a Minecraft server', async () => {
    const result = await gameCheck.run({ game: 'minecraft', host: '127.0.0.1', port: minecraftPort }, ctx());
    expect(result.status).toBe('up');
    // The round trip is gamedig's own measure: a whole, non-negative number of milliseconds, said the same in the message and the data.
    const latency = result.latencyMs ?? Number.NaN;
    expect(Number.isSafeInteger(latency) && latency >= 0, `latency ${latency}`).toBe(true);
    expect(result.message).toBe(`Minecraft 1.21.1: 3/20 players in ${latency} ms`);
    expect(result.data).toEqual({ name: 'Guardian test server', map: '', players: 3, maxPlayers: 20, version: '1.21.1', ping: result.latencyMs });
    expect(responder.handshakes.at(-1)).toEqual({ protocol: 47, address: '127.0.0.1', port: minecraftPort, nextState: 1 });
  });

  it('is degraded when fewer players than minPlayers are online', async () => {
    const result = await gameCheck.run({ game: 'minecraft', host: '127.0.0.1', port: minecraftPort, minPlayers: 5 }, ctx());
    expect(result.status).toBe('degraded');
    expect(result.message).toMatch(/^Minecraft 1\.21\.1: 3\/20 players in \d+ ms \(fewer than 5 players online\)$/);
  });

  it('answers through a single protocol', async () => {
    const result = await gameCheck.run({ game: 'protocol-minecraftvanilla', host: '127.0.0.1', port: minecraftPort }, ctx());
    expect(result).toMatchObject({ status: 'up', data: { players: 3, maxPlayers: 20 } });
    expect(result.message.endsWith(`: 3/20 players in ${result.latencyMs} ms`), result.message).toBe(true);
  });

  it('is down with "connection refused" on a closed port', async () => {
    const result = await gameCheck.run({ game: 'minecraft', host: '127.0.0.1', port: closedPort }, ctx());
    expect(result).toEqual({ status: 'down', latencyMs: null, message: `connection refused on 127.0.0.1:${closedPort}` });
  });

  it('is down when the server accepts and never answers', async () => {
    const result = await gameCheck.run({ game: 'minecraft', host: '127.0.0.1', port: silentPort }, ctx(500));
    expect(result).toEqual({ status: 'down', latencyMs: null, message: `127.0.0.1:${silentPort} accepts connections but gave no Minecraft answer` });
  });

  it('is down with the reason for a game id gamedig does not know', async () => {
    expect(await gameCheck.run({ game: 'nosuchgame', host: '127.0.0.1' }, ctx())).toEqual({
      status: 'down',
      latencyMs: null,
      message: 'unknown game id "nosuchgame"',
    });
    expect((await gameCheck.run({ game: 'minecraftbe', host: '127.0.0.1' }, ctx())).message).toBe('unknown game id "minecraftbe" (gamedig now calls it "mbe")');
  });

  it('is down, and says so, when cancelled by the caller before or during the query', async () => {
    const before = new AbortController();
    before.abort();
    const config = { game: 'minecraft', host: '127.0.0.1', port: silentPort };
    const cancelled = { status: 'down', latencyMs: null, message: `check cancelled before 127.0.0.1:${silentPort} answered` };
    expect(await gameCheck.run(config, { ...ctx(), signal: before.signal })).toEqual(cancelled);

    // Not cancelled, the silent server would be called unanswered at the timeout, with another message.
    const during = new AbortController();
    setTimeout(() => during.abort(), 50);
    expect(await gameCheck.run(config, { ...ctx(5000), signal: during.signal })).toEqual(cancelled);
  });

  it('takes a gamedig id, a host and an optional port', () => {
    const parse = (config: unknown) => gameCheck.configSchema.safeParse(config).success;
    expect(parse({ game: 'minecraft', host: 'mc.example.test' })).toBe(true);
    expect(parse({ game: 'minecraft', host: 'mc.example.test', port: 25565, minPlayers: 1, maxLatencyMs: 150 })).toBe(true);
    expect(parse({ game: 'Minecraft Java', host: 'mc.example.test' })).toBe(false);
    expect(parse({ game: 'minecraft', host: 'mc.example.test', port: 70000 })).toBe(false);
    expect(parse({ game: 'minecraft', host: 'mc.example.test', players: 3 })).toBe(false);
  });
});

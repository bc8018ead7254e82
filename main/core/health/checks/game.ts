import type { QueryResult } from 'gamedig';
import { gameConfig, type GameConfig } from '@shared/health/game';
import { type CheckContext, type CheckResult, type CheckType, deadline, hostPort, refusedHost, resolvesToRefused, stopped } from '../check';
import { tcpCheck } from './tcp';

/**
 * gamedig's own per-packet default. A game server slower than this to answer one packet is down
 * for its players anyway, and the `minecraft` type waits it out on every run (see below).
 */
const SOCKET_TIMEOUT_MS = 2000;

/**
 * gamedig, loaded on a game check's first run: it takes about half a second of CPU to load, which
 * every `guardian` command and every start would pay otherwise.
 */
let gamedig: Promise<typeof import('gamedig')> | undefined;
const loadGamedig = () => (gamedig ??= import('gamedig'));

type Gamedig = Awaited<ReturnType<typeof loadGamedig>>;

interface Game {
  name: string;
  /** The port gamedig queries when none is given; undefined for a bare protocol. */
  port?: number;
}

/** The game gamedig knows by `id` ("minecraft", "protocol-valve"), or null. */
function findGame({ games, protocols }: Gamedig, id: string): Game | null {
  if (id.startsWith('protocol-')) {
    const protocol = id.slice('protocol-'.length);
    return Object.hasOwn(protocols, protocol) ? { name: protocol } : null;
  }
  const game = Object.hasOwn(games, id) ? games[id] : undefined;
  if (!game) return null;
  const { port, port_query: queryPort, port_query_offset: offset } = game.options;
  const firstOffset = (Array.isArray(offset) ? offset[0] : offset) ?? 0;
  return { name: game.name, port: queryPort ?? (port === undefined ? undefined : port + firstOffset) };
}

function unknownGame({ games }: Gamedig, id: string): string {
  const renamed = Object.entries(games).find(([, game]) => game.extra?.old_id === id);
  return renamed ? `unknown game id "${id}" (gamedig now calls it "${renamed[0]}")` : `unknown game id "${id}"`;
}

type Outcome = { ok: true; value: QueryResult } | { ok: false; error: unknown };

/** How `query` ended, or null once `signal` fired first. */
function settle(query: Promise<QueryResult>, signal: AbortSignal): Promise<Outcome | null> {
  return new Promise((resolve) => {
    const onAbort = () => resolve(null);
    signal.addEventListener('abort', onAbort, { once: true });
    query
      .then(
        (value) => resolve({ ok: true, value }),
        (error: unknown) => resolve({ ok: false, error }),
      )
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function answered(config: GameConfig, game: Game, state: QueryResult): CheckResult {
  const { name, map, numplayers: players, maxplayers: maxPlayers, version, ping } = state;
  const problems: string[] = [];
  if (config.minPlayers !== undefined && players < config.minPlayers) problems.push(`fewer than ${config.minPlayers} players online`);
  if (config.maxLatencyMs !== undefined && ping > config.maxLatencyMs) problems.push(`slower than ${config.maxLatencyMs} ms`);
  const title = version ? `${game.name} ${version}` : game.name;
  const message = `${title}: ${players}/${maxPlayers} players in ${ping} ms` + (problems.length ? ` (${problems.join(', ')})` : '');
  return {
    status: problems.length ? 'degraded' : 'up',
    // gamedig's round trip, not the run's length: the run also waits out the protocols that got no answer.
    latencyMs: ping,
    message,
    data: { name, map, players, maxPlayers, version, ping },
  };
}

/**
 * gamedig's failure in a person's words. It throws "Failed all N attempts" with each attempt's
 * error in the stack, and calls every TCP close before connecting "TCP Connection Refused".
 */
function failureReason(error: unknown, game: Game, target: string): string | null {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (text.includes('TCP Connection Refused')) return `connection refused on ${target}`;
  const timedOut = /Timed out after (\d+)ms/.exec(text);
  if (timedOut) return `no answer from ${target} within ${timedOut[1]} ms`;
  // The minecraft type runs Java, GameSpy and Bedrock queries at once and keeps none of their errors.
  if (text.includes('No protocols succeeded')) return null;
  const attempt = /Attempt #\d+ - Port=\S* Retry=\d+:\n\w*: ([^\n]+)/.exec(text);
  const reason = attempt?.[1] ?? (error instanceof Error ? error.message : String(error));
  return `${game.name} query of ${target} failed: ${reason}`;
}

/**
 * One gamedig query (Minecraft and the other games gamedig knows): up with the players, version
 * and round trip; degraded below `minPlayers` or above `maxLatencyMs`; down with the reason.
 */
export const gameCheck: CheckType<GameConfig> = {
  type: 'game',
  configSchema: gameConfig,
  async run(config, ctx) {
    const library = await loadGamedig();
    const game = findGame(library, config.game);
    if (!game) return { status: 'down', latencyMs: null, message: unknownGame(library, config.game) };
    const port = config.port ?? game.port;
    const target = port === undefined ? config.host : hostPort(config.host, port);
    const { signal, done } = deadline(ctx);
    try {
      return await askServer(config, ctx, library, game, port, target, signal);
    } finally {
      done();
    }
  },
};

/** The query itself, within `signal`'s deadline. */
async function askServer(
  config: GameConfig,
  ctx: CheckContext,
  library: Gamedig,
  game: Game,
  port: number | undefined,
  target: string,
  signal: AbortSignal,
): Promise<CheckResult> {
  if (signal.aborted) return stopped(ctx, target);
  // gamedig resolves the name itself: it is checked here, and its addresses by the guarded lookup.
  const refused = refusedHost(ctx, config.host) ?? (await resolvesToRefused(ctx, config.host));
  if (refused) return refused;

  const socketTimeout = Math.max(1, Math.min(SOCKET_TIMEOUT_MS, Math.floor(ctx.timeoutMs / 2)));
  // gamedig takes no AbortSignal: a query the deadline leaves behind ends on its attemptTimeout.
  // maxRetries counts tries (0 would mean its default); givenPortOnly stops it trying a given
  // port twice; the static query shares one UDP socket across runs.
  const query = library.GameDig.query({
    type: config.game,
    host: config.host,
    ...(config.port === undefined ? {} : { port: config.port, givenPortOnly: true }),
    maxRetries: 1,
    socketTimeout,
    attemptTimeout: ctx.timeoutMs,
    portCache: false,
  });
  const outcome = await settle(query, signal);
  if (!outcome) return stopped(ctx, target);
  if (outcome.ok) return answered(config, game, outcome.value);

  const reason = failureReason(outcome.error, game, target);
  if (reason !== null || port === undefined) return { status: 'down', latencyMs: null, message: reason ?? `no ${game.name} answer from ${target}` };
  // No reason kept: a TCP connect tells a closed port from a server that gave no game answer.
  const probe = await tcpCheck.run({ host: config.host, port }, { ...ctx, signal });
  if (signal.aborted) return stopped(ctx, target);
  return {
    status: 'down',
    latencyMs: null,
    message: probe.status === 'up' ? `${target} accepts connections but gave no ${game.name} answer` : probe.message,
  };
}

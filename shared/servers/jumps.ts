import { MAX_JUMP_HOPS } from '../api/servers';

/**
 * Jump hosts (ProxyJump) as a graph of servers: each names at most one server it is reached
 * through. The one place that walks it, for the service that refuses a bad link, the SSH callers
 * that connect along it, and the form that offers only servers it would accept.
 */

/** What the walk needs of a server. */
export interface JumpLink {
  id: string;
  name: string;
  jumpHostId: string | null;
}

/** Why a link cannot be made, in a person's words: a message and what to do. */
export interface JumpProblem {
  message: string;
  hint: string;
}

/**
 * The jump hosts of `server` in the order a connection passes them: the one Guardian connects to
 * first comes first, the server's own jump host last. Null when the chain loops or is longer than
 * MAX_JUMP_HOPS (the service refuses both, so only a database changed by hand holds one), or names
 * a server that does not exist.
 */
export function jumpChain<S extends JumpLink>(server: S, find: (id: string) => S | undefined): S[] | null {
  const chain: S[] = [];
  for (let id = server.jumpHostId; id !== null;) {
    const hop = find(id);
    if (!hop || hop.id === server.id || chain.includes(hop) || chain.length === MAX_JUMP_HOPS) return null;
    chain.push(hop);
    id = hop.jumpHostId;
  }
  return chain.reverse();
}

const names = (path: readonly JumpLink[]) => path.map((server) => server.name).join(' → ');

/**
 * Whether `server` may connect through `jumpHostId` (null: directly), given every server: not
 * itself, one that exists, no loop, and no chain (its own, or of any server reached through it)
 * longer than MAX_JUMP_HOPS. Null when it may.
 */
export function jumpProblem(server: JumpLink, jumpHostId: string | null, all: readonly JumpLink[]): JumpProblem | null {
  if (jumpHostId === null) return null;
  if (jumpHostId === server.id) {
    return { message: `${server.name} cannot connect through itself.`, hint: 'Choose another server as its jump host, or none to connect directly.' };
  }
  const byId = new Map(all.map((each) => [each.id, each]));
  byId.set(server.id, { ...server, jumpHostId });
  const jump = byId.get(jumpHostId);
  if (!jump)
    return { message: `There is no server ${jumpHostId} to connect through.`, hint: 'Choose a server of the inventory (list servers to see their ids).' };

  // Above: from the server up through its jump hosts.
  const above: JumpLink[] = [];
  for (let hop: JumpLink | undefined = jump; hop; hop = hop.jumpHostId === null ? undefined : byId.get(hop.jumpHostId)) {
    if (hop.id === server.id) {
      return {
        message: `${jump.name} already connects through ${server.name}: ${names([server, ...above, server])} would be a loop.`,
        hint: `Choose a jump host that does not connect through ${server.name}, or change ${jump.name}'s first.`,
      };
    }
    // A loop further up was made by hand; the hop limit below names it.
    if (above.includes(hop)) break;
    above.push(hop);
  }
  // Below: the longest chain of servers that connect through this one.
  const below = longestBelow(server, [...byId.values()]);
  const hops = above.length + below.length;
  if (hops > MAX_JUMP_HOPS) {
    const path = names([...below, server, ...above]);
    return {
      message:
        below.length === 0
          ? `${server.name} would pass ${hops} jump hosts (${path}); at most ${MAX_JUMP_HOPS} are allowed.`
          : `${below[0]?.name ?? server.name} would then pass ${hops} jump hosts (${path}); at most ${MAX_JUMP_HOPS} are allowed.`,
      hint: 'Connect through a jump host nearer to Guardian, or shorten the chain.',
    };
  }
  return null;
}

/** The longest chain of servers reaching `server` through their jump hosts, the farthest first. */
function longestBelow(server: JumpLink, all: readonly JumpLink[]): JumpLink[] {
  const through = new Map<string, JumpLink[]>();
  for (const each of all) if (each.jumpHostId !== null) through.set(each.jumpHostId, [...(through.get(each.jumpHostId) ?? []), each]);
  let best: JumpLink[] = [];
  // Depth-first, bounded: a chain past the limit is already too long, and a hand-made loop stops there.
  const walk = (at: JumpLink, path: JumpLink[]) => {
    if (path.length > best.length) best = path;
    if (path.length > MAX_JUMP_HOPS) return;
    for (const next of through.get(at.id) ?? []) if (next.id !== server.id && !path.includes(next)) walk(next, [next, ...path]);
  };
  walk(server, []);
  return best;
}

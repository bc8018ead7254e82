/**
 * Dependencies between servers (docs/alerts.md, "Dependencies"): each names at most one server it
 * sits behind (a router, a hypervisor). The one place that walks them: the service refuses a loop,
 * the alerts hold back what a down parent explains, the form offers what it would accept.
 */

/** What the walk needs of a server. */
export interface DependencyLink {
  id: string;
  name: string;
  dependsOnId: string | null;
}

/**
 * The servers `server` sits behind, nearest first: its parent, the parent's, and so on. A chain
 * that loops (only a database changed by hand holds one) or names a server that is gone stops there.
 */
export function parentsOf<S extends DependencyLink>(server: S, find: (id: string) => S | undefined): S[] {
  const parents: S[] = [];
  for (let id = server.dependsOnId; id !== null;) {
    const parent = find(id);
    if (!parent || parent.id === server.id || parents.includes(parent)) break;
    parents.push(parent);
    id = parent.dependsOnId;
  }
  return parents;
}

/** Why `server` cannot depend on `parentId`, in a message and what to do; null when it can. */
export function dependencyProblem(server: DependencyLink, parentId: string | null, all: readonly DependencyLink[]): { message: string; hint: string } | null {
  if (parentId === null) return null;
  if (parentId === server.id) return { message: `${server.name} cannot depend on itself.`, hint: 'Choose the server it sits behind, or none.' };
  const byId = new Map(all.map((each) => [each.id, each]));
  const parent = byId.get(parentId);
  if (!parent) return { message: `There is no server ${parentId} to depend on.`, hint: 'Choose a server of the inventory (list servers to see their ids).' };
  const above = parentsOf(parent, (id) => byId.get(id));
  const loop = above.findIndex((each) => each.id === server.id);
  if (loop >= 0) {
    const path = [server, parent, ...above.slice(0, loop + 1)].map((each) => each.name).join(' → ');
    return {
      message: `${parent.name} already depends on ${server.name}: ${path} would be a loop.`,
      hint: `Choose a server that does not depend on ${server.name}, or change ${parent.name}'s first.`,
    };
  }
  return null;
}

import type { TargetSelector } from '../api/operations';
import type { Server } from '../api/servers';

/**
 * Whether `server` is one the selector names (docs/operations.md): the servers named always are;
 * besides them, a server with any of the tags and in any of the environments (only one of the two
 * given: that one alone). The service resolves a run's targets with it and the Operations page
 * previews them with it, so what the page shows is what runs.
 */
export function selects(selector: TargetSelector, server: Pick<Server, 'id' | 'tags' | 'environment'>): boolean {
  if (selector.serverIds.includes(server.id)) return true;
  if (selector.tags.length === 0 && selector.environments.length === 0) return false;
  const tagged = selector.tags.length === 0 || selector.tags.some((tag) => server.tags.includes(tag));
  const inEnvironment = selector.environments.length === 0 || selector.environments.includes(server.environment);
  return tagged && inEnvironment;
}

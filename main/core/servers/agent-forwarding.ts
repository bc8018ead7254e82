import { AppError } from '@shared/api/errors';
import { principalAllows, type Permission, type Principal } from '@shared/permissions';
import { moved } from './service';

/**
 * Who may have Guardian's SSH agent forwarded to a server (docs/operations.md, "Agent
 * forwarding"). A host the agent is forwarded to may use its keys, to log in anywhere they open,
 * while a command runs there: as much as running commands, so it takes the permission ad-hoc
 * commands take. Turning it off, or editing a server that keeps it where it was, takes no more
 * than servers:write.
 */
export const AGENT_FORWARDING_PERMISSION: Permission = 'operations:run';

/** Refuses a create or update that would forward the agent to a host it was not forwarded to, unless the caller may run commands. */
export function assertMayForwardAgent(
  principal: Principal,
  current: { agentForwarding: boolean; host: string; port: number } | null,
  change: { agentForwarding?: boolean | undefined; host?: string | undefined; port?: number | undefined },
): void {
  if (change.agentForwarding !== true || principalAllows(principal, AGENT_FORWARDING_PERMISSION)) return;
  const lends = current === null || !current.agentForwarding || moved(current, { host: change.host ?? current.host, port: change.port ?? current.port });
  if (!lends) return;
  const message = current?.agentForwarding
    ? 'Moving a server that forwards Guardian’s SSH agent sends the agent to the new host: your role may not'
    : 'Turning agent forwarding on lends Guardian’s SSH agent to the server: your role may not';
  throw new AppError('PERMISSION_DENIED', `${message} (${principal.role}).`, {
    hint: `Leave agent forwarding off, or ask someone with the "${AGENT_FORWARDING_PERMISSION}" permission (an owner or admin).`,
    issues: [{ path: ['agentForwarding'], message: 'Only roles that may run commands may forward the agent' }],
  });
}

import { AppError } from '@shared/api/errors';
import { checksCreate, type CheckSpec } from '@shared/api/checks';
import type { DefaultCheck } from '@shared/api/servers';
import { principalAllows, type Principal } from '@shared/permissions';

/**
 * The check a new server is watched with (docs/architecture.md §7), whichever way it was added:
 * the dialog, the CLI, the API or an import. A server nobody watches looks healthy by saying
 * nothing, so every entry point adds this one unless its caller says no (`monitor: false`).
 */

type TcpSpec = Extract<CheckSpec, { type: 'tcp' }>;

/** A TCP connect to the port asked for, or to the server's SSH port; null when asked for none. */
export function defaultCheckSpec(server: { host: string; port: number }, monitor: DefaultCheck | undefined): TcpSpec | null {
  if (monitor === false) return null;
  return { type: 'tcp', config: { host: server.host, port: monitor?.port ?? server.port } };
}

/** Adding the check needs what checks.create needs; a caller without it is told, not quietly given no check. */
export function assertMayAddDefaultCheck(principal: Principal): void {
  const { permission } = checksCreate;
  if (permission === 'public' || permission === 'authenticated' || principalAllows(principal, permission)) return;
  throw new AppError('PERMISSION_DENIED', `Your role (${principal.role}) may not add checks, and a new server gets one unless you ask for none.`, {
    hint: `Send "monitor": false to add the server without a check, or ask an owner or admin for the "${permission}" permission.`,
    issues: [{ path: ['monitor'], message: 'Adding a check needs the permission checks.create needs' }],
  });
}

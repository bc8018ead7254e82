import { AppError } from '@shared/api/errors';
import { MAX_JUMP_HOPS } from '@shared/api/servers';
import type { SecretValue } from '@shared/api/vault';
import { jumpChain } from '@shared/servers/jumps';
import { loadSsh2 } from '../ssh2';
import type { SecretStore } from '../vault';
import type { SshJump, SshLogin } from './checks/ssh-session';

/**
 * How Guardian logs in to a server over SSH with the vault, and the jump hosts on the way to it:
 * one place for operations and the ssh checks. Each server's login is its own linked credential,
 * read through SecretStore.use() for that server and its host alone, never with anyone's rights:
 * a jump host gets its own credential, never the target's.
 */

/** What a login and a route need of a server. */
export interface SshServer {
  id: string;
  name: string;
  host: string;
  user: string | null;
  port: number;
  jumpHostId: string | null;
}

export type LoginSecrets = Pick<SecretStore, 'list' | 'use'>;

/** The server's login: its one linked password or SSH key from the vault, with its user (else the secret's); or why there is none, in words. */
export async function serverLogin(secrets: LoginSecrets, server: SshServer, usedBy: string): Promise<SshLogin | string> {
  const linked = (await secrets.list({ serverId: server.id })).filter((secret) => secret.kind === 'password' || secret.kind === 'ssh_key');
  if (linked.length === 0) return `no password or SSH key in the vault is linked to ${server.name}`;
  if (linked.length > 1)
    return `${linked.length} credentials in the vault are linked to ${server.name} (${linked.map((secret) => secret.name).join(', ')}); link one`;
  const [secret] = linked;
  if (!secret) return 'no credential';
  let value: SecretValue;
  let storedUser: string | null;
  try {
    // No principal: the vault's links decide, whoever asked.
    const used = await secrets.use(secret.id, { usedBy, serverId: server.id, host: server.host, purpose: 'connect' });
    value = used.value;
    storedUser = used.username;
  } catch (error) {
    if (error instanceof AppError) return `cannot log in to ${server.name}: ${error.message}`;
    throw error;
  }
  const username = server.user ?? storedUser;
  if (!username) return `no login name for ${server.name}: set the server’s user, or the secret’s`;
  switch (value.kind) {
    case 'password':
      return { username, password: value.password };
    case 'ssh_key': {
      const parsed = (await loadSsh2()).utils.parseKey(value.privateKey, value.passphrase);
      const key = Array.isArray(parsed) ? parsed[0] : parsed;
      if (!key || key instanceof Error || !key.isPrivateKey()) {
        return `the SSH key "${secret.name}" cannot be opened: its passphrase is wrong or missing, or it is not a private key`;
      }
      return { username, key };
    }
    default:
      return `the secret "${secret.name}" is not a password or an SSH key`;
  }
}

/**
 * The jump hosts on the way to `server`, the first one Guardian connects to first, each with its
 * own login; an empty list when it is reached directly; or why the way cannot be taken, in words
 * naming the jump host.
 */
export async function jumpRoute<S extends SshServer>(
  server: S,
  find: (id: string) => S | undefined,
  secrets: LoginSecrets,
  usedBy: string,
): Promise<SshJump[] | string> {
  if (server.jumpHostId === null) return [];
  const chain = jumpChain(server, find);
  if (!chain) {
    return `the jump hosts of ${server.name} loop, name a server that is gone, or are more than ${MAX_JUMP_HOPS}: set its Connect through again`;
  }
  const route: SshJump[] = [];
  for (const hop of chain) {
    const login = await serverLogin(secrets, hop, usedBy);
    if (typeof login === 'string') return `cannot log in to jump host ${hop.name}: ${login}`;
    route.push({ serverId: hop.id, name: hop.name, host: hop.host, port: hop.port, login });
  }
  return route;
}

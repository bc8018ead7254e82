import { createHash } from 'node:crypto';
import { AppError } from '@shared/api/errors';
import { SecretValue, type Secret, type SecretKind } from '@shared/api/vault';
import { principalAllows, type Principal } from '@shared/permissions';
import type { Clock } from '../clock';
import type { AsyncDatabase, Stamp } from '../db/engine';
import type { ServerDirectory } from '../servers';
import { loadSsh2 } from '../ssh2';
import { open, seal } from './crypto';
import type { VaultService } from './service';
import type { VaultStore } from './store';
import type { SecretRow } from './table';

export interface SecretsDeps {
  store: VaultStore;
  /** Where a change that reads before it writes runs as one transaction. */
  data: Pick<AsyncDatabase, 'transaction'>;
  /** A secret's last use is written outside the caller's transaction, and nobody waits for it. */
  stamp: Stamp;
  /** Where a linked server is, for `use`. */
  directory: Pick<ServerDirectory, 'get'>;
  clock: Clock;
  newId: () => string;
  vault: VaultService;
}

export interface SecretFields {
  name: string;
  tags: string[];
  serverIds: string[];
  username: string | null;
  value: SecretValue;
}

export const secretAad = (id: string, kind: string) => `${id}:${kind}`;

function integrityError(row: Pick<SecretRow, 'id' | 'name'>): AppError {
  return new AppError('VAULT_INTEGRITY', `The secret "${row.name}" (${row.id}) failed its integrity check: it was altered outside Guardian.`, {
    hint: 'Restore it from a vault backup, or delete it and store it again.',
    retryable: false,
  });
}

/** Opens one stored secret with the data key of its generation, or names it in a VAULT_INTEGRITY error: never garbage. */
export function openSecretRow(dek: Buffer, row: SecretRow): SecretValue {
  let plain: Buffer;
  try {
    plain = open(dek, Buffer.from(row.sealed, 'base64'), secretAad(row.id, row.kind));
  } catch {
    throw integrityError(row);
  }
  const parsed = SecretValue.safeParse(JSON.parse(plain.toString('utf8')));
  plain.fill(0);
  if (!parsed.success || parsed.data.kind !== row.kind) throw integrityError(row);
  return parsed.data;
}

/** An SSH private key's type, public key and SHA256 fingerprint (as `ssh-keygen -l` prints it). */
export async function inspectSshKey(privateKey: string, passphrase?: string) {
  const parsed = (await loadSsh2()).utils.parseKey(privateKey, passphrase);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) {
    const encrypted = /encrypted|passphrase|decrypt/i.test(key instanceof Error ? key.message : '');
    throw new AppError(
      'VALIDATION_FAILED',
      encrypted ? 'The key is encrypted and the passphrase is missing or wrong.' : 'This is not an SSH private key Guardian can read.',
      {
        hint: encrypted ? 'Enter the key’s passphrase.' : 'Paste the whole key, from -----BEGIN to -----END (OpenSSH or PEM format).',
        issues: [
          {
            path: encrypted ? ['value', 'passphrase'] : ['value', 'privateKey'],
            message: encrypted ? 'Wrong or missing passphrase' : 'Not a readable private key',
          },
        ],
      },
    );
  }
  if (!key.isPrivateKey()) {
    throw new AppError('VALIDATION_FAILED', 'This is a public key; Guardian needs the private key.', {
      hint: 'Paste the file without .pub (e.g. ~/.ssh/id_ed25519).',
      issues: [{ path: ['value', 'privateKey'], message: 'A public key, not a private one' }],
    });
  }
  const blob = key.getPublicSSH();
  return {
    type: key.type,
    publicKey: `${key.type} ${blob.toString('base64')}`,
    fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
    comment: key.comment,
  };
}

function toSecret(row: SecretRow): Secret {
  const { sealed: _sealed, keyGeneration: _generation, ...meta } = row;
  return meta;
}

/** Secrets: metadata readable while locked, values sealed with the data key and opened only here. */
export class SecretStore {
  constructor(private readonly deps: SecretsDeps) {}

  private async row(id: string): Promise<SecretRow> {
    const row = await this.deps.store.secret(id);
    if (!row) throw new AppError('NOT_FOUND', `There is no secret ${id}.`, { hint: 'It may have been deleted; refresh the list.' });
    return row;
  }

  /** A stored secret's value, opened with the data key of its generation. */
  private async opened(row: SecretRow): Promise<SecretValue> {
    return openSecretRow(await this.deps.vault.dek(row.keyGeneration), row);
  }

  async list(filter: { q?: string | undefined; tags?: string[] | undefined; kind?: SecretKind | undefined; serverId?: string | undefined }): Promise<Secret[]> {
    return (await this.deps.store.secrets(filter)).map(toSecret);
  }

  /** Seals `value` with the data key new secrets get (call it inside the write's transaction: see VaultService.sealingKey). */
  private async sealValue(id: string, value: SecretValue): Promise<Pick<SecretRow, 'sealed' | 'keyGeneration' | 'publicKey' | 'fingerprint'>> {
    const ssh = value.kind === 'ssh_key' ? await inspectSshKey(value.privateKey, value.passphrase) : null;
    const { generation: keyGeneration, dek } = await this.deps.vault.sealingKey();
    const sealed = seal(dek, Buffer.from(JSON.stringify(value), 'utf8'), secretAad(id, value.kind)).toString('base64');
    return { sealed, keyGeneration, publicKey: ssh?.publicKey ?? null, fingerprint: ssh?.fingerprint ?? null };
  }

  create(fields: SecretFields, actor: string): Promise<Secret> {
    const id = this.deps.newId();
    const now = this.deps.clock.now();
    return this.deps.data.transaction(async () => {
      const row: SecretRow = {
        id,
        kind: fields.value.kind,
        name: fields.name,
        tags: fields.tags,
        serverIds: fields.serverIds,
        username: fields.username,
        ...(await this.sealValue(id, fields.value)),
        createdAt: now,
        createdBy: actor,
        updatedAt: now,
        updatedBy: actor,
        lastUsedAt: null,
        lastUsedBy: null,
      };
      await this.deps.store.insertSecret(row);
      return toSecret(row);
    });
  }

  /**
   * `principal` is who asks, when someone does: linking a stored secret to another server lets
   * that server's host receive it (see `use`), so it needs vault:reveal unless the value is given
   * again with the link.
   */
  update(id: string, fields: Partial<SecretFields>, actor: string, principal?: Principal): Promise<Secret> {
    return this.deps.data.transaction(async () => {
      const row = await this.row(id);
      const linked = (fields.serverIds ?? []).filter((serverId) => !row.serverIds.includes(serverId));
      if (linked.length > 0 && !fields.value && principal && !principalAllows(principal, 'vault:reveal')) {
        throw new AppError(
          'PERMISSION_DENIED',
          `Linking "${row.name}" to another server would let that server receive it; that needs the "vault:reveal" permission.`,
          {
            hint: 'Ask an owner or admin to link it, or enter the secret’s value again together with the new server.',
          },
        );
      }
      if (fields.value && fields.value.kind !== row.kind) {
        throw new AppError('VALIDATION_FAILED', `A ${row.kind.replace('_', ' ')} secret cannot become a ${fields.value.kind.replace('_', ' ')}.`, {
          hint: 'Create a new secret of the other kind instead.',
          issues: [{ path: ['value', 'kind'], message: 'The kind cannot change' }],
        });
      }
      const next: SecretRow = {
        ...row,
        ...(fields.name !== undefined ? { name: fields.name } : {}),
        ...(fields.tags !== undefined ? { tags: fields.tags } : {}),
        ...(fields.serverIds !== undefined ? { serverIds: fields.serverIds } : {}),
        ...(fields.username !== undefined ? { username: fields.username } : {}),
        ...(fields.value ? await this.sealValue(id, fields.value) : {}),
        updatedAt: this.deps.clock.now(),
        updatedBy: actor,
      };
      if (!(await this.deps.store.updateSecret(next)))
        throw new AppError('NOT_FOUND', `There is no secret ${id}.`, { hint: 'It was deleted meanwhile; refresh the list.' });
      return toSecret(next);
    });
  }

  /**
   * Unlinks every secret from a server whose host changed: a link lets the server's host receive
   * the secret, so a new host gets it only once someone links it again. Answers how many.
   */
  unlinkServer(serverId: string, actor: string): Promise<number> {
    return this.deps.store.unlinkServer(serverId, this.deps.clock.now(), actor);
  }

  async delete(id: string): Promise<{ id: string }> {
    if (!(await this.deps.store.deleteSecret(id))) throw new AppError('NOT_FOUND', `There is no secret ${id}.`, { hint: 'It may have been deleted already.' });
    return { id };
  }

  /** A value for an explicit, audited reveal (the handler checks permission and re-authentication). */
  async reveal(id: string): Promise<SecretValue> {
    return this.opened(await this.row(id));
  }

  /**
   * The one way the core's own code (checks, alerts, operations, backups) gets secret material,
   * for one connection. Never exposed through the contract; records who used it and when.
   * Refused unless the secret may go where it is about to go (see `authorizeUse`).
   */
  async use(id: string, use: SecretUse): Promise<UsedSecret> {
    const row = await this.row(id);
    await this.authorizeRow(row, use);
    const value = await this.opened(row);
    const lastUsedAt = this.deps.clock.now();
    this.deps.stamp('secret last used', () => this.deps.store.stampSecret(id, lastUsedAt, use.usedBy));
    return { value, username: row.username };
  }

  /**
   * Whether the secret may be sent where `use` says, without opening it (so it answers while the
   * vault is locked): only to a server the secret is linked to, at that server's own host. A
   * principal holding vault:reveal, who could read the secret anyway, may send it anywhere.
   * Throws PERMISSION_DENIED naming what is wrong.
   */
  async authorizeUse(id: string, use: Omit<SecretUse, 'usedBy'>): Promise<void> {
    await this.authorizeRow(await this.row(id), use);
  }

  private async authorizeRow(row: SecretRow, use: Omit<SecretUse, 'usedBy'>): Promise<void> {
    // A signing key never leaves the core (only an HMAC made with it does), so it is not tied to a
    // server; but a password or key must not be used for that: an HMAC of a short password can be
    // guessed offline. Only an API token signs, and the channel checks its form (whsec_…).
    if (use.purpose === 'sign') {
      if (row.kind === 'api_token') return;
      throw new AppError('PERMISSION_DENIED', `The secret "${row.name}" is not an API token, and only an API token may sign webhooks.`, {
        hint: 'Store the webhook signing secret (whsec_…) in the vault as an API token and choose that one.',
      });
    }
    if (use.purpose === 'send') return this.authorizeSend(row, use);
    if (use.principal && principalAllows(use.principal, 'vault:reveal')) return;
    const server = use.serverId === null ? undefined : await this.deps.directory.get(use.serverId);
    if (!server || use.serverId === null || !row.serverIds.includes(use.serverId)) {
      throw new AppError(
        'PERMISSION_DENIED',
        `The secret "${row.name}" is not linked to ${server ? `the server "${server.name}"` : 'the server this is for'}.`,
        {
          hint: 'Link the secret to this server on the Vault page (a credential is only sent to the servers it is linked to), or choose a secret linked to it.',
        },
      );
    }
    if (sameHost(use.host, server.host)) return;
    throw new AppError(
      'PERMISSION_DENIED',
      `The secret "${row.name}" may only be sent to the host of "${server.name}" (${server.host}), not to ${use.host || 'another host'}.`,
      {
        hint: 'Point the check at the server’s own host; a credential goes only to the servers it is linked to.',
      },
    );
  }

  /**
   * A credential an alert channel sends to its own host (an SMTP password, a push service's token,
   * a chat webhook URL): only of the kind the channel takes (never an SSH key or a note), never one
   * linked to a server (a server's credential goes to that server's host alone), and pointed at a
   * host only by someone who could read it anyway (vault:reveal); the channel's sends after that
   * need no one present. So a writer cannot have a channel carry someone else's secret away.
   */
  private authorizeSend(row: SecretRow, use: Omit<SecretUse, 'usedBy'>): void {
    const wanted = use.kind ?? 'api_token';
    if (row.kind !== wanted)
      throw new AppError(
        'PERMISSION_DENIED',
        `The secret "${row.name}" is ${articled(row.kind)}, and this channel sends only ${articled(wanted)} to ${use.host || 'its host'}.`,
        { hint: `Store the channel's credential in the vault as ${articled(wanted)} and choose that one.` },
      );
    if (row.serverIds.length > 0)
      throw new AppError('PERMISSION_DENIED', `The secret "${row.name}" is linked to servers, and a server's credential is only sent to that server.`, {
        hint: 'Store the channel’s credential as a secret of its own, linked to no server.',
      });
    if (use.choosesDestination && !(use.principal && principalAllows(use.principal, 'vault:reveal')))
      throw new AppError(
        'PERMISSION_DENIED',
        `Only someone who may reveal the secret "${row.name}" may choose where a channel sends it (${use.host || 'its host'}).`,
        {
          hint: 'Ask an owner or admin to save this channel, or choose no secret.',
        },
      );
  }
}

const articled = (kind: string) => (kind === 'api_token' ? 'an API token' : kind === 'ssh_key' ? 'an SSH key' : `a ${kind}`);

/** Where a credential is about to go, and for whom. */
export interface SecretUse {
  /** Recorded on the secret as its last user: `check:<id>`, `check-test:user:<id>`. */
  usedBy: string;
  /** The server the credential is used for; the secret must be linked to it (null: none). */
  serverId: string | null;
  /** The host the connection is made to, as the caller connects to it: it must be that server's host. */
  host: string;
  /** The person or key asking, for a one-off use they are present for (a test run, not a schedule). */
  principal?: Principal | undefined;
  /**
   * What the secret is for: sent to a server to connect (the default), a key that signs what
   * Guardian sends (an alert channel's webhook secret), which never leaves the core, or a
   * credential an alert channel sends to its own host (see `authorizeSend`).
   */
  purpose?: 'connect' | 'sign' | 'send' | undefined;
  /** For `send`: the kind of secret the channel takes (an API token unless said). */
  kind?: 'api_token' | 'password' | undefined;
  /** For `send`: the caller is choosing where the secret goes from now on (saving a channel), not sending it where it was pointed. */
  choosesDestination?: boolean | undefined;
}

export interface UsedSecret {
  value: SecretValue;
  /** The login name stored with the secret, if any. */
  username: string | null;
}

/** Host names compare without case, a trailing dot or IPv6 brackets. */
function sameHost(a: string, b: string): boolean {
  const norm = (host: string) =>
    host
      .trim()
      .toLowerCase()
      .replace(/^\[(.*)\]$/, '$1')
      .replace(/\.$/, '');
  return norm(a) !== '' && norm(a) === norm(b);
}

import { createHash } from 'node:crypto';
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import ssh2 from 'ssh2';
import { AppError } from '@shared/api/errors';
import { SecretValue, type Secret, type SecretKind } from '@shared/api/vault';
import { principalAllows, type Principal } from '@shared/permissions';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import type { WriterTurns } from '../db/sqlite-engine';
import { serverInfo } from '../servers';
import { open, seal } from './crypto';
import type { Keyring } from './keyring';
import type { VaultService } from './service';
import { secretsTable, type SecretRow } from './table';

export interface SecretsDeps {
  db: Db;
  /** A secret's last use is stamped in the writers' turn, whoever used it. */
  turns: WriterTurns;
  clock: Clock;
  newId: () => string;
  keyring: Keyring;
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

/** Opens one stored secret, or names it in a VAULT_INTEGRITY error: never garbage. */
export function openSecretRow(keyring: Keyring, row: SecretRow): SecretValue {
  const dek = keyring.requireDek(row.keyGeneration);
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
export function inspectSshKey(privateKey: string, passphrase?: string) {
  // ssh2 is CommonJS: under Node's ESM loader only its default export exists.
  const parsed = ssh2.utils.parseKey(privateKey, passphrase);
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

  private row(id: string): SecretRow {
    const row = this.deps.db.select().from(secretsTable).where(eq(secretsTable.id, id)).get();
    if (!row) throw new AppError('NOT_FOUND', `There is no secret ${id}.`, { hint: 'It may have been deleted; refresh the list.' });
    return row;
  }

  list(filter: { q?: string | undefined; tags?: string[] | undefined; kind?: SecretKind | undefined; serverId?: string | undefined }): Secret[] {
    const conditions: SQL[] = [];
    if (filter.q) {
      const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      conditions.push(
        sql`(${secretsTable.name} LIKE ${pattern} ESCAPE '\\' OR ${secretsTable.username} LIKE ${pattern} ESCAPE '\\' OR ${secretsTable.tags} LIKE ${pattern} ESCAPE '\\' OR ${secretsTable.fingerprint} LIKE ${pattern} ESCAPE '\\')`,
      );
    }
    if (filter.kind) conditions.push(eq(secretsTable.kind, filter.kind));
    for (const tag of filter.tags ?? []) conditions.push(sql`EXISTS (SELECT 1 FROM json_each(${secretsTable.tags}) WHERE json_each.value = ${tag})`);
    if (filter.serverId) conditions.push(sql`EXISTS (SELECT 1 FROM json_each(${secretsTable.serverIds}) WHERE json_each.value = ${filter.serverId})`);
    return this.deps.db
      .select()
      .from(secretsTable)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(asc(sql`${secretsTable.name} COLLATE NOCASE`))
      .all()
      .map(toSecret);
  }

  private sealValue(id: string, value: SecretValue): { sealed: string; keyGeneration: number; publicKey: string | null; fingerprint: string | null } {
    const keyGeneration = this.deps.vault.currentGeneration();
    const dek = this.deps.keyring.requireDek(keyGeneration);
    const ssh = value.kind === 'ssh_key' ? inspectSshKey(value.privateKey, value.passphrase) : null;
    const sealed = seal(dek, Buffer.from(JSON.stringify(value), 'utf8'), secretAad(id, value.kind)).toString('base64');
    return { sealed, keyGeneration, publicKey: ssh?.publicKey ?? null, fingerprint: ssh?.fingerprint ?? null };
  }

  create(fields: SecretFields, actor: string): Secret {
    const id = this.deps.newId();
    const now = this.deps.clock.now();
    const row: SecretRow = {
      id,
      kind: fields.value.kind,
      name: fields.name,
      tags: fields.tags,
      serverIds: fields.serverIds,
      username: fields.username,
      ...this.sealValue(id, fields.value),
      createdAt: now,
      createdBy: actor,
      updatedAt: now,
      updatedBy: actor,
      lastUsedAt: null,
      lastUsedBy: null,
    };
    this.deps.db.insert(secretsTable).values(row).run();
    return toSecret(row);
  }

  /**
   * `principal` is who asks, when someone does: linking a stored secret to another server lets
   * that server's host receive it (see `use`), so it needs vault:reveal unless the value is given
   * again with the link.
   */
  update(id: string, fields: Partial<SecretFields>, actor: string, principal?: Principal): Secret {
    const row = this.row(id);
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
      ...(fields.value ? this.sealValue(id, fields.value) : {}),
      updatedAt: this.deps.clock.now(),
      updatedBy: actor,
    };
    this.deps.db.update(secretsTable).set(next).where(eq(secretsTable.id, id)).run();
    return toSecret(next);
  }

  /**
   * Unlinks every secret from a server whose host changed: a link lets the server's host receive
   * the secret, so a new host gets it only once someone links it again. Answers how many.
   */
  unlinkServer(serverId: string, actor: string): number {
    const result = this.deps.db
      .update(secretsTable)
      .set({
        serverIds: sql`(SELECT json_group_array(value) FROM json_each(${secretsTable.serverIds}) WHERE value <> ${serverId})`,
        updatedAt: this.deps.clock.now(),
        updatedBy: actor,
      })
      .where(sql`EXISTS (SELECT 1 FROM json_each(${secretsTable.serverIds}) WHERE json_each.value = ${serverId})`)
      .run();
    return result.changes;
  }

  delete(id: string): { id: string } {
    const result = this.deps.db.delete(secretsTable).where(eq(secretsTable.id, id)).run();
    if (result.changes === 0) throw new AppError('NOT_FOUND', `There is no secret ${id}.`, { hint: 'It may have been deleted already.' });
    return { id };
  }

  /** A value for an explicit, audited reveal (the handler checks permission and re-authentication). */
  reveal(id: string): SecretValue {
    return openSecretRow(this.deps.keyring, this.row(id));
  }

  /**
   * The one way the core's own code (checks, alerts, operations, backups) gets secret material,
   * for one connection. Never exposed through the contract; records who used it and when.
   * Refused unless the secret may go where it is about to go (see `authorizeUse`).
   */
  use(id: string, use: SecretUse): UsedSecret {
    const row = this.row(id);
    this.authorizeRow(row, use);
    const value = openSecretRow(this.deps.keyring, row);
    const lastUsedAt = this.deps.clock.now();
    this.deps.turns.stamp('secret last used', () =>
      this.deps.db.update(secretsTable).set({ lastUsedAt, lastUsedBy: use.usedBy }).where(eq(secretsTable.id, id)).run(),
    );
    return { value, username: row.username };
  }

  /**
   * Whether the secret may be sent where `use` says, without opening it (so it answers while the
   * vault is locked): only to a server the secret is linked to, at that server's own host. A
   * principal holding vault:reveal, who could read the secret anyway, may send it anywhere.
   * Throws PERMISSION_DENIED naming what is wrong.
   */
  authorizeUse(id: string, use: Omit<SecretUse, 'usedBy'>): void {
    this.authorizeRow(this.row(id), use);
  }

  private authorizeRow(row: SecretRow, use: Omit<SecretUse, 'usedBy'>): void {
    if (use.principal && principalAllows(use.principal, 'vault:reveal')) return;
    const server = use.serverId === null ? undefined : serverInfo(this.deps.db, use.serverId);
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
}

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

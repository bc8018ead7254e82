import { AppError } from '@shared/api/errors';
import type { ApiKey } from '@shared/api/users';
import type { Permission, Principal, Role } from '@shared/permissions';
import { principalAllows, ROLE_PERMISSIONS, roleAllows } from '@shared/permissions';
import type { Clock } from '../clock';
import type { Stamp } from '../db/engine';
import { assertMayActOn } from './accounts';
import { keyRights } from './key-rights';
import type { AuthStore, Holder } from './store';
import type { ApiKeyRow, UserRow } from './table';
import { hashToken, randomToken } from './tokens';

export const API_KEY_PREFIX = 'gdn_';
const LAST_USED_PRECISION_MS = 60_000;

function toApiKey(row: ApiKeyRow, owner: Pick<UserRow, 'id' | 'username' | 'role'> | null): ApiKey {
  const { tokenHash: _secret, ownerId: _owner, ...rest } = row;
  return { ...rest, owner: owner ? { id: owner.id, username: owner.username, role: owner.role } : null };
}

export interface NewApiKey {
  name: string;
  role: Role;
  permissions?: Permission[] | undefined;
  expiresAt?: number | undefined;
  createdBy: string;
  /** The account the key acts for; omitted or null makes a system key (the CLI on the data dir). */
  ownerId?: string | null | undefined;
  /** Who asks for the key: it never gets more than they may do, and only an owner makes owner keys. */
  grantor: Pick<Principal, 'role' | 'permissions'>;
}

/** API keys for scripts: the token is shown once, stored as a SHA-256 hash, checked on every call. */
export class ApiKeyStore {
  constructor(
    private readonly store: AuthStore,
    /** Last-used times are written outside the caller's transaction, and nobody waits for them. */
    private readonly stamp: Stamp,
    private readonly clock: Clock,
    private readonly newId: () => string,
    /** Called in the transaction that stores a new key (docs/alerts.md, "Sources about no server"): never with its token. */
    private readonly created?: (key: ApiKey) => Promise<unknown>,
  ) {}

  async create(spec: NewApiKey): Promise<{ key: ApiKey; token: string }> {
    const now = this.clock.now();
    if (spec.expiresAt !== undefined && spec.expiresAt <= now) {
      throw new AppError('VALIDATION_FAILED', 'The expiry is in the past.', {
        hint: 'Give a future time, or no expiry.',
        issues: [{ path: ['expiresAt'], message: 'Must be in the future' }],
      });
    }
    const outside = (spec.permissions ?? []).filter((permission) => !roleAllows(spec.role, permission));
    if (outside.length) {
      throw new AppError('VALIDATION_FAILED', `The role ${spec.role} does not include ${outside.join(', ')}.`, {
        hint: 'A key can be limited to part of its role, never given more.',
        issues: [{ path: ['permissions'], message: `Not part of the ${spec.role} role: ${outside.join(', ')}` }],
      });
    }
    // Owner and admin hold the same permissions; only an owner may act as an owner (see AccountStore).
    const beyond = spec.role === 'owner' && spec.grantor.role !== 'owner' ? ['the owner role'] : [];
    beyond.push(...(spec.permissions ?? ROLE_PERMISSIONS[spec.role]).filter((permission) => !principalAllows(spec.grantor, permission)));
    if (beyond.length) {
      throw new AppError('PERMISSION_DENIED', `A key cannot have more rights than whoever creates it: ${beyond.join(', ')}.`, {
        hint: 'Give the key a smaller role or fewer permissions, or ask an owner.',
      });
    }
    const token = randomToken(API_KEY_PREFIX);
    const row: ApiKeyRow = {
      id: this.newId(),
      name: spec.name,
      prefix: token.slice(0, API_KEY_PREFIX.length + 6),
      tokenHash: hashToken(token),
      role: spec.role,
      permissions: spec.permissions ? [...new Set(spec.permissions)] : null,
      createdBy: spec.createdBy,
      ownerId: spec.ownerId ?? null,
      createdAt: now,
      expiresAt: spec.expiresAt ?? null,
      lastUsedAt: null,
      lastUsedOrigin: null,
      revokedAt: null,
    };
    await this.store.insertApiKey(row);
    const owner = row.ownerId === null ? null : ((await this.store.user(row.ownerId)) ?? null);
    const key = toApiKey(row, owner);
    await this.created?.(key);
    return { key, token };
  }

  /**
   * The caller a bearer token stands for, or null when it is unknown, revoked or expired.
   * `touch: false` looks without recording a use (e.g. re-checking an open event stream).
   * It reads the row each time, so a revoked or expired key, or a disabled owner, is refused at once.
   */
  async authenticate(token: string, origin: string, touch = true): Promise<Principal | null> {
    if (!token.startsWith(API_KEY_PREFIX)) return null;
    const found = await this.store.apiKeyByTokenHash(hashToken(token));
    const now = this.clock.now();
    if (!found) return null;
    const { key: row, owner } = found;
    if (row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) return null;
    // A key acts for its owner: refused once the account is disabled (or gone), and never more than its role now.
    if (row.ownerId !== null && (!owner || owner.disabled)) return null;
    // A script may call many times a second: record use when it is news (a new origin, or a minute on).
    if (touch && (row.lastUsedOrigin !== origin || row.lastUsedAt === null || now - row.lastUsedAt >= LAST_USED_PRECISION_MS)) {
      this.stamp('API key last used', () => this.store.touchApiKey(row.id, now, origin));
    }
    const rights = keyRights(row, owner ? owner.role : null);
    return { kind: 'apiKey', id: row.id, name: row.name, ...rights };
  }

  async list(): Promise<ApiKey[]> {
    return (await this.store.listApiKeys()).map(({ key, owner }) => toApiKey(key, owner));
  }

  /** The account a key acts for (null for a system key). */
  async ownerOf(id: string): Promise<string | null> {
    return (await this.found(id)).key.ownerId;
  }

  private async found(id: string): Promise<{ key: ApiKeyRow; owner: Holder | null }> {
    const found = await this.store.apiKey(id);
    if (!found) throw new AppError('NOT_FOUND', `There is no API key ${id}.`, { hint: 'List the keys to see their ids.' });
    return found;
  }

  /** Revokes a key; only an owner may revoke a key of an owner (an owner account's, or a system owner key). */
  async revoke(actor: Principal, id: string): Promise<ApiKey> {
    const { key: row, owner } = await this.found(id);
    assertMayActOn(actor, owner?.role === 'owner' || row.role === 'owner' ? 'owner' : row.role, 'revoke an owner’s API key');
    if (row.revokedAt === null) {
      row.revokedAt = this.clock.now();
      await this.store.revokeApiKey(id, row.revokedAt);
    }
    return toApiKey(row, owner);
  }
}

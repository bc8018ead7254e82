import { desc, eq } from 'drizzle-orm';
import { AppError } from '../../../shared/api/errors';
import type { ApiKey } from '../../../shared/api/users';
import type { Permission, Principal, Role } from '../../../shared/permissions';
import { principalAllows, ROLE_PERMISSIONS, roleAllows } from '../../../shared/permissions';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import { apiKeysTable, type ApiKeyRow } from './table';
import { hashToken, randomToken } from './tokens';

export const API_KEY_PREFIX = 'gdn_';
const LAST_USED_PRECISION_MS = 60_000;

function toApiKey(row: ApiKeyRow): ApiKey {
  const { tokenHash: _secret, ...rest } = row;
  return rest;
}

export interface NewApiKey {
  name: string;
  role: Role;
  permissions?: Permission[] | undefined;
  expiresAt?: number | undefined;
  createdBy: string;
  /** Who asks for the key: it never gets more than they may do, and only an owner makes owner keys. */
  grantor: Pick<Principal, 'role' | 'permissions'>;
}

/** API keys for scripts: the token is shown once, stored as a SHA-256 hash, checked on every call. */
export class ApiKeyStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly newId: () => string,
  ) {}

  create(spec: NewApiKey): { key: ApiKey; token: string } {
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
      createdAt: now,
      expiresAt: spec.expiresAt ?? null,
      lastUsedAt: null,
      lastUsedOrigin: null,
      revokedAt: null,
    };
    this.db.insert(apiKeysTable).values(row).run();
    return { key: toApiKey(row), token };
  }

  /**
   * The caller a bearer token stands for, or null when it is unknown, revoked or expired.
   * `touch: false` looks without recording a use (e.g. re-checking an open event stream).
   */
  authenticate(token: string, origin: string, touch = true): Principal | null {
    if (!token.startsWith(API_KEY_PREFIX)) return null;
    const row = this.db.select().from(apiKeysTable).where(eq(apiKeysTable.tokenHash, hashToken(token))).get();
    const now = this.clock.now();
    if (!row || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) return null;
    // A script may call many times a second: record use when it is news (a new origin, or a minute on).
    if (touch && (row.lastUsedOrigin !== origin || row.lastUsedAt === null || now - row.lastUsedAt >= LAST_USED_PRECISION_MS)) {
      this.db.update(apiKeysTable).set({ lastUsedAt: now, lastUsedOrigin: origin }).where(eq(apiKeysTable.id, row.id)).run();
    }
    return { kind: 'apiKey', id: row.id, name: row.name, role: row.role, permissions: row.permissions ?? undefined };
  }

  list(): ApiKey[] {
    return this.db.select().from(apiKeysTable).orderBy(desc(apiKeysTable.createdAt)).all().map(toApiKey);
  }

  revoke(id: string): ApiKey {
    const row = this.db.select().from(apiKeysTable).where(eq(apiKeysTable.id, id)).get();
    if (!row) throw new AppError('NOT_FOUND', `There is no API key ${id}.`, { hint: 'List the keys to see their ids.' });
    if (row.revokedAt === null) {
      row.revokedAt = this.clock.now();
      this.db.update(apiKeysTable).set({ revokedAt: row.revokedAt }).where(eq(apiKeysTable.id, id)).run();
    }
    return toApiKey(row);
  }
}

import { sql, type SQL } from 'drizzle-orm';
import { ROLES, type Permission, type Role } from '@shared/permissions';
import { AppError } from '@shared/api/errors';
import { jsonParam, read, type AsyncDatabase, type Dialect, type Row } from '../db/engine';
import type { ApiKeyRow, SessionRow, UserRow } from './table';

/**
 * Every read and write of accounts, second factors, sessions, API keys and the sign-in throttle,
 * on either engine (docs/architecture.md §4): each query written once, each table read through its
 * one mapper. Inside a call's transaction a store joins it, so what a call changes commits with its
 * audit event or not at all.
 */

export interface ThrottleRow {
  key: string;
  failures: number;
  firstFailureAt: number;
  lockedUntil: number | null;
}

function role(row: Row, column: string): Role {
  const value = read.text(row, column);
  const known = (ROLES as readonly string[]).includes(value);
  if (!known) {
    throw new AppError('INTERNAL', `The database holds an unknown role "${value}" in ${column}.`, {
      hint: 'The database may have been changed by hand; set the role again with guardian user update.',
      retryable: false,
    });
  }
  return value as Role;
}

function permissions(row: Row): Permission[] | null {
  const value = read.json(row, 'permissions');
  if (value === null) return null;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new AppError('INTERNAL', 'The database holds an API key whose permissions are not a list of names.', {
      hint: 'The database may have been changed by hand; revoke the key and create another.',
      retryable: false,
    });
  }
  return value as Permission[];
}

const USER_COLUMNS =
  'id, username, display_name, role, password_hash, must_change_password, disabled, totp_secret, totp_enabled, totp_last_step, created_at, updated_at, last_login_at';

/** The users table's mapper (columns `USER_COLUMNS`, each under `prefix` when joined). */
function userOf(row: Row, prefix = ''): UserRow {
  return {
    id: read.text(row, `${prefix}id`),
    username: read.text(row, `${prefix}username`),
    displayName: read.text(row, `${prefix}display_name`),
    role: role(row, `${prefix}role`),
    passwordHash: read.text(row, `${prefix}password_hash`),
    mustChangePassword: read.boolean(row, `${prefix}must_change_password`),
    disabled: read.boolean(row, `${prefix}disabled`),
    totpSecret: read.textOrNull(row, `${prefix}totp_secret`),
    totpEnabled: read.boolean(row, `${prefix}totp_enabled`),
    totpLastStep: read.numberOrNull(row, `${prefix}totp_last_step`),
    createdAt: read.number(row, `${prefix}created_at`),
    updatedAt: read.number(row, `${prefix}updated_at`),
    lastLoginAt: read.numberOrNull(row, `${prefix}last_login_at`),
  };
}

/** `columns` of `table`, each named `table.column` (and `AS <as>column` when given), for a join. */
const qualified = (table: string, columns: string, as?: string) =>
  columns
    .split(', ')
    .map((column) => `${table}.${column}${as ? ` AS ${as}${column}` : ''}`)
    .join(', ');

/**
 * The account a session or key belongs to, as a request needs it: every call reads it, so the
 * join carries these five columns, not the whole row (building a row's object is most of the cost).
 */
export type Holder = Pick<UserRow, 'id' | 'username' | 'role' | 'disabled' | 'mustChangePassword'>;
const HOLDER_JOINED = qualified('users', 'id, username, role, disabled, must_change_password', 'u_');

function holderOf(row: Row): Holder {
  return {
    id: read.text(row, 'u_id'),
    username: read.text(row, 'u_username'),
    role: role(row, 'u_role'),
    disabled: read.boolean(row, 'u_disabled'),
    mustChangePassword: read.boolean(row, 'u_must_change_password'),
  };
}

const SESSION_COLUMNS = 'id, user_id, token_hash, csrf_token, origin, user_agent, created_at, last_seen_at, expires_at, revoked_at, reauth_at';

const SESSIONS_JOINED = qualified('sessions', SESSION_COLUMNS);

function sessionOf(row: Row): SessionRow {
  return {
    id: read.text(row, 'id'),
    userId: read.text(row, 'user_id'),
    tokenHash: read.text(row, 'token_hash'),
    csrfToken: read.text(row, 'csrf_token'),
    origin: read.text(row, 'origin'),
    userAgent: read.text(row, 'user_agent'),
    createdAt: read.number(row, 'created_at'),
    lastSeenAt: read.number(row, 'last_seen_at'),
    expiresAt: read.number(row, 'expires_at'),
    revokedAt: read.numberOrNull(row, 'revoked_at'),
    reauthAt: read.numberOrNull(row, 'reauth_at'),
  };
}

const KEY_COLUMNS = 'id, name, prefix, token_hash, role, permissions, created_by, owner_id, created_at, expires_at, last_used_at, last_used_origin, revoked_at';

const KEYS_JOINED = qualified('api_keys', KEY_COLUMNS);

function apiKeyOf(row: Row): ApiKeyRow {
  return {
    id: read.text(row, 'id'),
    name: read.text(row, 'name'),
    prefix: read.text(row, 'prefix'),
    tokenHash: read.text(row, 'token_hash'),
    role: role(row, 'role'),
    permissions: permissions(row),
    createdBy: read.text(row, 'created_by'),
    ownerId: read.textOrNull(row, 'owner_id'),
    createdAt: read.number(row, 'created_at'),
    expiresAt: read.numberOrNull(row, 'expires_at'),
    lastUsedAt: read.numberOrNull(row, 'last_used_at'),
    lastUsedOrigin: read.textOrNull(row, 'last_used_origin'),
    revokedAt: read.numberOrNull(row, 'revoked_at'),
  };
}

/** A joined owner, or null when the key has none (a LEFT JOIN's empty side). */
const ownerOf = (row: Row): Holder | null => (row.u_id === null || row.u_id === undefined ? null : holderOf(row));

function throttleOf(row: Row): ThrottleRow {
  return {
    key: read.text(row, 'key'),
    failures: read.number(row, 'failures'),
    firstFailureAt: read.number(row, 'first_failure_at'),
    lockedUntil: read.numberOrNull(row, 'locked_until'),
  };
}

// What every request reads to know its caller: fixed texts, prepared once (`lookup`).
const SESSION_BY_TOKEN = `SELECT ${SESSIONS_JOINED}, ${HOLDER_JOINED} FROM sessions JOIN users ON users.id = sessions.user_id WHERE sessions.token_hash = ?`;
const KEY_BY_TOKEN = `SELECT ${KEYS_JOINED}, ${HOLDER_JOINED} FROM api_keys LEFT JOIN users ON users.id = api_keys.owner_id WHERE api_keys.token_hash = ?`;

const count = (row: Row) => read.number(row, 'n');

/** `username` compared whatever its case, as the unique index compares it on each engine. */
function sameName(dialect: Dialect, username: string): SQL {
  return dialect === 'sqlite' ? sql`username = ${username} COLLATE NOCASE` : sql`lower(username) = lower(${username})`;
}

/** The user columns a change may set, by field. */
const USER_FIELDS = {
  displayName: 'display_name',
  role: 'role',
  passwordHash: 'password_hash',
  mustChangePassword: 'must_change_password',
  disabled: 'disabled',
  totpSecret: 'totp_secret',
  totpEnabled: 'totp_enabled',
  totpLastStep: 'totp_last_step',
  lastLoginAt: 'last_login_at',
} as const satisfies Partial<Record<keyof UserRow, string>>;
export type UserChange = { -readonly [K in keyof typeof USER_FIELDS]?: UserRow[K] };

export class AuthStore {
  constructor(private readonly db: AsyncDatabase) {}

  // ── accounts ──

  /**
   * Holds, until the caller's transaction ends, the right to change who the owners are. On
   * PostgreSQL a transaction-scoped advisory lock (and the statement starts the transaction):
   * without it two set-ups at once would each count no account and both store an owner, and two
   * owners demoting each other at once would each count the other still there and leave none. On
   * SQLite the writer's turn already keeps them apart.
   */
  async lockOwners(): Promise<void> {
    if (this.db.dialect === 'postgres') await this.db.run(sql`SELECT pg_advisory_xact_lock(hashtext('guardian owners'))`);
  }

  /**
   * Holds, until the caller's transaction ends, the sign-in throttle's rows of these keys, so
   * failures counted at once (two guesses, or two processes) each add one instead of both writing
   * the same count. On PostgreSQL transaction-scoped advisory locks, taken in one order (the rows
   * may not exist yet); on SQLite the writer's turn already keeps them apart.
   */
  async lockThrottle(keys: readonly string[]): Promise<void> {
    if (this.db.dialect !== 'postgres') return;
    for (const key of [...new Set(keys)].sort()) await this.db.run(sql`SELECT pg_advisory_xact_lock(hashtext(${`guardian throttle ${key}`}))`);
  }

  async countUsers(): Promise<number> {
    return (await this.db.get(sql`SELECT count(*) AS n FROM users`, count)) ?? 0;
  }

  async activeOwners(): Promise<number> {
    return (await this.db.get(sql`SELECT count(*) AS n FROM users WHERE role = 'owner' AND disabled = ${false}`, count)) ?? 0;
  }

  listUsers(): Promise<UserRow[]> {
    const order = this.db.dialect === 'sqlite' ? sql`username COLLATE NOCASE` : sql`lower(username)`;
    return this.db.all(sql`SELECT ${sql.raw(USER_COLUMNS)} FROM users ORDER BY ${order}, id`, (row) => userOf(row));
  }

  user(id: string): Promise<UserRow | undefined> {
    return this.db.get(sql`SELECT ${sql.raw(USER_COLUMNS)} FROM users WHERE id = ${id}`, (row) => userOf(row));
  }

  userByName(username: string): Promise<UserRow | undefined> {
    return this.db.get(sql`SELECT ${sql.raw(USER_COLUMNS)} FROM users WHERE ${sameName(this.db.dialect, username)}`, (row) => userOf(row));
  }

  async insertUser(user: UserRow): Promise<void> {
    await this.db.run(sql`INSERT INTO users (${sql.raw(USER_COLUMNS)}) VALUES (${user.id}, ${user.username}, ${user.displayName}, ${user.role},
      ${user.passwordHash}, ${user.mustChangePassword}, ${user.disabled}, ${user.totpSecret}, ${user.totpEnabled}, ${user.totpLastStep},
      ${user.createdAt}, ${user.updatedAt}, ${user.lastLoginAt})`);
  }

  /** Sets the fields given (and `updated_at` when `at` is given); how many rows changed. */
  async updateUser(id: string, change: UserChange, at?: number): Promise<number> {
    const sets = Object.entries(change).map(([field, value]) => sql`${sql.raw(USER_FIELDS[field as keyof typeof USER_FIELDS])} = ${value}`);
    if (at !== undefined) sets.push(sql`updated_at = ${at}`);
    if (sets.length === 0) return 0;
    return (await this.db.run(sql`UPDATE users SET ${sql.join(sets, sql`, `)} WHERE id = ${id}`)).changes;
  }

  async deleteUser(id: string): Promise<void> {
    await this.db.run(sql`DELETE FROM users WHERE id = ${id}`);
  }

  // ── second factor ──

  /** Records `step` as the last TOTP step used, only if it is later than the last: true when it was. */
  async spendTotpStep(userId: string, step: number): Promise<boolean> {
    const { changes } = await this.db.run(
      sql`UPDATE users SET totp_last_step = ${step} WHERE id = ${userId} AND (totp_last_step IS NULL OR totp_last_step < ${step})`,
    );
    return changes === 1;
  }

  /** Marks an unused recovery code used: true when there was one. */
  async spendRecoveryCode(userId: string, codeHash: string, at: number): Promise<boolean> {
    const { changes } = await this.db.run(
      sql`UPDATE recovery_codes SET used_at = ${at} WHERE user_id = ${userId} AND code_hash = ${codeHash} AND used_at IS NULL`,
    );
    return changes === 1;
  }

  /** Replaces a user's recovery codes (none: removes them). */
  async replaceRecoveryCodes(userId: string, codeHashes: readonly string[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(sql`DELETE FROM recovery_codes WHERE user_id = ${userId}`);
      if (codeHashes.length === 0) return;
      const rows = codeHashes.map((hash) => sql`(${userId}, ${hash}, NULL)`);
      await tx.run(sql`INSERT INTO recovery_codes (user_id, code_hash, used_at) VALUES ${sql.join(rows, sql`, `)}`);
    });
  }

  // ── sessions ──

  async insertSession(session: SessionRow): Promise<void> {
    const s = session;
    await this.db.run(sql`INSERT INTO sessions (${sql.raw(SESSION_COLUMNS)}) VALUES (${s.id}, ${s.userId}, ${s.tokenHash}, ${s.csrfToken}, ${s.origin},
      ${s.userAgent}, ${s.createdAt}, ${s.lastSeenAt}, ${s.expiresAt}, ${s.revokedAt}, ${s.reauthAt})`);
  }

  /** A session by its token's hash, with its user. */
  sessionByTokenHash(tokenHash: string): Promise<{ session: SessionRow; user: Holder } | undefined> {
    return this.db.lookup(SESSION_BY_TOKEN, [tokenHash], (row) => ({ session: sessionOf(row), user: holderOf(row) }));
  }

  session(id: string): Promise<SessionRow | undefined> {
    return this.db.get(sql`SELECT ${sql.raw(SESSION_COLUMNS)} FROM sessions WHERE id = ${id}`, sessionOf);
  }

  /** Sessions not revoked and not expired at `now` (of one user, when given), the last seen first, with their user. */
  unexpiredSessions(now: number, userId?: string): Promise<{ session: SessionRow; user: Holder }[]> {
    const ofUser = userId === undefined ? sql`` : sql` AND sessions.user_id = ${userId}`;
    return this.db.all(
      sql`SELECT ${sql.raw(SESSIONS_JOINED)}, ${sql.raw(HOLDER_JOINED)}
        FROM sessions JOIN users ON users.id = sessions.user_id
        WHERE sessions.revoked_at IS NULL AND sessions.expires_at > ${now}${ofUser}
        ORDER BY sessions.last_seen_at DESC, sessions.id`,
      (row) => ({ session: sessionOf(row), user: holderOf(row) }),
    );
  }

  /**
   * Moves last-seen forward only: a write held up (a busy pool, another node's) that lands after a
   * newer one must not move it back, or the session would go idle early.
   */
  async touchSession(id: string, at: number): Promise<void> {
    await this.db.run(sql`UPDATE sessions SET last_seen_at = ${at} WHERE id = ${id} AND last_seen_at < ${at}`);
  }

  async markReauthenticated(id: string, at: number): Promise<void> {
    await this.db.run(sql`UPDATE sessions SET reauth_at = ${at} WHERE id = ${id}`);
  }

  async revokeSession(id: string, at: number): Promise<void> {
    await this.db.run(sql`UPDATE sessions SET revoked_at = ${at} WHERE id = ${id}`);
  }

  /** Revokes every live session of a user but `exceptId`. */
  async revokeSessionsOf(userId: string, at: number, exceptId?: string): Promise<void> {
    const except = exceptId === undefined ? sql`` : sql` AND id <> ${exceptId}`;
    await this.db.run(sql`UPDATE sessions SET revoked_at = ${at} WHERE user_id = ${userId} AND revoked_at IS NULL${except}`);
  }

  // ── API keys ──

  async insertApiKey(key: ApiKeyRow): Promise<void> {
    const k = key;
    await this.db.run(sql`INSERT INTO api_keys (${sql.raw(KEY_COLUMNS)}) VALUES (${k.id}, ${k.name}, ${k.prefix}, ${k.tokenHash}, ${k.role},
      ${k.permissions === null ? null : jsonParam(k.permissions)}, ${k.createdBy}, ${k.ownerId}, ${k.createdAt}, ${k.expiresAt},
      ${k.lastUsedAt}, ${k.lastUsedOrigin}, ${k.revokedAt})`);
  }

  private keysWithOwners(where: SQL): Promise<{ key: ApiKeyRow; owner: Holder | null }[]> {
    return this.db.all(
      sql`SELECT ${sql.raw(KEYS_JOINED)}, ${sql.raw(HOLDER_JOINED)}
        FROM api_keys LEFT JOIN users ON users.id = api_keys.owner_id ${where}`,
      (row) => ({ key: apiKeyOf(row), owner: ownerOf(row) }),
    );
  }

  /** A key by its token's hash, with the account it acts for. */
  apiKeyByTokenHash(tokenHash: string): Promise<{ key: ApiKeyRow; owner: Holder | null } | undefined> {
    return this.db.lookup(KEY_BY_TOKEN, [tokenHash], (row) => ({ key: apiKeyOf(row), owner: ownerOf(row) }));
  }

  /** Every key with the account it acts for, the newest first. */
  listApiKeys(): Promise<{ key: ApiKeyRow; owner: Holder | null }[]> {
    return this.keysWithOwners(sql`ORDER BY api_keys.created_at DESC, api_keys.id`);
  }

  async apiKey(id: string): Promise<{ key: ApiKeyRow; owner: Holder | null } | undefined> {
    return (await this.keysWithOwners(sql`WHERE api_keys.id = ${id}`))[0];
  }

  async touchApiKey(id: string, at: number, origin: string): Promise<void> {
    await this.db.run(sql`UPDATE api_keys SET last_used_at = ${at}, last_used_origin = ${origin} WHERE id = ${id}`);
  }

  async revokeApiKey(id: string, at: number): Promise<void> {
    await this.db.run(sql`UPDATE api_keys SET revoked_at = ${at} WHERE id = ${id} AND revoked_at IS NULL`);
  }

  /** Revokes, for good, every live key that acts for `ownerId`. */
  async revokeApiKeysOf(ownerId: string, at: number): Promise<void> {
    await this.db.run(sql`UPDATE api_keys SET revoked_at = ${at} WHERE owner_id = ${ownerId} AND revoked_at IS NULL`);
  }

  // ── sign-in throttle ──

  async throttleRows(keys: readonly string[]): Promise<ThrottleRow[]> {
    if (keys.length === 0) return [];
    return this.db.all(
      sql`SELECT key, failures, first_failure_at, locked_until FROM login_throttle WHERE key IN (${sql.join(
        keys.map((key) => sql`${key}`),
        sql`, `,
      )})`,
      throttleOf,
    );
  }

  async saveThrottle(row: ThrottleRow): Promise<void> {
    await this.db
      .run(sql`INSERT INTO login_throttle (key, failures, first_failure_at, locked_until) VALUES (${row.key}, ${row.failures}, ${row.firstFailureAt}, ${row.lockedUntil})
      ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, first_failure_at = excluded.first_failure_at, locked_until = excluded.locked_until`);
  }

  async clearThrottle(key: string): Promise<void> {
    await this.db.run(sql`DELETE FROM login_throttle WHERE key = ${key}`);
  }
}

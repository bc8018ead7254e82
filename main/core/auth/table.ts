import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { Permission, Role } from '@shared/permissions';

export const usersTable = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    role: text('role').$type<Role>().notNull(),
    /** argon2id PHC string. */
    passwordHash: text('password_hash').notNull(),
    mustChangePassword: integer('must_change_password', { mode: 'boolean' }).notNull(),
    disabled: integer('disabled', { mode: 'boolean' }).notNull(),
    /** Base32 TOTP secret while enrolment is pending or enabled; null otherwise. */
    totpSecret: text('totp_secret'),
    totpEnabled: integer('totp_enabled', { mode: 'boolean' }).notNull(),
    /** Last TOTP time step accepted, so a code cannot be used twice. */
    totpLastStep: integer('totp_last_step'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    lastLoginAt: integer('last_login_at'),
  },
  (table) => [uniqueIndex('users_username_nocase').on(sql`${table.username} COLLATE NOCASE`)],
);
export type UserRow = typeof usersTable.$inferSelect;

export const recoveryCodesTable = sqliteTable(
  'recovery_codes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: text('user_id')
      .notNull()
      .references(() => usersTable.id, { onDelete: 'cascade' }),
    /** SHA-256 of the normalised code (codes are random, so a fast hash is enough). */
    codeHash: text('code_hash').notNull(),
    usedAt: integer('used_at'),
  },
  (table) => [index('recovery_codes_user').on(table.userId)],
);

export const sessionsTable = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => usersTable.id, { onDelete: 'cascade' }),
    /** SHA-256 of the opaque token; the token itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    /** Double-submit CSRF token for the browser UI; useless without the HttpOnly session cookie. */
    csrfToken: text('csrf_token').notNull(),
    origin: text('origin').notNull(),
    userAgent: text('user_agent').notNull(),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    revokedAt: integer('revoked_at'),
    /** When the user last proved their password again (for reveals and other sensitive acts). */
    reauthAt: integer('reauth_at'),
  },
  (table) => [uniqueIndex('sessions_token_hash').on(table.tokenHash), index('sessions_user').on(table.userId)],
);
export type SessionRow = typeof sessionsTable.$inferSelect;

export const apiKeysTable = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** The first characters of the token, shown to tell keys apart. */
    prefix: text('prefix').notNull(),
    tokenHash: text('token_hash').notNull(),
    role: text('role').$type<Role>().notNull(),
    /** When set, the key may use only these (within its role). */
    permissions: text('permissions', { mode: 'json' }).$type<Permission[]>(),
    createdBy: text('created_by').notNull(),
    /**
     * The account the key acts for: it is refused once that account is disabled, never does more
     * than the account's current role, and goes with the account. Null for a system key, made on
     * the data dir with `guardian apikey create` (whoever can do that owns the database anyway).
     */
    ownerId: text('owner_id').references(() => usersTable.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at'),
    lastUsedAt: integer('last_used_at'),
    lastUsedOrigin: text('last_used_origin'),
    revokedAt: integer('revoked_at'),
  },
  (table) => [uniqueIndex('api_keys_token_hash').on(table.tokenHash), index('api_keys_owner').on(table.ownerId)],
);
export type ApiKeyRow = typeof apiKeysTable.$inferSelect;

/** Failed sign-ins, per account name and per origin, for lockout. */
export const loginThrottleTable = sqliteTable('login_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull(),
  firstFailureAt: integer('first_failure_at').notNull(),
  lockedUntil: integer('locked_until'),
});

import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Permission, Role } from '@shared/permissions';

/** The accounts, sessions and API keys for PostgreSQL, the same as table.ts. */
export const usersTable = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    role: text('role').$type<Role>().notNull(),
    /** argon2id PHC string. */
    passwordHash: text('password_hash').notNull(),
    mustChangePassword: boolean('must_change_password').notNull(),
    disabled: boolean('disabled').notNull(),
    /** Base32 TOTP secret while enrolment is pending or enabled; null otherwise. */
    totpSecret: text('totp_secret'),
    totpEnabled: boolean('totp_enabled').notNull(),
    /** Last TOTP time step accepted, so a code cannot be used twice (a time, like the others: bigint). */
    totpLastStep: bigint('totp_last_step', { mode: 'number' }),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
    lastLoginAt: bigint('last_login_at', { mode: 'number' }),
  },
  // Usernames are unique whatever their case, as SQLite's COLLATE NOCASE index makes them.
  (table) => [uniqueIndex('users_username_nocase').on(sql`lower(${table.username})`)],
);
export type UserRow = typeof usersTable.$inferSelect;

export const recoveryCodesTable = pgTable(
  'recovery_codes',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    userId: text('user_id')
      .notNull()
      .references(() => usersTable.id, { onDelete: 'cascade' }),
    /** SHA-256 of the normalised code (codes are random, so a fast hash is enough). */
    codeHash: text('code_hash').notNull(),
    usedAt: bigint('used_at', { mode: 'number' }),
  },
  (table) => [index('recovery_codes_user').on(table.userId)],
);

export const sessionsTable = pgTable(
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
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    lastSeenAt: bigint('last_seen_at', { mode: 'number' }).notNull(),
    expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
    revokedAt: bigint('revoked_at', { mode: 'number' }),
    /** When the user last proved their password again (for reveals and other sensitive acts). */
    reauthAt: bigint('reauth_at', { mode: 'number' }),
  },
  (table) => [uniqueIndex('sessions_token_hash').on(table.tokenHash), index('sessions_user').on(table.userId)],
);
export type SessionRow = typeof sessionsTable.$inferSelect;

export const apiKeysTable = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** The first characters of the token, shown to tell keys apart. */
    prefix: text('prefix').notNull(),
    tokenHash: text('token_hash').notNull(),
    role: text('role').$type<Role>().notNull(),
    /** When set, the key may use only these (within its role). */
    permissions: jsonb('permissions').$type<Permission[]>(),
    createdBy: text('created_by').notNull(),
    /** The account the key acts for, null for a system key: as in table.ts. */
    ownerId: text('owner_id').references(() => usersTable.id, { onDelete: 'cascade' }),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    expiresAt: bigint('expires_at', { mode: 'number' }),
    lastUsedAt: bigint('last_used_at', { mode: 'number' }),
    lastUsedOrigin: text('last_used_origin'),
    revokedAt: bigint('revoked_at', { mode: 'number' }),
  },
  (table) => [uniqueIndex('api_keys_token_hash').on(table.tokenHash), index('api_keys_owner').on(table.ownerId)],
);
export type ApiKeyRow = typeof apiKeysTable.$inferSelect;

/** Failed sign-ins, per account name and per origin, for lockout. */
export const loginThrottleTable = pgTable('login_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull(),
  firstFailureAt: bigint('first_failure_at', { mode: 'number' }).notNull(),
  lockedUntil: bigint('locked_until', { mode: 'number' }),
});

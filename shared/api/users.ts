import { z } from 'zod';
import { PASSWORD_MAX_LENGTH } from '../password-policy';
import { PERMISSIONS } from '../permissions';
import { RoleSchema, Username } from './auth';
import { changeEvent, method } from './contract';

export const User = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: RoleSchema,
  disabled: z.boolean(),
  mustChangePassword: z.boolean(),
  totpEnabled: z.boolean(),
  createdAt: z.number().int(),
  lastLoginAt: z.number().int().nullable(),
});
export type User = z.infer<typeof User>;

const UserId = z.strictObject({ id: z.uuid('Not a user id') });
const target = (input: { id: string }) => `user:${input.id}`;

export const usersList = method({
  name: 'users.list',
  summary: 'Every account.',
  input: z.strictObject({}),
  output: z.object({ items: z.array(User) }),
  permission: 'users:read',
  audit: false,
  http: { method: 'GET', path: '/users' },
});

export const usersCreate = method({
  name: 'users.create',
  summary: 'Adds an account with a first password, which must be changed at first sign-in.',
  input: z.strictObject({
    username: Username,
    displayName: z.string().trim().max(100).optional(),
    role: RoleSchema,
    password: z.string().max(PASSWORD_MAX_LENGTH),
  }),
  output: User,
  permission: 'users:write',
  audit: { target: (_input, out) => (out ? `user:${out.id}` : undefined) },
  http: { method: 'POST', path: '/users' },
});

export const usersUpdate = method({
  name: 'users.update',
  summary: 'Changes an account’s display name or role (the last owner stays an owner).',
  input: z.strictObject({ id: z.uuid('Not a user id'), displayName: z.string().trim().max(100).optional(), role: RoleSchema.optional() }),
  output: User,
  permission: 'users:write',
  audit: { target },
  http: { method: 'PATCH', path: '/users/:id' },
});

export const usersDisable = method({
  name: 'users.disable',
  summary: 'Disables an account and signs out its sessions (never the last owner).',
  input: UserId,
  output: User,
  permission: 'users:write',
  audit: { target },
  http: { method: 'POST', path: '/users/:id/disable' },
});

export const usersEnable = method({
  name: 'users.enable',
  summary: 'Re-enables a disabled account.',
  input: UserId,
  output: User,
  permission: 'users:write',
  audit: { target },
  http: { method: 'POST', path: '/users/:id/enable' },
});

export const usersResetPassword = method({
  name: 'users.resetPassword',
  summary: 'Sets a temporary password that must be changed at next sign-in; signs out the account’s sessions.',
  input: z.strictObject({ id: z.uuid('Not a user id'), password: z.string().max(PASSWORD_MAX_LENGTH) }),
  output: User,
  permission: 'users:write',
  audit: { target },
  http: { method: 'POST', path: '/users/:id/reset-password' },
});

export const usersResetMfa = method({
  name: 'users.resetMfa',
  summary: 'Turns TOTP off for an account that lost its authenticator and recovery codes.',
  input: UserId,
  output: User,
  permission: 'users:write',
  audit: { target },
  http: { method: 'POST', path: '/users/:id/reset-mfa' },
});

export const usersDelete = method({
  name: 'users.delete',
  summary: 'Deletes an account (never the last owner).',
  input: UserId,
  output: z.object({ id: z.string() }),
  permission: 'users:write',
  audit: { target },
  http: { method: 'DELETE', path: '/users/:id' },
});

export const ApiKey = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  role: RoleSchema,
  permissions: z.array(z.enum(PERMISSIONS)).nullable(),
  createdBy: z.string(),
  /**
   * The account the key acts for: it never does more than that account's current role and stops
   * when the account is disabled or deleted. Null: a system key, made on the data dir with the CLI.
   */
  owner: z.object({ id: z.string(), username: z.string(), role: RoleSchema }).nullable(),
  createdAt: z.number().int(),
  expiresAt: z.number().int().nullable(),
  lastUsedAt: z.number().int().nullable(),
  lastUsedOrigin: z.string().nullable(),
  revokedAt: z.number().int().nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

export const apikeysList = method({
  name: 'apikeys.list',
  summary: 'Every API key (never its secret).',
  input: z.strictObject({}),
  output: z.object({ items: z.array(ApiKey) }),
  permission: 'apikeys:read',
  audit: false,
  http: { method: 'GET', path: '/apikeys' },
});

export const apikeysCreate = method({
  name: 'apikeys.create',
  summary: 'Creates an API key for scripts. The token is returned once and stored only hashed.',
  input: z.strictObject({
    name: z.string().trim().min(1, 'Name the key').max(100),
    role: RoleSchema,
    permissions: z.array(z.enum(PERMISSIONS)).min(1).max(PERMISSIONS.length).optional(),
    expiresAt: z.number().int().positive().optional(),
  }),
  output: z.object({ key: ApiKey, token: z.string() }),
  permission: 'apikeys:write',
  audit: { target: (_input, out) => (out ? `apikey:${out.key.id}` : undefined) },
  http: { method: 'POST', path: '/apikeys' },
});

export const apikeysRevoke = method({
  name: 'apikeys.revoke',
  summary: 'Revokes a key; it stops working at its next call. Only an owner may revoke a key of an owner.',
  input: z.strictObject({ id: z.uuid('Not an API key id') }),
  output: ApiKey,
  permission: 'apikeys:write',
  audit: { target: (input) => `apikey:${input.id}` },
  http: { method: 'POST', path: '/apikeys/:id/revoke' },
});

export const AccessSettings = z.object({
  /** Whether API keys may create and change accounts and create keys (off: only signed-in people may). */
  apiKeysMayManageAccess: z.boolean(),
});
export type AccessSettings = z.infer<typeof AccessSettings>;

export const securitySettings = method({
  name: 'security.settings',
  summary: 'Whether API keys may manage accounts and keys.',
  input: z.strictObject({}),
  output: AccessSettings,
  permission: 'users:read',
  audit: false,
  http: { method: 'GET', path: '/security/settings' },
});

export const securityUpdateSettings = method({
  name: 'security.updateSettings',
  summary: 'Lets API keys create and change accounts and create keys, or stops them (off by default). Only a signed-in owner may.',
  input: z.strictObject({ apiKeysMayManageAccess: z.boolean() }),
  output: AccessSettings,
  permission: 'users:write',
  audit: { target: () => 'settings:security' },
  http: { method: 'PUT', path: '/security/settings' },
});

export const usersChanged = changeEvent({
  name: 'users.changed',
  summary: 'Accounts were created, changed, disabled, enabled, had a password or two-step sign-in reset, or were deleted.',
  changes: ['created', 'updated', 'disabled', 'enabled', 'passwordReset', 'mfaReset', 'deleted'],
  permission: 'users:read',
});

export const apikeysChanged = changeEvent({
  name: 'apikeys.changed',
  summary: 'API keys were created or revoked (never the token).',
  changes: ['created', 'revoked'],
  permission: 'apikeys:read',
});

export const securityChanged = changeEvent({
  name: 'security.changed',
  summary: 'The security settings changed (ids is empty: there is one set).',
  changes: ['updated'],
  permission: 'users:read',
});

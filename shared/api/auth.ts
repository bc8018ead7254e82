import { z } from 'zod';
import { ROLES } from '../permissions';
import { PASSWORD_MAX_LENGTH } from '../password-policy';
import { method } from './contract';

export const Username = z
  .string()
  .trim()
  .min(2, 'Username is at least 2 characters')
  .max(64, 'Username is at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, 'Username uses letters, digits, dot, dash, underscore and @');

const Password = z.string().min(1, 'Enter the password').max(PASSWORD_MAX_LENGTH, 'Password is too long');
const NewPassword = z.string().max(PASSWORD_MAX_LENGTH, 'Password is too long');
const OneTimeCode = z.string().trim().max(32);

export const RoleSchema = z.enum(ROLES);

export const Me = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: RoleSchema,
  mustChangePassword: z.boolean(),
  totpEnabled: z.boolean(),
  /** The double-submit token the browser UI sends as `x-csrf-token`; empty over IPC. */
  csrfToken: z.string(),
  sessionExpiresAt: z.number().int(),
  idleTimeoutMs: z.number().int(),
});
export type Me = z.infer<typeof Me>;

export const ONBOARDING_STEPS = ['welcome', 'owner', 'totp', 'server', 'done'] as const;
export type OnboardingStep = (typeof ONBOARDING_STEPS)[number];

export const authStatus = method({
  name: 'auth.status',
  summary: 'Whether Guardian needs its first owner, who is signed in, and where the first-run wizard stands.',
  input: z.strictObject({}),
  output: z.object({
    setupRequired: z.boolean(),
    user: Me.nullable(),
    onboarding: z.enum(ONBOARDING_STEPS),
  }),
  permission: 'public',
  audit: false,
  http: { method: 'GET', path: '/auth/status' },
});

export const authCheckPassword = method({
  name: 'auth.checkPassword',
  summary: 'Checks a candidate password against the policy (for live feedback); nothing is stored.',
  input: z.strictObject({ username: z.string().max(64), password: NewPassword }),
  output: z.object({
    acceptable: z.boolean(),
    rules: z.array(z.object({ rule: z.string(), ok: z.boolean(), message: z.string() })),
  }),
  permission: 'public',
  audit: false,
  http: { method: 'POST', path: '/auth/password-check' },
});

export const authSetup = method({
  name: 'auth.setup',
  summary: 'Creates the first owner account and signs it in. Refused once any account exists.',
  input: z.strictObject({
    username: Username,
    displayName: z.string().trim().max(100).optional(),
    password: NewPassword,
  }),
  output: Me,
  permission: 'public',
  audit: { target: (input) => `user:${input.username}` },
  http: { method: 'POST', path: '/auth/setup' },
});

export const authLogin = method({
  name: 'auth.login',
  summary: 'Signs in with username and password, plus a TOTP or recovery code when MFA is on.',
  input: z.strictObject({
    username: z.string().trim().min(1, 'Enter the username').max(64),
    password: Password,
    code: OneTimeCode.optional(),
  }),
  output: Me,
  permission: 'public',
  audit: { target: (input) => `user:${input.username}` },
  http: { method: 'POST', path: '/auth/login' },
});

export const authLogout = method({
  name: 'auth.logout',
  summary: 'Ends the current session.',
  input: z.strictObject({}),
  output: z.object({ ok: z.literal(true) }),
  permission: 'authenticated',
  audit: { target: () => 'session:current' },
  http: { method: 'POST', path: '/auth/logout' },
});

export const authMe = method({
  name: 'auth.me',
  summary: 'The signed-in user.',
  input: z.strictObject({}),
  output: Me,
  permission: 'authenticated',
  audit: false,
  http: { method: 'GET', path: '/auth/me' },
});

export const authChangePassword = method({
  name: 'auth.changePassword',
  summary: 'Changes your own password; other sessions are signed out.',
  input: z.strictObject({ currentPassword: Password, newPassword: NewPassword }),
  output: Me,
  permission: 'authenticated',
  audit: { target: () => 'user:self' },
  http: { method: 'POST', path: '/auth/password' },
});

export const authTotpBegin = method({
  name: 'auth.totpBegin',
  summary: 'Starts TOTP enrolment: a new secret as a QR code and as text. Confirm it with a code.',
  input: z.strictObject({}),
  output: z.object({ secret: z.string(), uri: z.string(), qrDataUrl: z.string() }),
  permission: 'authenticated',
  audit: { target: () => 'user:self' },
  http: { method: 'POST', path: '/auth/totp/begin' },
});

export const authTotpConfirm = method({
  name: 'auth.totpConfirm',
  summary: 'Finishes TOTP enrolment with a code from the app; returns 10 one-time recovery codes, shown once.',
  input: z.strictObject({ code: OneTimeCode }),
  output: z.object({ recoveryCodes: z.array(z.string()) }),
  permission: 'authenticated',
  audit: { target: () => 'user:self' },
  http: { method: 'POST', path: '/auth/totp/confirm' },
});

export const authTotpDisable = method({
  name: 'auth.totpDisable',
  summary: 'Turns TOTP off for your account (needs your password).',
  input: z.strictObject({ password: Password }),
  output: Me,
  permission: 'authenticated',
  audit: { target: () => 'user:self' },
  http: { method: 'POST', path: '/auth/totp/disable' },
});

export const Session = z.object({
  id: z.string(),
  userId: z.string(),
  username: z.string(),
  /** The account's role: only an owner may sign out an owner. */
  role: RoleSchema,
  origin: z.string(),
  userAgent: z.string(),
  createdAt: z.number().int(),
  lastSeenAt: z.number().int(),
  expiresAt: z.number().int(),
  current: z.boolean(),
});

export const sessionsList = method({
  name: 'sessions.list',
  summary: 'Active sessions: your own, or (with users:write) everyone’s or one user’s.',
  input: z.strictObject({ userId: z.string().max(64).optional(), all: z.preprocess((v) => v === 'true' || v === true, z.boolean()).optional() }),
  output: z.object({ items: z.array(Session) }),
  permission: 'authenticated',
  audit: false,
  http: { method: 'GET', path: '/sessions' },
});

export const sessionsRevoke = method({
  name: 'sessions.revoke',
  summary: 'Signs a session out: your own, or anyone’s with users:write (an owner’s only by an owner).',
  input: z.strictObject({ id: z.string().min(1).max(64) }),
  output: z.object({ id: z.string() }),
  permission: 'authenticated',
  audit: { target: (input) => `session:${input.id}` },
  http: { method: 'POST', path: '/sessions/:id/revoke' },
});

export const onboardingUpdate = method({
  name: 'onboarding.update',
  summary: 'Records how far the first-run wizard got, so it resumes there.',
  input: z.strictObject({ step: z.enum(ONBOARDING_STEPS) }),
  output: z.object({ step: z.enum(ONBOARDING_STEPS) }),
  permission: 'users:write',
  audit: { target: () => 'onboarding' },
  http: { method: 'POST', path: '/onboarding' },
});

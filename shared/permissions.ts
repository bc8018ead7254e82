/**
 * Roles and what each may do: the one table used by the router to refuse a call and by the UI
 * to hide what the signed-in role cannot do.
 */
export const PERMISSIONS = [
  'servers:read',
  'servers:write',
  'jobs:read',
  'jobs:write',
  'system:read',
  /** The installation itself: updates (check, channel, restart to install). */
  'system:admin',
  'users:read',
  'users:write',
  'apikeys:read',
  'apikeys:write',
  'metrics:read',
  'vault:read',
  'vault:write',
  'vault:reveal',
  'vault:admin',
  'audit:read',
  'audit:admin',
  /** Operations (docs/operations.md): see runs, their targets and outcomes. */
  'operations:read',
  /** What a run's commands printed: may hold anything a host prints, so not every reader sees it. */
  'operations:output',
  /** Run ad-hoc commands on servers, cancel runs. */
  'operations:run',
  /** Create, edit, import and archive runbooks (their scripts run on servers). */
  'runbooks:write',
  /** Run runbooks, each only if its own `runnableBy` admits the caller's role (docs/operations.md). */
  'runbooks:run',
  /** Open an interactive shell on a server (docs/operations.md, "Terminal"): whatever the server's login may do. */
  'terminal:open',
  /** Read terminal recordings: everything a shell printed, which may hold anything. */
  'terminal:recordings',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Who may call a method: anyone, anyone signed in, or holders of one permission. */
export type Access = Permission | 'public' | 'authenticated';

export const ROLES = ['owner', 'admin', 'operator', 'viewer', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  owner: PERMISSIONS,
  admin: PERMISSIONS,
  operator: [
    'servers:read',
    'servers:write',
    'jobs:read',
    'jobs:write',
    'system:read',
    'metrics:read',
    'vault:read',
    'vault:write',
    'operations:read',
    'runbooks:run',
  ],
  viewer: ['servers:read', 'jobs:read', 'system:read', 'operations:read'],
  auditor: [
    'servers:read',
    'jobs:read',
    'system:read',
    'users:read',
    'apikeys:read',
    'metrics:read',
    'vault:read',
    'audit:read',
    'operations:read',
    'operations:output',
    'terminal:recordings',
  ],
};

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  owner: 'Everything, including managing other owners.',
  admin: 'Everything except changing owners.',
  operator: 'Manages servers and their credentials (without seeing them), runs jobs and the runbooks open to operators.',
  viewer: 'Sees servers and jobs; changes nothing.',
  auditor: 'Reads everything, including accounts, keys and what the vault holds (never its values); changes nothing.',
};

/** Who is calling. */
export interface Principal {
  kind: 'user' | 'apiKey' | 'system';
  id: string;
  name: string;
  role: Role;
  /** An API key limited to some of its role's permissions. */
  permissions?: readonly Permission[] | undefined;
  /** The session a signed-in user called through (none for API keys, the CLI and the system). */
  sessionId?: string | undefined;
  /** A user who must change their password may do nothing else first. */
  mustChangePassword?: boolean | undefined;
}

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** The one check of "may this principal do that", for the router and the UI alike. */
export function principalAllows(principal: Pick<Principal, 'role' | 'permissions'>, permission: Permission): boolean {
  if (!roleAllows(principal.role, permission)) return false;
  return principal.permissions ? principal.permissions.includes(permission) : true;
}

/** The CLI working directly on a data dir, and the desktop app before accounts are wired: full rights. */
export const LOCAL_OWNER: Principal = { kind: 'system', id: 'local-owner', name: 'local owner', role: 'owner' };

/** The one caller an addressed event is for: a principal, and the session it called through (none for API keys and the CLI). */
export interface Audience {
  kind: Principal['kind'];
  id: string;
  sessionId: string | undefined;
}

export function audienceOf(principal: Principal): Audience {
  return { kind: principal.kind, id: principal.id, sessionId: principal.sessionId };
}

/** Whether `principal` is that caller: the same account or key, through the same session. */
export function isAudience(principal: Pick<Principal, 'kind' | 'id' | 'sessionId'>, audience: Audience): boolean {
  return principal.kind === audience.kind && principal.id === audience.id && principal.sessionId === audience.sessionId;
}

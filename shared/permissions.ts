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
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['owner', 'admin', 'operator', 'viewer', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  owner: PERMISSIONS,
  admin: PERMISSIONS,
  operator: ['servers:read', 'servers:write', 'jobs:read', 'jobs:write', 'system:read'],
  viewer: ['servers:read', 'jobs:read', 'system:read'],
  auditor: ['servers:read', 'jobs:read', 'system:read'],
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** Who is calling. Until accounts exist the only principal is the local owner. */
export interface Principal {
  kind: 'user' | 'apiKey' | 'system';
  id: string;
  name: string;
  role: Role;
}

export const LOCAL_OWNER: Principal = { kind: 'user', id: 'local-owner', name: 'local owner', role: 'owner' };

import { ROLE_PERMISSIONS, roleAllows, type Permission, type Role } from '@shared/permissions';

const includes = (outer: Role, inner: Role) => ROLE_PERMISSIONS[inner].every((permission) => roleAllows(outer, permission));

/**
 * The lesser of two roles: the one whose rights the other includes (admin below owner, though
 * their permissions are the same, since only an owner may act on owners); null when neither
 * includes the other (operator and auditor).
 */
export function lesserRole(a: Role, b: Role): Role | null {
  if (a === b) return a;
  if (a === 'owner') return b;
  if (b === 'owner') return a;
  if (includes(b, a)) return a;
  if (includes(a, b)) return b;
  return null;
}

export interface KeyRights {
  role: Role;
  /** Set when the key may do less than its whole role. */
  permissions: Permission[] | undefined;
}

/**
 * What a key may do now: its role (or the permissions it was limited to), never more than the
 * current role of the account it acts for. A system key (no owner account) keeps its own rights.
 */
export function keyRights(key: { role: Role; permissions: readonly Permission[] | null }, ownerRole: Role | null): KeyRights {
  if (ownerRole === null) return { role: key.role, permissions: key.permissions ? [...key.permissions] : undefined };
  const role = lesserRole(key.role, ownerRole) ?? key.role;
  const rights = (key.permissions ?? ROLE_PERMISSIONS[key.role]).filter((permission) => roleAllows(ownerRole, permission) && roleAllows(role, permission));
  return { role, permissions: rights.length === ROLE_PERMISSIONS[role].length ? undefined : rights };
}

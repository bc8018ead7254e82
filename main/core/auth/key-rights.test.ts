import { describe, expect, it } from 'vitest';
import { PERMISSIONS, principalAllows, ROLE_PERMISSIONS, ROLES, type Permission, type Role } from '@shared/permissions';
import { keyRights, lesserRole } from './key-rights';

const allowed = (role: Role, permissions: readonly Permission[] | null, ownerRole: Role | null) => {
  const rights = keyRights({ role, permissions }, ownerRole);
  return PERMISSIONS.filter((permission) => principalAllows(rights, permission));
};

describe('lesserRole', () => {
  it.each([
    ['owner', 'admin', 'admin'],
    ['admin', 'owner', 'admin'],
    ['admin', 'viewer', 'viewer'],
    ['operator', 'viewer', 'viewer'],
    ['auditor', 'viewer', 'viewer'],
    ['operator', 'operator', 'operator'],
    ['operator', 'auditor', null],
  ] as const)('of %s and %s is %s', (a, b, lesser) => {
    expect(lesserRole(a, b)).toBe(lesser);
  });
});

describe('keyRights', () => {
  it('is exactly the intersection of what the key and its owner may do, for every pair of roles', () => {
    for (const keyRole of ROLES) {
      for (const ownerRole of ROLES) {
        const both = ROLE_PERMISSIONS[keyRole].filter((permission) => ROLE_PERMISSIONS[ownerRole].includes(permission));
        expect(allowed(keyRole, null, ownerRole), `${keyRole} key of an ${ownerRole}`).toEqual(both);
      }
    }
  });

  it('acts as an owner only when both the key and its owner are owners', () => {
    expect(keyRights({ role: 'owner', permissions: null }, 'owner').role).toBe('owner');
    expect(keyRights({ role: 'owner', permissions: null }, 'admin').role).toBe('admin');
    expect(keyRights({ role: 'admin', permissions: null }, 'owner').role).toBe('admin');
  });

  it('keeps a limited key within its permissions and its owner’s role', () => {
    expect(allowed('operator', ['servers:read', 'servers:write'], 'owner')).toEqual(['servers:read', 'servers:write']);
    expect(allowed('operator', ['servers:read', 'servers:write'], 'viewer')).toEqual(['servers:read']);
    expect(allowed('operator', ['servers:write'], 'auditor')).toEqual([]);
  });

  it('leaves a system key (no owner account) its own rights', () => {
    expect(keyRights({ role: 'owner', permissions: null }, null)).toEqual({ role: 'owner', permissions: undefined });
    expect(allowed('admin', ['metrics:read'], null)).toEqual(['metrics:read']);
  });
});

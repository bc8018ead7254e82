import { ROLE_DESCRIPTIONS, ROLES, type Role } from '@shared/permissions';
import { useMe } from '../auth/session';
import { Field } from '../ui/Field';

export const ROLE_LABELS: Record<Role, string> = {
  owner: 'Owner',
  admin: 'Admin',
  operator: 'Operator',
  viewer: 'Viewer',
  auditor: 'Auditor',
};

/**
 * The five roles, each with what it may do. Only an owner may hand out the owner role, so
 * others see it but cannot pick it.
 */
export function RoleSelect({ value, onChange, testId, label = 'Role' }: { value: Role; onChange(role: Role): void; testId: string; label?: string }) {
  const me = useMe();
  return (
    <Field label={label} help={ROLE_DESCRIPTIONS[value]} testId={testId}>
      {(control) => (
        <select
          {...control}
          className="input select"
          value={value}
          onChange={(event) => {
            const role = ROLES.find((candidate) => candidate === event.target.value);
            if (role) onChange(role);
          }}
        >
          {ROLES.map((role) => (
            <option key={role} value={role} disabled={role === 'owner' && me.role !== 'owner'}>
              {ROLE_LABELS[role]}: {ROLE_DESCRIPTIONS[role]}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

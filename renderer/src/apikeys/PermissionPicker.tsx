import type { Permission } from '@shared/permissions';

interface PermissionPickerProps {
  /** What the chosen role allows (and the creator holds): the only choices. */
  available: readonly Permission[];
  chosen: readonly Permission[];
  onChange(chosen: Permission[]): void;
}

/** Optionally narrows a key to some of its role's permissions; none ticked means all of them. */
export function PermissionPicker({ available, chosen, onChange }: PermissionPickerProps) {
  const toggle = (permission: Permission, on: boolean) => onChange(on ? [...chosen, permission] : chosen.filter((candidate) => candidate !== permission));
  return (
    <fieldset className="fieldset">
      <legend className="field__label">Permissions</legend>
      <p className="field__help">{chosen.length === 0 ? 'None ticked: the key may do everything its role allows.' : 'The key may do only what is ticked.'}</p>
      <div className="checkbox-grid">
        {available.map((permission) => (
          <label key={permission} className="checkbox">
            <input type="checkbox" checked={chosen.includes(permission)} onChange={(event) => toggle(permission, event.target.checked)} />
            <span className="mono">{permission}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

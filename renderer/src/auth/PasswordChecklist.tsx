import type { PasswordCheck } from './use-password-check';

/** Each password rule, met or not, as the person types. */
export function PasswordChecklist({ check, id }: { check: PasswordCheck | undefined; id?: string }) {
  if (!check) {
    return (
      <p id={id} className="field__help">
        At least 12 characters, not your username, not a commonly used password.
      </p>
    );
  }
  return (
    <ul id={id} className="checklist" aria-label="Password requirements" aria-live="polite" data-testid="password-checklist">
      {check.rules.map((rule) => (
        <li
          key={rule.rule}
          className={`checklist__item checklist__item--${rule.ok ? 'ok' : 'bad'}`}
          data-testid={`password-rule-${rule.rule}`}
          data-ok={rule.ok}
        >
          <span className="checklist__mark" aria-hidden="true">
            {rule.ok ? '✓' : '✗'}
          </span>
          <span>{rule.message}</span>
          <span className="visually-hidden">{rule.ok ? ' (met)' : ' (not met)'}</span>
        </li>
      ))}
    </ul>
  );
}

import { useId, type ReactNode } from 'react';

interface FieldProps {
  label: string;
  /** Shown under the input while there is no error. */
  help?: ReactNode;
  error?: string | undefined;
  testId: string;
  children: (control: { id: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined; 'data-testid': string }) => ReactNode;
}

/**
 * A labelled form control with its help text and its error message underneath. The control is
 * rendered by the caller (input, textarea, select) with the wiring this gives it.
 */
export function Field({ label, help, error, testId, children }: FieldProps) {
  const id = useId();
  const messageId = `${id}-message`;
  const message = error ?? help;
  return (
    <div className={`field${error ? ' field--invalid' : ''}`}>
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {children({
        id,
        'aria-invalid': error !== undefined,
        'aria-describedby': message ? messageId : undefined,
        'data-testid': testId,
      })}
      {message ? (
        <p id={messageId} className={error ? 'field__error' : 'field__help'} data-testid={error ? `${testId}-error` : undefined}>
          {message}
        </p>
      ) : null}
    </div>
  );
}

import type { AppError } from '@shared/api';

/** A failed action inside a form: what went wrong, then what to do about it. */
export function ErrorBanner({ error, testId }: { error: Pick<AppError, 'message' | 'hint'> | null; testId?: string }) {
  if (!error) return null;
  return (
    <div className="banner banner--error" role="alert" data-testid={testId}>
      <p>{error.message}</p>
      {error.hint ? <p className="banner__hint">{error.hint}</p> : null}
    </div>
  );
}

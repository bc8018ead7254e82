import type { AppError } from '@shared/api';

/** A failed read in place of its content: what happened, what to do, and a retry. */
export function ErrorState({ error, onRetry, what }: { error: AppError; onRetry(): void; what: string }) {
  return (
    <div className="state state--error" role="alert">
      <h2 className="state__title">Could not load {what}</h2>
      <p className="state__text">{error.message}</p>
      <p className="state__hint">{error.hint}</p>
      <button type="button" className="button" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

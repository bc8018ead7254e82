import { AppError } from '@shared/api/errors';

/**
 * The refusal every transport gives a caller who brought no credential: said once, so the
 * router, the event stream and the file downloads answer alike (docs/architecture.md §3).
 */
export function notSignedIn(): AppError {
  return new AppError('UNAUTHENTICATED', 'You are not signed in.', {
    hint: 'Sign in, or send an API key as "Authorization: Bearer gdn_…".',
  });
}

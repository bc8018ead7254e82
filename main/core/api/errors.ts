import { AppError } from '@shared/api/errors';

interface SqliteLikeError {
  code: string;
  message: string;
}

function isSqliteError(cause: unknown): cause is SqliteLikeError {
  return cause instanceof Error && cause.name === 'SqliteError' && typeof (cause as Partial<SqliteLikeError>).code === 'string';
}

/**
 * Maps anything thrown inside the core to the error a caller may see. Unknown failures become
 * INTERNAL with no detail: stacks, SQL and values stay in the log, found by correlation id.
 */
export function toAppError(cause: unknown): AppError {
  if (cause instanceof AppError) return cause;
  if (isSqliteError(cause)) {
    if (cause.code === 'SQLITE_BUSY' || cause.code === 'SQLITE_LOCKED') {
      return new AppError('BUSY', 'The database is busy with other work.', {
        hint: 'Try again in a moment.',
        cause,
      });
    }
    if (cause.code === 'SQLITE_FULL' || cause.code === 'SQLITE_IOERR' || cause.code.startsWith('SQLITE_IOERR_')) {
      return new AppError('UNAVAILABLE', 'The database could not be written (disk full or failing).', {
        hint: 'Free some disk space in the data folder, then try again.',
        retryable: true,
        cause,
      });
    }
  }
  return new AppError('INTERNAL', 'Something went wrong inside Guardian.', {
    hint: 'Try again; if it keeps happening, report it with the correlation id (the log has the details).',
    retryable: false,
    cause,
  });
}

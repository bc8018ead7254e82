import { AppError, AppErrorShape, codeForStatus, type ErrorCode } from '@shared/api';

/** Turns an error shape that crossed a boundary into an AppError, or a generic one if malformed. */
export function errorFromWire(raw: unknown, fallbackStatus?: number): AppError {
  const parsed = AppErrorShape.safeParse(raw);
  if (parsed.success) return AppError.fromShape(parsed.data);
  return unexpectedAnswer(fallbackStatus);
}

/** An answer without a readable error body (a proxy page, an empty body, a crash). */
export function unexpectedAnswer(status?: number): AppError {
  const code: ErrorCode = (status !== undefined ? codeForStatus(status) : undefined) ?? 'INTERNAL';
  const what = status === undefined ? 'an answer Guardian could not read' : `HTTP ${status} without details`;
  return new AppError(code, `The server sent ${what}.`, {
    hint: 'Try again; if it keeps happening, check the Guardian server log.',
  });
}

export function unreachable(cause: unknown): AppError {
  return new AppError('UNREACHABLE', 'Cannot reach the Guardian server.', {
    hint: 'Check that "guardian serve" is still running and that this page was opened from its address, then try again.',
    cause,
  });
}

export function malformedOutput(method: string): AppError {
  return new AppError('INTERNAL', `The answer to ${method} did not have the expected shape.`, {
    hint: 'The app and the server may be different versions: reload the page or update Guardian.',
  });
}

/** Any thrown value as an AppError, for toasts and banners. */
export function asAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError('INTERNAL', error instanceof Error ? error.message : 'Something went wrong.', {
    hint: 'Try again; if it keeps happening, check the Guardian log.',
    cause: error,
  });
}

/** The correlation id the server attached, to find the matching log line. */
export function correlationIdOf(error: AppError): string | undefined {
  const id: unknown = Reflect.get(error, 'correlationId');
  return typeof id === 'string' && id !== '' ? id : undefined;
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** The server's message about one input field (the first path segment), to show under it. */
export function issueOn(error: AppError | null | undefined, field: string): string | undefined {
  return error?.issues?.find((issue) => issue.path[0] === field)?.message;
}

import { z } from 'zod';

/** Every error code Guardian can answer with. Stable: scripts match on these. */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'SIGN_IN_FAILED',
  'MFA_REQUIRED',
  'PASSWORD_CHANGE_REQUIRED',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'METHOD_NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'URI_TOO_LONG',
  'RATE_LIMITED',
  /** The request named a host (Host header) this Guardian does not answer for: DNS rebinding, or a missing --public-name. */
  'MISDIRECTED_REQUEST',
  'CANCELLED',
  'INTERRUPTED',
  'TIMEOUT',
  'UNREACHABLE',
  'HOST_KEY_MISMATCH',
  'VAULT_LOCKED',
  'VAULT_NOT_INITIALIZED',
  'VAULT_BAD_PASSPHRASE',
  'VAULT_INTEGRITY',
  'REAUTH_REQUIRED',
  'DB_NEWER_VERSION',
  'DB_UNREADABLE',
  /** The database server (PostgreSQL) cannot be reached or refused Guardian: retryable when it is down, not when the credentials are wrong. */
  'DB_UNAVAILABLE',
  'BUSY',
  'UNAVAILABLE',
  /** A feature this kind of Guardian does not have (the desktop's updater or keychain on a server). */
  'NOT_SUPPORTED_HERE',
  /** `guardian serve`'s configuration file cannot be used (not JSON, an unknown setting, a wrong type, a password): it refuses to start. Never an HTTP answer. */
  'CONFIG_INVALID',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const ErrorCodeSchema = z.enum(ERROR_CODES);

/** One problem with one input field, for inline form messages. */
export const ValidationIssue = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssue>;

/** The one shape every failure takes when it crosses a boundary. */
export const AppErrorShape = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  hint: z.string(),
  retryable: z.boolean(),
  correlationId: z.string(),
  issues: z.array(ValidationIssue).optional(),
});
export type AppErrorShape = z.infer<typeof AppErrorShape>;

/** HTTP status for each code: the only place this mapping lives. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  SIGN_IN_FAILED: 401,
  MFA_REQUIRED: 401,
  PASSWORD_CHANGE_REQUIRED: 403,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_FOUND: 404,
  CONFLICT: 409,
  HOST_KEY_MISMATCH: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  URI_TOO_LONG: 414,
  VAULT_LOCKED: 423,
  VAULT_NOT_INITIALIZED: 409,
  VAULT_BAD_PASSPHRASE: 401,
  VAULT_INTEGRITY: 500,
  REAUTH_REQUIRED: 403,
  RATE_LIMITED: 429,
  MISDIRECTED_REQUEST: 421,
  CANCELLED: 409,
  INTERRUPTED: 500,
  INTERNAL: 500,
  DB_NEWER_VERSION: 503,
  DB_UNREADABLE: 503,
  DB_UNAVAILABLE: 503,
  BUSY: 503,
  UNAVAILABLE: 503,
  NOT_SUPPORTED_HERE: 501,
  CONFIG_INVALID: 500,
  UNREACHABLE: 502,
  TIMEOUT: 504,
};

/** The code each status stands for when an answer carries only the status (a proxy's page, an empty body). */
const GENERIC_FOR_STATUS: readonly ErrorCode[] = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'URI_TOO_LONG',
  'UNSUPPORTED_MEDIA_TYPE',
  'MISDIRECTED_REQUEST',
  'VAULT_LOCKED',
  'RATE_LIMITED',
  'INTERNAL',
  'NOT_SUPPORTED_HERE',
  'UNREACHABLE',
  'UNAVAILABLE',
  'TIMEOUT',
];

/** HTTP_STATUS read backwards: the generic code of a status, or undefined for one Guardian never sends. */
export function codeForStatus(status: number): ErrorCode | undefined {
  return GENERIC_FOR_STATUS.find((code) => HTTP_STATUS[code] === status);
}

const RETRYABLE: ReadonlySet<ErrorCode> = new Set(['BUSY', 'UNAVAILABLE', 'UNREACHABLE', 'TIMEOUT', 'RATE_LIMITED']);

export interface AppErrorInit {
  hint: string;
  retryable?: boolean;
  issues?: ValidationIssue[];
  cause?: unknown;
}

/**
 * A failure the caller should see. Thrown inside the core; the router turns it into an
 * AppErrorShape with a correlation id. Its message and hint are written for a human.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly retryable: boolean;
  readonly issues: ValidationIssue[] | undefined;

  constructor(code: ErrorCode, message: string, init: AppErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'AppError';
    this.code = code;
    this.hint = init.hint;
    this.retryable = init.retryable ?? RETRYABLE.has(code);
    this.issues = init.issues;
  }

  toShape(correlationId: string): AppErrorShape {
    const shape: AppErrorShape = {
      code: this.code,
      message: this.message,
      hint: this.hint,
      retryable: this.retryable,
      correlationId,
    };
    if (this.issues) shape.issues = this.issues;
    return shape;
  }

  static fromShape(shape: AppErrorShape): AppError {
    const error = new AppError(shape.code, shape.message, {
      hint: shape.hint,
      retryable: shape.retryable,
      ...(shape.issues ? { issues: shape.issues } : {}),
    });
    Object.defineProperty(error, 'correlationId', { value: shape.correlationId, enumerable: true });
    return error;
  }
}

/** Human-readable summary of zod issues, e.g. "port: Too big: expected number to be <=65535". */
export function describeIssues(issues: readonly ValidationIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

export function validationError(issues: ValidationIssue[], what = 'The input'): AppError {
  return new AppError('VALIDATION_FAILED', `${what} is not valid: ${describeIssues(issues)}`, {
    hint: 'Correct the fields named above and try again.',
    issues,
  });
}

type ZodIssue = z.ZodError['issues'][number];

/** How far a union's branch got with the input: fewer complaints about the whole value, then fewer in all. */
const rootCount = (issues: readonly ZodIssue[]) => issues.filter((issue) => issue.path.length === 0).length;
const furthest = (branches: readonly (readonly ZodIssue[])[]) =>
  branches.reduce((best, branch) => ((rootCount(branch) - rootCount(best) || branch.length - best.length) < 0 ? branch : best));

/**
 * A union none of whose branches took the input says only "Invalid input", on the whole value: the
 * branch that got furthest says what is wrong instead, under the fields it names (a channel change
 * with its type gets `config.url: Invalid URL`, not a complaint that `type` is not allowed).
 */
function issuesOf(issue: ZodIssue, base: readonly PropertyKey[]): ValidationIssue[] {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const branch = furthest(issue.errors);
    if (branch.some((inner) => inner.path.length > 0)) return branch.flatMap((inner) => issuesOf(inner, path));
  }
  return [{ path: path.map((part) => (typeof part === 'number' ? part : String(part))), message: issue.message }];
}

export function zodIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.flatMap((issue) => issuesOf(issue, []));
}

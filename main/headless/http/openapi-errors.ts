import { STATUS_CODES } from 'node:http';
import { pathParams, type MethodDef } from '@shared/api/contract';
import { HTTP_STATUS, type ErrorCode } from '@shared/api/errors';

/**
 * Which error codes an operation can answer over HTTP, for the OpenAPI document: most follow
 * from the method's shape (who may call it, whether it has a body or a path parameter), the rest
 * from what the services behind it refuse (SERVICE_CODES). main/headless/http/openapi.test.ts
 * calls every method and checks that each answer it gets is one the document lists.
 */

/**
 * Any call: its input refused (inputs are strict), the database busy or Guardian stopping, a bug;
 * and the request guard's answers before any method, public ones included: a Host Guardian is not
 * known by (421) and a browser request on behalf of another site (403).
 */
const EVERY_CALL: readonly ErrorCode[] = ['VALIDATION_FAILED', 'BUSY', 'UNAVAILABLE', 'INTERNAL', 'MISDIRECTED_REQUEST', 'PERMISSION_DENIED'];
/** Refused before the method runs, for anything but a public method (403 also for a missing CSRF header). */
const SIGNED_IN: readonly ErrorCode[] = ['UNAUTHENTICATED', 'PERMISSION_DENIED', 'PASSWORD_CHANGE_REQUIRED'];
/** A JSON body: too large, or not JSON. */
const WITH_BODY: readonly ErrorCode[] = ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];
/** An id in the path: no such thing, or longer than any id (PATH_PARAM_MAX_LENGTH). */
const WITH_PATH_PARAM: readonly ErrorCode[] = ['NOT_FOUND', 'URI_TOO_LONG'];

const SIGN_IN: readonly ErrorCode[] = ['SIGN_IN_FAILED', 'MFA_REQUIRED', 'RATE_LIMITED'];
const VAULT_OPEN: readonly ErrorCode[] = ['VAULT_NOT_INITIALIZED', 'VAULT_LOCKED', 'VAULT_INTEGRITY'];
const VAULT_GUESS: readonly ErrorCode[] = [...VAULT_OPEN, 'VAULT_BAD_PASSPHRASE', 'RATE_LIMITED'];

/**
 * What the services behind a method answer besides the codes its shape gives, by method name or,
 * failing that, by domain (the name's first part). NOT_SUPPORTED_HERE marks what only the desktop
 * app does: over HTTP it is always that answer.
 */
const SERVICE_CODES: Readonly<Record<string, readonly ErrorCode[]>> = {
  servers: ['CONFLICT'],
  'servers.list': [],
  'servers.facets': [],
  'servers.export': [],
  // RATE_LIMITED: at most 30 probes a minute per caller.
  'servers.probe': ['RATE_LIMITED'],
  'jobs.cancel': ['CONFLICT'],
  'jobs.saveArtifact': ['NOT_SUPPORTED_HERE'],
  'updates.check': ['NOT_SUPPORTED_HERE'],
  'updates.setChannel': ['NOT_SUPPORTED_HERE'],
  'updates.install': ['NOT_SUPPORTED_HERE', 'CONFLICT'],
  // PERMISSION_DENIED: the first owner without the one-time setup token.
  'auth.setup': ['CONFLICT', 'RATE_LIMITED', 'PERMISSION_DENIED'],
  'auth.totpBegin': ['CONFLICT'],
  'auth.login': SIGN_IN,
  'auth.reauth': SIGN_IN,
  'auth.changePassword': SIGN_IN,
  'auth.totpConfirm': [...SIGN_IN, 'CONFLICT'],
  'auth.totpDisable': SIGN_IN,
  'sessions.revoke': ['NOT_FOUND'],
  users: ['NOT_FOUND', 'CONFLICT'],
  'users.list': [],
  'vault.status': [],
  'vault.init': ['CONFLICT', 'NOT_SUPPORTED_HERE'],
  'vault.unlock': VAULT_GUESS,
  'vault.lock': [],
  'vault.addSlot': [...VAULT_OPEN, 'CONFLICT', 'NOT_SUPPORTED_HERE'],
  'vault.removeSlot': [...VAULT_OPEN, 'CONFLICT'],
  'vault.changePassphrase': [...VAULT_GUESS, 'CONFLICT'],
  'vault.rotate': [...VAULT_OPEN, 'NOT_FOUND', 'CONFLICT'],
  'vault.export': VAULT_OPEN,
  'vault.import': [...VAULT_GUESS, 'CONFLICT'],
  secrets: [...VAULT_OPEN, 'NOT_FOUND', 'CONFLICT'],
  'secrets.inspectKey': [],
  'secrets.reveal': [...VAULT_OPEN, 'NOT_FOUND', 'REAUTH_REQUIRED'],
  'secrets.copy': ['NOT_SUPPORTED_HERE'],
  checks: ['NOT_FOUND', 'CONFLICT', ...VAULT_OPEN, 'HOST_KEY_MISMATCH'],
  'checks.list': [],
  health: ['NOT_FOUND'],
  'health.overview': [],
  'incidents.acknowledge': ['CONFLICT'],
  maintenance: ['NOT_FOUND'],
  'reports.generate': ['NOT_FOUND'],
  schedules: ['NOT_FOUND', 'CONFLICT'],
  'schedules.list': [],
  'schedules.tasks': [],
  audit: ['NOT_FOUND', 'CANCELLED'],
  'audit.list': [],
  'audit.settings': [],
  'audit.updateSettings': [],
};

const hasBody = (def: Pick<MethodDef, 'http'>) => ['POST', 'PUT', 'PATCH'].includes(def.http.method);

/** Every code `def` can answer over HTTP (and `extra`), each once. */
export function errorCodesOf(def: Pick<MethodDef, 'name' | 'permission' | 'http'>, extra: readonly ErrorCode[] = []): ErrorCode[] {
  const codes = new Set<ErrorCode>(EVERY_CALL);
  if (def.permission !== 'public') SIGNED_IN.forEach((code) => codes.add(code));
  if (hasBody(def)) WITH_BODY.forEach((code) => codes.add(code));
  if (pathParams(def.http.path).length > 0) WITH_PATH_PARAM.forEach((code) => codes.add(code));
  const domain = def.name.split('.')[0] ?? def.name;
  (SERVICE_CODES[def.name] ?? SERVICE_CODES[domain] ?? []).forEach((code) => codes.add(code));
  extra.forEach((code) => codes.add(code));
  return [...codes];
}

/** The OpenAPI responses for these codes, one per HTTP status, each naming its codes. */
export function errorResponses(codes: readonly ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = HTTP_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) => [
        String(status),
        {
          description: `${STATUS_CODES[status] ?? 'Error'}: ${list.join(', ')}.`,
          'x-guardian-error-codes': list,
          headers: { 'x-correlation-id': { $ref: '#/components/headers/CorrelationId' } },
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
        },
      ]),
  );
}

import { z } from 'zod';

/** "200", "200-399". */
const statusRange = z.string().regex(/^\d{3}(-\d{3})?$/, 'a status code such as 200, or a range such as 200-299');

/**
 * Header names that carry credentials. Their values would be stored, listed and audited in clear,
 * so a check takes them from the vault (`auth`) instead of free-form headers.
 */
export const CREDENTIAL_HEADER =
  /^(authorization|proxy-authorization|cookie|x-api-key|api-?key|authentication)$|(^|[-_])(token|secret|password|passwd|key|auth|session|credentials?)$/i;

/** A value in an authorization scheme's form ("Bearer …", "Basic …"), whatever the header's name. */
export const CREDENTIAL_VALUE = /^\s*(bearer|basic|digest|token|negotiate)\s+\S/i;

const VAULT_HINT = 'store it in the vault and choose it under Authentication';

/** "a.b" has no user name or password in it: those belong in the vault. */
function withoutUserInfo(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username === '' && parsed.password === '';
  } catch {
    return true;
  }
}

/** An RFC 9110 field name. */
const HeaderName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'a header name such as X-Api-Key');

/** A request credential from the vault, sent only to the check's server (the host of its URL). */
export const httpAuth = z
  .strictObject({
    /** basic: a password secret (and its user name); bearer: a token or password as "Bearer …"; header: its value under `headerName`. */
    kind: z.enum(['basic', 'bearer', 'header']).default('bearer'),
    credentialId: z.uuid('Not a secret id'),
    /** For `header`: the header the secret is sent in, e.g. X-Api-Key. */
    headerName: HeaderName.optional(),
    /** For `basic`: the user name, when the secret has none stored with it. */
    username: z.string().min(1).max(255).optional(),
  })
  .refine((auth) => auth.kind !== 'header' || auth.headerName !== undefined, { message: 'Name the header the secret is sent in', path: ['headerName'] });
export type HttpAuth = z.infer<typeof httpAuth>;

export const httpConfig = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).refine(withoutUserInfo, `A URL may not hold a user name or password: ${VAULT_HINT}`),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  headers: z
    .record(HeaderName, z.string())
    .superRefine((headers, ctx) => {
      for (const [name, value] of Object.entries(headers)) {
        if (CREDENTIAL_HEADER.test(name) || CREDENTIAL_VALUE.test(value))
          ctx.addIssue({ code: 'custom', path: [name], message: `${name} carries a credential: ${VAULT_HINT}` });
      }
    })
    .default({}),
  /** A credential from the vault, sent as basic auth, a bearer token or a named header. */
  auth: httpAuth.optional(),
  body: z.string().optional(),
  /** Status codes that count as up. */
  expectedStatus: z.array(statusRange).min(1).default(['200-399']),
  /** Text the body must contain (`present`) or must not contain (`absent`). */
  keyword: z
    .strictObject({ text: z.string().min(1), mode: z.enum(['present', 'absent']).default('present'), caseSensitive: z.boolean().default(true) })
    .optional(),
  /** A value the JSON body must hold at a dotted path such as `data.status` or `items.0.id`. */
  json: z.strictObject({ path: z.string().min(1), equals: z.union([z.string(), z.number(), z.boolean(), z.null()]) }).optional(),
  /** Degraded when the whole exchange takes longer than this. */
  degradedAboveMs: z.number().positive().optional(),
  followRedirects: z.boolean().default(true),
  maxRedirects: z.number().int().min(0).max(20).default(10),
  /** For https: degraded when the certificate expires within this many days. */
  certExpiryDays: z.number().min(0).default(14),
  /** For https: extra trusted roots, PEM. */
  ca: z.string().optional(),
  /** For https: accept an untrusted or mismatched certificate. */
  ignoreTlsErrors: z.boolean().default(false),
});
export type HttpConfig = z.infer<typeof httpConfig>;

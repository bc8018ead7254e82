import { z } from 'zod';

/** "200", "200-399". */
const statusRange = z.string().regex(/^\d{3}(-\d{3})?$/, 'a status code such as 200, or a range such as 200-299');

export const httpConfig = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  /** Status codes that count as up. */
  expectedStatus: z.array(statusRange).min(1).default(['200-399']),
  /** Text the body must contain (`present`) or must not contain (`absent`). */
  keyword: z.strictObject({ text: z.string().min(1), mode: z.enum(['present', 'absent']).default('present'), caseSensitive: z.boolean().default(true) }).optional(),
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

import { z } from 'zod';

export const tlsConfig = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(443),
  /** The name the certificate must be for (and the SNI sent); the host when absent. */
  servername: z.string().min(1).optional(),
  /** Extra trusted roots, PEM (a private CA, a pinned self-signed certificate). */
  ca: z.string().optional(),
  /** Report an untrusted chain without calling the target down. */
  allowUntrusted: z.boolean().default(false),
  /** Degraded when the certificate expires within this many days. */
  expiryDegradedDays: z.number().min(0).default(14),
  /** Down when the certificate expires within this many days (0: only once expired). */
  expiryDownDays: z.number().min(0).default(0),
});
export type TlsConfig = z.infer<typeof tlsConfig>;

import { z } from 'zod';

/** A degraded and a down threshold for one measure; past `down` wins over past `degraded`. */
const limits = (degraded: number, down: number, max?: number) => {
  const value = max === undefined ? z.number().min(0) : z.number().min(0).max(max);
  return z
    .strictObject({ degraded: value.default(degraded), down: value.default(down) })
    .refine((pair) => pair.degraded <= pair.down, { message: 'the degraded threshold is at most the down threshold', path: ['degraded'] })
    .prefault({});
};

/** An absolute path on the target; df reads the file system that holds it. */
const mountPath = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^\/[^\0\r\n]*$/, 'an absolute path such as / or /var');

export const sshMetricsConfig = z.strictObject({
  /**
   * The host to log in to: the check's server's host when absent. A credential goes only to the
   * host of a server it is linked to, so any other value is refused.
   */
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).default(22),
  /** The login name on the target. */
  user: z.string().min(1).max(255),
  /** The vault secret to log in with: a password or an SSH key. */
  credentialId: z.uuid('Not a secret id'),
  thresholds: z
    .strictObject({
      /** The 5-minute load average divided by the number of CPUs. */
      loadPerCore: limits(1.5, 4),
      /** Memory in use (total less available), in percent. */
      memoryPercent: limits(85, 95, 100),
      /** Each watched file system's used space, in percent. */
      diskPercent: limits(85, 95, 100),
    })
    .prefault({}),
  /** The paths whose file systems are watched. */
  mounts: z.array(mountPath).min(1).max(32).default(['/']),
});
export type SshMetricsConfig = z.infer<typeof sshMetricsConfig>;

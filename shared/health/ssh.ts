import { z } from 'zod';

export const sshConfig = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
});
export type SshConfig = z.infer<typeof sshConfig>;

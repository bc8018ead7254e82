import { z } from 'zod';

export const tcpConfig = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
});
export type TcpConfig = z.infer<typeof tcpConfig>;

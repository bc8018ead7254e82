import { z } from 'zod';
import { method } from './contract';

export const systemInfo = method({
  name: 'system.info',
  summary: 'Which Guardian this is: version, where its data lives, when it started.',
  input: z.strictObject({}),
  output: z.object({
    name: z.string(),
    version: z.string(),
    dataDir: z.string(),
    startedAt: z.number().int(),
    mode: z.enum(['desktop', 'headless']),
  }),
  permission: 'system:read',
  audit: false,
  http: { method: 'GET', path: '/system/info' },
});

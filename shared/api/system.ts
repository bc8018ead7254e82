import { z } from 'zod';
import { method } from './contract';

/** Which database engine a Guardian runs on, and its version (SQLite's library, or the PostgreSQL server's). */
export const DatabaseEngine = z.object({
  engine: z.enum(['sqlite', 'postgres']),
  version: z.string(),
});
export type DatabaseEngine = z.infer<typeof DatabaseEngine>;

export const systemInfo = method({
  name: 'system.info',
  summary: 'Which Guardian this is: version, where its data lives, when it started, which database engine it runs on.',
  input: z.strictObject({}),
  output: z.object({
    name: z.string(),
    version: z.string(),
    dataDir: z.string(),
    startedAt: z.number().int(),
    mode: z.enum(['desktop', 'headless']),
    database: DatabaseEngine,
  }),
  permission: 'system:read',
  audit: false,
  http: { method: 'GET', path: '/system/info' },
});

/**
 * One PostgreSQL server for a whole Vitest run (docs/architecture.md §11), a globalSetup of
 * vitest.config.ts: initdb and pg_ctl cost a second or two of CPU each time, and every file testing
 * the async data layer needs PostgreSQL. This process (Vitest's main one) owns the server and
 * hands out its port on a Unix socket; the first test file to ask starts it, so a run without a
 * PostgreSQL test (renderer files, say) never pays for one. Each file makes its own databases on it
 * (main/core/testing/engines.ts) and drops them when it ends.
 *
 * The server goes at teardown; if this process dies first (killed, crashed, Ctrl-C), the server's
 * watchdog stops it and deletes its folder (main/core/testing/postgres.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { TestPostgres } from './postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Unix socket answering the port of the run's PostgreSQL server (started at the first ask); absent under a config without this globalSetup. */
    guardianPostgres?: string;
  }
}

export const SHARED_POSTGRES = 'guardianPostgres';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'guardian-postgres-run-'));
  const socket = join(dir, 'socket');
  let server: Promise<TestPostgres> | undefined;
  const http = createServer((_request, response) => {
    // A failed start is kept too: every file then says why, rather than trying initdb again.
    server ??= TestPostgres.start();
    server.then(
      (started) => response.end(JSON.stringify({ port: started.port })),
      (error: unknown) => {
        response.statusCode = 500;
        response.end(error instanceof Error ? error.message : String(error));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(socket, resolve);
  });
  project.provide(SHARED_POSTGRES, socket);
  return async () => {
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    const started = await server?.catch(() => undefined);
    started?.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
}

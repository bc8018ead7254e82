/**
 * A core over a throwaway data dir behind the real HTTP server on 127.0.0.1, in this process:
 * requests travel the real transport (fastify, cookies, SSE), while the test keeps the core's
 * clock and can read its database. Only tests import this module.
 */
import type { Me } from '@shared/api/auth';
import { LOCAL_OWNER, type Role } from '@shared/permissions';
import { tempCore, type TestCoreOptions } from '@core/testing/harness';
import type { Core } from '@core/app';
import { startHttpServer, type HttpServerOptions } from '../http/server';
import { send, sessionOf, type BrowserSession } from './http-client';

export interface ServedCore {
  core: Core;
  /** e.g. `http://127.0.0.1:43121/`. */
  url: string;
  /** Stops the server, closes the core and removes its data dir. */
  close(): Promise<void>;
}

export async function serveTempCore(options: TestCoreOptions & { prefix?: string; http?: Partial<Omit<HttpServerOptions, 'core'>> } = {}): Promise<ServedCore> {
  const { http, ...coreOptions } = options;
  const temp = await tempCore(coreOptions);
  const server = await startHttpServer({ core: temp.core, host: '127.0.0.1', port: 0, ...http });
  return {
    core: temp.core,
    url: server.url,
    async close() {
      await server.close();
      await temp.close();
    },
  };
}

export interface Account {
  username: string;
  password: string;
  role: Role;
}

/**
 * Adds an account in the core, as `guardian user add` would (its password already its own), and
 * signs it in over HTTP: the browser session that sign-in gave.
 */
export async function signedInAccount(served: ServedCore, account: Account): Promise<BrowserSession & { id: string }> {
  const user = await served.core.accounts.create(LOCAL_OWNER, { ...account, mustChangePassword: false });
  return { ...(await signIn(served, account)), id: user.id };
}

/** Signs an existing account in over HTTP (which must succeed). */
export async function signIn(served: ServedCore, account: Pick<Account, 'username' | 'password'>): Promise<BrowserSession> {
  return sessionOf(await send<Me>(served.url, 'POST', 'api/v1/auth/login', { body: { username: account.username, password: account.password } }));
}

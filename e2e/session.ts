import type { APIRequestContext, Browser, BrowserContext } from '@playwright/test';
import type { Guardian } from './fixtures';

export const OWNER = { username: 'owner', password: 'e2e-correct-horse-battery' };

/**
 * Signs the page in as the owner, creating the owner and finishing the first-run wizard through
 * the API the first time, as if an admin had already onboarded. The request context shares the
 * page's cookies, so the page is signed in.
 */
export async function signedInOwner(request: APIRequestContext, guardian: Guardian): Promise<void> {
  const status = (await (await request.get(`${guardian.url}api/v1/auth/status`)).json()) as { setupRequired: boolean };
  const route = status.setupRequired ? 'setup' : 'login';
  const setup = await request.post(`${guardian.url}api/v1/auth/${route}`, {
    data: OWNER,
    headers: { 'x-guardian-setup-token': guardian.setupToken },
  });
  if (!setup.ok()) throw new Error(`auth.${route} failed: ${setup.status()} ${await setup.text()}`);
  const me = (await setup.json()) as { csrfToken: string };
  const done = await request.post(`${guardian.url}api/v1/onboarding`, {
    data: { step: 'done' },
    headers: { 'x-csrf-token': me.csrfToken },
  });
  if (!done.ok()) throw new Error(`onboarding.update failed: ${done.status()} ${await done.text()}`);
}

/** A POST to the REST API as the signed-in caller of `request`, failing the test on any refusal. */
export type ApiPost = <T>(path: string, data: unknown) => Promise<T>;

/** Signs in as the owner ({@link signedInOwner}) and answers a POST helper carrying the session's CSRF token. */
export async function ownerApi(request: APIRequestContext, guardian: Guardian): Promise<ApiPost> {
  await signedInOwner(request, guardian);
  const status = (await (await request.get(`${guardian.url}api/v1/auth/status`)).json()) as { user: { csrfToken: string } };
  return async <T>(path: string, data: unknown): Promise<T> => {
    const response = await request.post(`${guardian.url}api/v1/${path}`, { headers: { 'x-csrf-token': status.user.csrfToken }, data });
    if (!response.ok()) throw new Error(`POST ${path}: ${response.status()} ${await response.text()}`);
    return (await response.json()) as T;
  };
}

/** An account the owner adds with a temporary password, and the password it then chooses. */
export interface NewAccount {
  username: string;
  role: 'admin' | 'operator' | 'viewer' | 'auditor';
  temporary: string;
  password: string;
}

/**
 * A new browser context signed in as `account`, which the owner (signed in on `ownerRequest`)
 * adds first; signed in and past its first password change through the API (e2e/viewer.spec.ts
 * drives those screens). Close it when done.
 */
export async function signedInNewAccount(browser: Browser, ownerRequest: APIRequestContext, guardian: Guardian, account: NewAccount): Promise<BrowserContext> {
  const status = (await (await ownerRequest.get(`${guardian.url}api/v1/auth/status`)).json()) as { user: { csrfToken: string } };
  const created = await ownerRequest.post(`${guardian.url}api/v1/users`, {
    data: { username: account.username, role: account.role, password: account.temporary },
    headers: { 'x-csrf-token': status.user.csrfToken },
  });
  if (!created.ok()) throw new Error(`users.create failed: ${created.status()} ${await created.text()}`);
  const context = await browser.newContext();
  const login = await context.request.post(`${guardian.url}api/v1/auth/login`, { data: { username: account.username, password: account.temporary } });
  if (!login.ok()) throw new Error(`auth.login failed: ${login.status()} ${await login.text()}`);
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const changed = await context.request.post(`${guardian.url}api/v1/auth/password`, {
    data: { currentPassword: account.temporary, newPassword: account.password },
    headers: { 'x-csrf-token': csrfToken },
  });
  if (!changed.ok()) throw new Error(`auth.changePassword failed: ${changed.status()} ${await changed.text()}`);
  return context;
}

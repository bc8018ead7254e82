import type { APIRequestContext } from '@playwright/test';
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

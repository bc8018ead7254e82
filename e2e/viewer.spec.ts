import { expect, expectAccessible, test } from './fixtures';
import { signedInOwner } from './session';

// What a viewer sees and may do: no add, edit or delete controls, a crafted call refused, and the
// owner signing the viewer out.

const VIEWER = { username: 'vic', temporary: 'temporary viewer pass 1', password: 'viewer chooses own 2026' };

test('a viewer sees no add, edit or delete controls, and a crafted call is refused', async ({ browser, page, guardian, shot }) => {
  // An owner, onboarded, with one server (the wizard's own flow is e2e/onboarding.spec.ts), adds a
  // viewer with a temporary password.
  await signedInOwner(page.request, guardian);
  const owner = (await (await page.request.get(`${guardian.url}api/v1/auth/status`)).json()) as { user: { csrfToken: string } };
  const headers = { 'x-csrf-token': owner.user.csrfToken };
  const server = await page.request.post(`${guardian.url}api/v1/servers`, {
    data: { name: 'guardian-itself', host: '127.0.0.1', port: Number(new URL(guardian.url).port) },
    headers,
  });
  expect(server.ok(), await server.text()).toBe(true);
  const created = await page.request.post(`${guardian.url}api/v1/users`, {
    data: { username: VIEWER.username, role: 'viewer', password: VIEWER.temporary },
    headers,
  });
  expect(created.ok()).toBe(true);

  const context = await browser.newContext();
  const viewer = await context.newPage();
  await viewer.goto(guardian.url);
  await viewer.getByLabel('Username').fill(VIEWER.username);
  await viewer.getByLabel('Password').fill(VIEWER.temporary);
  await viewer.getByRole('button', { name: 'Sign in' }).click();
  await viewer.getByLabel('Current password').fill(VIEWER.temporary);
  await viewer.getByLabel('New password', { exact: true }).fill(VIEWER.password);
  await viewer.getByLabel('Confirm new password').fill(VIEWER.password);
  await expectAccessible(viewer, 'must change password');
  await viewer.getByRole('button', { name: 'Change password' }).click();

  await expect(viewer.getByRole('heading', { name: 'Overview', exact: true })).toBeVisible();
  await viewer.getByRole('link', { name: 'Servers' }).click();
  await expect(viewer.getByRole('heading', { name: 'Servers', exact: true })).toBeVisible();
  await expect(viewer.getByTestId('server-row').filter({ hasText: 'guardian-itself' })).toHaveCount(1);
  await expect(viewer.getByRole('button', { name: 'Add server' })).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: 'Import' })).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: 'Edit guardian-itself' })).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: 'Delete guardian-itself' })).toHaveCount(0);
  await viewer.screenshot({ path: 'e2e/artifacts/onboarding-viewer-servers.png', fullPage: true });
  await expectAccessible(viewer, 'servers (viewer)');

  const crafted = await viewer.evaluate(async () => {
    const status = (await (await fetch('/api/v1/auth/status')).json()) as { user: { csrfToken: string } };
    const response = await fetch('/api/v1/servers', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': status.user.csrfToken },
      body: JSON.stringify({ name: 'sneaky', host: '10.6.6.6' }),
    });
    return { status: response.status, body: (await response.json()) as { error: { code: string } } };
  });
  expect(crafted.status).toBe(403);
  expect(crafted.body.error.code).toBe('PERMISSION_DENIED');

  // The owner sees the viewer's session among everyone's, and signs it out.
  await page.goto(`${guardian.url}#/users`);
  const sessions = page.getByTestId('all-sessions-table');
  const viewerSession = sessions.getByTestId('session-row').filter({ hasText: VIEWER.username });
  await expect(viewerSession).toHaveCount(1);
  await shot('everyones-sessions');
  await expectAccessible(page, 'users');
  await viewerSession.getByRole('button', { name: /^Revoke session of vic/ }).click();
  await expect(viewerSession).toHaveCount(0);
  const after = await viewer.evaluate(async () => (await fetch('/api/v1/servers')).status);
  expect(after).toBe(401);
  await context.close();
});

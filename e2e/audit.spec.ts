import { readFile } from 'node:fs/promises';
import type { APIRequestContext } from '@playwright/test';
import { expect, expectAccessible, test, type Guardian } from './fixtures';
import { signedInOwner } from './session';

// One Guardian per file (worker-scoped fixture): the tests run in order, as an admin would.
test.describe.configure({ mode: 'serial' });

/** The signed-in session's CSRF token, which state-changing API calls carry. */
async function csrfToken(request: APIRequestContext, guardian: Guardian): Promise<string> {
  const status = (await (await request.get(`${guardian.url}api/v1/auth/status`)).json()) as { user: { csrfToken: string } | null };
  if (!status.user) throw new Error('not signed in');
  return status.user.csrfToken;
}

/** Changes made through the API, as a script would: each one is an audit event. */
async function makeChanges(request: APIRequestContext, guardian: Guardian): Promise<void> {
  const headers = { 'x-csrf-token': await csrfToken(request, guardian) };
  const create = async (name: string, host: string) => {
    const response = await request.post(`${guardian.url}api/v1/servers`, { data: { name, host }, headers });
    expect(response.ok(), await response.text()).toBe(true);
    return ((await response.json()) as { id: string }).id;
  };
  const web = await create('audit-web-1', '10.1.0.1');
  await create('audit-db-1', '10.1.0.2');
  const renamed = await request.patch(`${guardian.url}api/v1/servers/${web}`, { data: { name: 'audit-web-renamed' }, headers });
  expect(renamed.ok(), await renamed.text()).toBe(true);
}

test.beforeEach(async ({ page, guardian }) => {
  await signedInOwner(page.request, guardian);
});

test('filter the log by method, open an event, verify the chain', async ({ page, guardian, shot }) => {
  await makeChanges(page.request, guardian);
  await page.goto(`${guardian.url}#/audit`);
  await expect(page.getByRole('heading', { name: 'Audit log', exact: true })).toBeVisible();
  await expect(page.getByTestId('audit-row').first()).toBeVisible();

  await page.getByLabel('Method').selectOption('servers.update');
  const rows = page.getByTestId('audit-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('servers.update');
  await expect(rows.first()).toContainText('ok');

  await rows
    .first()
    .getByRole('button', { name: /Open event/ })
    .click();
  const drawer = page.getByTestId('audit-drawer');
  await expect(drawer.getByTestId('audit-event-details')).toContainText('"name": "audit-web-renamed"');
  await expect(drawer.getByTestId('audit-event-hash')).toHaveText(/^[0-9a-f]{64}$/);
  await expect(drawer.getByTestId('audit-event-previous-hash')).toHaveText(/^[0-9a-f]{64}$/);
  await shot('filtered');
  await expectAccessible(page, 'audit log: event drawer');

  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  const dialog = page.getByTestId('verify-dialog');
  await dialog.getByRole('button', { name: 'Verify', exact: true }).click();
  const verdict = dialog.getByTestId('verify-verdict');
  await expect(verdict).toContainText('Chain intact');
  await expect(verdict.getByTestId('verify-intact')).toContainText('events, chain intact, head hash');
  await expect(verdict.getByTestId('verify-head-hash')).toHaveText(/^[0-9a-f]{64}$/);
  await shot('verified');
  await expectAccessible(page, 'audit log: verified', { screenshot: true });
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toBeHidden();
});

test('export the log as CSV and download it', async ({ page, guardian, shot }) => {
  await page.goto(`${guardian.url}#/audit`);
  await expect(page.getByTestId('audit-row').first()).toBeVisible();
  // The filter bar is kept while the app runs; a fresh page load starts unfiltered.
  await expect(page.getByLabel('Method')).toHaveValue('');

  await page.getByRole('button', { name: 'Export' }).click();
  await page.getByRole('menuitem', { name: /CSV/ }).click();
  const dialog = page.getByTestId('audit-export-dialog');
  const link = dialog.getByTestId('artifact-download');
  await expect(link).toBeVisible();
  await shot('export-ready');
  await expectAccessible(page, 'audit log: export ready');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), link.click()]);
  expect(download.suggestedFilename()).toMatch(/^audit-.*\.csv$/);
  const csv = await readFile(await download.path(), 'utf8');
  const [header] = csv.split('\n');
  expect(header).toBe('seq,at,time,actor,actorName,origin,action,target,outcome,correlationId,details,prevHash,hash');
  for (const name of ['audit-web-1', 'audit-db-1', 'audit-web-renamed']) expect(csv).toContain(name);
  expect(csv).toContain('servers.create');
  expect(csv).toContain('servers.update');
});

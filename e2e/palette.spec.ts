import type { APIRequestContext } from '@playwright/test';
import { expect, expectAccessible, test, type Guardian } from './fixtures';
import { signedInOwner } from './session';

// One Guardian per file (worker-scoped fixture): the tests run in order.
test.describe.configure({ mode: 'serial' });

const SERVER_NAME = 'palette-web-42';

/** Adds a server through the API, as a script would; its id. */
async function createServer(request: APIRequestContext, guardian: Guardian, name: string): Promise<string> {
  const status = (await (await request.get(`${guardian.url}api/v1/auth/status`)).json()) as { user: { csrfToken: string } | null };
  if (!status.user) throw new Error('not signed in');
  const response = await request.post(`${guardian.url}api/v1/servers`, {
    data: { name, host: '10.42.0.1', monitor: false },
    headers: { 'x-csrf-token': status.user.csrfToken },
  });
  expect(response.ok(), await response.text()).toBe(true);
  return ((await response.json()) as { id: string }).id;
}

test.beforeEach(async ({ page, guardian }) => {
  await signedInOwner(page.request, guardian);
});

test('Ctrl+K: jump to a server by part of its name, then to the audit log', async ({ page, guardian, shot }) => {
  const id = await createServer(page.request, guardian, SERVER_NAME);
  await page.goto(guardian.url);
  await expect(page.getByRole('heading', { name: 'Overview', exact: true })).toBeVisible();

  await page.keyboard.press('Control+K');
  const palette = page.getByTestId('command-palette');
  const search = palette.getByRole('combobox');
  await expect(search).toBeFocused();
  await search.fill('web-42');
  const option = palette.getByRole('option', { name: new RegExp(SERVER_NAME) });
  await expect(option).toHaveAttribute('aria-selected', 'true');
  await shot('server-found');
  await expectAccessible(page, 'command palette', { screenshot: true });
  await page.keyboard.press('Enter');
  await expect(palette).toBeHidden();
  await expect(page).toHaveURL(new RegExp(`#/servers/${id}/health$`));
  await expect(page.getByRole('heading', { name: SERVER_NAME })).toBeVisible();
  await expectAccessible(page, 'server health');

  await page.keyboard.press('Control+K');
  await expect(search).toBeFocused();
  await search.fill('audit');
  await expect(palette.getByRole('option', { name: 'Audit log', exact: true })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#\/audit$/);
  await expect(page.getByRole('heading', { name: 'Audit log', exact: true })).toBeVisible();
  await expectAccessible(page, 'audit log');
});

test('the header button opens the palette; Esc closes it and gives the focus back', async ({ page, guardian }) => {
  await page.goto(guardian.url);
  const button = page.getByTestId('palette-button');
  await button.click();
  const palette = page.getByTestId('command-palette');
  await expect(palette.getByRole('combobox')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(palette.getByRole('option').nth(1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Escape');
  await expect(palette).toBeHidden();
  await expect(button).toBeFocused();
  await expectAccessible(page, 'overview');
  await expect(button).toBeFocused();
});

test('a server install says it does not update itself, and shows no update in the header', async ({ page, guardian, shot }) => {
  await page.goto(`${guardian.url}#/settings`);
  const panel = page.getByTestId('updates-panel');
  await expect(panel.getByTestId('updates-unsupported')).toHaveText('Updates are for the desktop app; a server install is updated by whoever installed it.');
  await expect(panel.getByTestId('updates-version')).toContainText('(headless)');
  await expect(page.getByTestId('update-indicator')).toHaveCount(0);
  await shot('settings');
  await expectAccessible(page, 'settings');
});

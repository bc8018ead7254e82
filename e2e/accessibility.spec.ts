import type { Locator } from '@playwright/test';
import { expect, expectAccessible, test } from './fixtures';
import { signedInOwner } from './session';

// Every page an owner can open, found the way a person finds them (the navigation and the user
// menu), checked with axe in both themes. A page added to the app is checked without anyone
// adding it here; the other specs check the dialogs and states their flows show.

/** The pages a group of links leads to, as `#/…` hrefs. */
async function hrefsIn(links: Locator): Promise<string[]> {
  const hrefs = await Promise.all((await links.all()).map((link) => link.getAttribute('href')));
  return hrefs.filter((href): href is string => href?.startsWith('#/') === true);
}

test('every page of the navigation and the user menu, in both themes', async ({ page, guardian }) => {
  test.setTimeout(120_000);
  await signedInOwner(page.request, guardian);
  const status = (await (await page.request.get(`${guardian.url}api/v1/auth/status`)).json()) as { user: { csrfToken: string } };
  const created = await page.request.post(`${guardian.url}api/v1/servers`, {
    data: { name: 'every-page-web', host: '127.0.0.1', port: Number(new URL(guardian.url).port), environment: 'production', tags: ['web'] },
    headers: { 'x-csrf-token': status.user.csrfToken },
  });
  expect(created.ok(), await created.text()).toBe(true);
  const server = (await created.json()) as { id: string };

  await page.goto(guardian.url);
  await expect(page.getByRole('heading', { name: 'Overview', exact: true })).toBeVisible();
  await expectAccessible(page, 'overview (start)');

  const nav = await hrefsIn(page.getByRole('navigation', { name: 'Main' }).getByRole('link'));
  await page.getByTestId('user-menu').click();
  const menu = await hrefsIn(page.getByRole('menuitem'));
  await page.keyboard.press('Escape');
  const pages = [...new Set([...nav, ...menu, `#/servers/${server.id}/health`])];
  // The owner sees every page there is: if one goes missing from the menus, this says so.
  expect(pages.length).toBeGreaterThanOrEqual(12);

  for (const href of pages) {
    await page.goto(`${guardian.url}${href}`);
    await expect(page.locator('main#main h1').first()).toBeVisible();
    // Loaded: no page-level loading state is left (a spinner in a state box).
    await expect(page.locator('main#main .state .spinner')).toHaveCount(0);
    await expectAccessible(page, `page ${href.replace(server.id, ':id')}`, { screenshot: true });
  }
});

test('a test that shows a page without checking it fails', async ({ page, guardian }) => {
  test.fail(true, 'the accessibility fixture (e2e/fixtures.ts) fails a test that showed #/jobs without expectAccessible there');
  await signedInOwner(page.request, guardian);
  await page.goto(`${guardian.url}#/jobs`);
  await expect(page.getByRole('heading', { name: 'Jobs', exact: true })).toBeVisible();
});

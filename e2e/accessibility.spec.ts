import type { Locator, Page } from '@playwright/test';
import { expect, expectAccessible, test, type Guardian } from './fixtures';
import { signedInOwner } from './session';

// Every page an owner can open, found the way a person finds them (the navigation and the user
// menu), checked with axe in both themes. A page added to the app is checked without anyone
// adding it here; the other specs check the dialogs and states their flows show.

/** The pages a group of links leads to, as `#/…` hrefs. */
async function hrefsIn(links: Locator): Promise<string[]> {
  const hrefs = await Promise.all((await links.all()).map((link) => link.getAttribute('href')));
  return hrefs.filter((href): href is string => href?.startsWith('#/') === true);
}

/** The parts the pages are checked in, side by side: one test of every page took a minute. */
const PARTS = 2;
// Each part is a test of its own; with `parallel` the workers share them out, each part signing in
// to its worker's Guardian for this file (e2e/fixtures.ts).
test.describe.configure({ mode: 'parallel' });

/** The one server whose health page is among the pages, found or added through the API. */
async function everyPageServer(page: Page, guardian: Guardian): Promise<string> {
  const status = (await (await page.request.get(`${guardian.url}api/v1/auth/status`)).json()) as { user: { csrfToken: string } };
  const listed = (await (await page.request.get(`${guardian.url}api/v1/servers`)).json()) as { items: { id: string; name: string }[] };
  const existing = listed.items.find((server) => server.name === 'every-page-web');
  if (existing) return existing.id;
  const created = await page.request.post(`${guardian.url}api/v1/servers`, {
    data: { name: 'every-page-web', host: '127.0.0.1', port: Number(new URL(guardian.url).port), environment: 'production', tags: ['web'] },
    headers: { 'x-csrf-token': status.user.csrfToken },
  });
  expect(created.ok(), await created.text()).toBe(true);
  return ((await created.json()) as { id: string }).id;
}

for (let part = 0; part < PARTS; part++) {
  test(`every page of the navigation and the user menu, in both themes (part ${part + 1} of ${PARTS})`, async ({ page, guardian }) => {
    test.setTimeout(120_000);
    await signedInOwner(page.request, guardian);
    const serverId = await everyPageServer(page, guardian);

    // The pages there are, read from the menus of the start page. The first part checks that page
    // itself; the others read the menus on a page of their own, which shows nothing they check.
    const menus = part === 0 ? page : await page.context().newPage();
    await menus.goto(guardian.url);
    await expect(menus.getByRole('heading', { name: 'Overview', exact: true })).toBeVisible();
    if (part === 0) await expectAccessible(page, 'overview (start)');
    const nav = await hrefsIn(menus.getByRole('navigation', { name: 'Main' }).getByRole('link'));
    await menus.getByTestId('user-menu').click();
    const menu = await hrefsIn(menus.getByRole('menuitem'));
    await menus.keyboard.press('Escape');
    if (menus !== page) await menus.close();
    const pages = [...new Set([...nav, ...menu, `#/servers/${serverId}/health`])];
    // The owner sees every page there is: if one goes missing from the menus, this says so.
    expect(pages.length).toBeGreaterThanOrEqual(12);

    // Every PARTS-th page, so a page added to the menus lands in one of the parts.
    for (const href of pages.filter((_, index) => index % PARTS === part)) {
      await page.goto(`${guardian.url}${href}`);
      await expect(page.locator('main#main h1').first()).toBeVisible();
      // Loaded: no page-level loading state is left (a spinner in a state box).
      await expect(page.locator('main#main .state .spinner')).toHaveCount(0);
      await expectAccessible(page, `page ${href.replace(serverId, ':id')}`, { screenshot: true });
    }
  });
}

test('a test that shows a page without checking it fails', async ({ page, guardian }) => {
  test.fail(true, 'the accessibility fixture (e2e/fixtures.ts) fails a test that showed #/jobs without expectAccessible there');
  await signedInOwner(page.request, guardian);
  await page.goto(`${guardian.url}#/jobs`);
  await expect(page.getByRole('heading', { name: 'Jobs', exact: true })).toBeVisible();
});

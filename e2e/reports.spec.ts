import { readFile } from 'node:fs/promises';
import { expect, expectAccessible, test } from './fixtures';
import { signedInOwner } from './session';

test.beforeEach(async ({ page, guardian }) => {
  await signedInOwner(page.request, guardian);
});

test('generate a PDF uptime report and download it', async ({ page, guardian, shot }) => {
  const status = (await (await page.request.get(`${guardian.url}api/v1/auth/status`)).json()) as { user: { csrfToken: string } };
  const created = await page.request.post(`${guardian.url}api/v1/servers`, {
    data: { name: 'report-web-1', host: '10.2.0.1', tags: ['web'], monitor: false },
    headers: { 'x-csrf-token': status.user.csrfToken },
  });
  expect(created.ok(), await created.text()).toBe(true);

  await page.goto(`${guardian.url}#/reports`);
  await expect(page.getByRole('heading', { name: 'Reports', exact: true })).toBeVisible();
  await expectAccessible(page, 'reports', { screenshot: true });
  await page.getByText('Uptime and SLA report', { exact: true }).click();
  await page.getByText('Last 7 days', { exact: true }).click();
  await page.getByText('PDF', { exact: true }).click();
  await page.getByRole('button', { name: 'Generate' }).click();

  const dialog = page.getByTestId('report-dialog');
  await expect(dialog.getByTestId('report-progress')).toBeVisible();
  await shot('progress');
  const link = dialog.getByTestId('artifact-download');
  await expect(link).toBeVisible({ timeout: 30_000 });
  await shot('ready');
  await expectAccessible(page, 'reports: ready');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), link.click()]);
  expect(download.suggestedFilename()).toMatch(/\.pdf$/);
  const pdf = await readFile(await download.path());
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
});

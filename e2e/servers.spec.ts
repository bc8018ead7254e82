import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, expectAccessible, test } from './fixtures';
import { signedInOwner } from './session';

// One Guardian per file (worker-scoped fixture): the tests run in order, as an admin would.
test.describe.configure({ mode: 'serial' });

test.beforeEach(async ({ page, guardian }) => {
  await signedInOwner(page.request, guardian);
  await page.goto(`${guardian.url}#/servers`);
  await expect(page.getByRole('heading', { name: 'Servers', exact: true })).toBeVisible();
});

test('add a server and see it listed', async ({ page, guardian, shot }) => {
  await page.getByRole('button', { name: 'Add server' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('web-1');
  await dialog.getByLabel('Host').fill('10.0.0.5');
  await dialog.getByLabel('SSH port').fill('2222');
  await dialog.getByLabel('User').fill('deploy');
  await dialog.getByLabel('Tags').fill('web, eu-west');
  // Watched by default: a TCP check on the port typed, kept apart from the SSH port.
  await expect(dialog.getByRole('checkbox', { name: 'Watch it with a check' })).toBeChecked();
  await dialog.getByLabel('Port to watch').fill('8443');
  await expectAccessible(page, 'servers: add dialog');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  const toast = page.getByTestId('toast').filter({ hasText: 'Added web-1' });
  await expect(toast).toContainText('Watched by a TCP check on port 8443.');

  // The toast's next step (taken at once: a toast does not wait): the server's page, with its SSH
  // port and what its check watches named apart.
  await toast.getByRole('link', { name: 'Open its health page' }).click();
  await expect(page.getByRole('heading', { name: 'web-1', exact: true })).toBeVisible();
  await expect(page.getByTestId('server-address')).toHaveText('10.0.0.5 · SSH port 2222');
  await expect(page.getByTestId('server-watches')).toHaveText('Watching 10.0.0.5:8443');
  await expectAccessible(page, 'server health: a new server and its default check');

  await page.goto(`${guardian.url}#/servers`);
  const row = page.getByTestId('server-row').filter({ hasText: 'web-1' });
  await expect(row).toContainText('10.0.0.5');
  await expect(row).toContainText('2222');
  await expect(row).toContainText('eu-west');
  // Its status is the engine's (not "Not watched"), and a check can be added from the row.
  await expect(row.getByTestId('server-status').locator('[data-status]')).not.toHaveAttribute('data-status', 'unwatched');
  await expect(row.getByRole('button', { name: 'Add check to web-1' })).toHaveAttribute('title', 'Add check');
  await shot('listed');
  await expectAccessible(page, 'servers');
});

test('add a server with no check, and the list says nothing watches it', async ({ page }) => {
  await page.getByRole('button', { name: 'Add server' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('lab-1');
  await dialog.getByLabel('Host').fill('10.0.0.9');
  await dialog.getByRole('checkbox', { name: 'Watch it with a check' }).uncheck();
  await expect(dialog.getByTestId('server-form-unwatched')).toBeVisible();
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('toast').filter({ hasText: 'Added lab-1' })).toContainText('Not watched');
  const row = page.getByTestId('server-row').filter({ hasText: 'lab-1' });
  await expect(row.getByTestId('server-status')).toHaveText('Not watched');
  await expectAccessible(page, 'servers: a server nothing watches');
  await page.getByRole('button', { name: 'Delete lab-1' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(row).toHaveCount(0);
});

test('edit a server, and get an inline error for port 70000', async ({ page, shot }) => {
  await page.getByRole('button', { name: 'Edit web-1' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('SSH port').fill('70000');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByTestId('server-form-port-error')).toContainText('between 1 and 65535');
  await shot('port-error');
  await expectAccessible(page, 'servers: edit dialog with an error');
  await dialog.getByLabel('SSH port').fill('22');
  await dialog.getByLabel('Host').fill('web-1.example.com');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByTestId('server-row').filter({ hasText: 'web-1' });
  await expect(row).toContainText('web-1.example.com');
  await shot('edited');
});

test('import a CSV with one bad row and see the summary', async ({ page, shot }, testInfo) => {
  mkdirSync(testInfo.outputDir, { recursive: true });
  const file = join(testInfo.outputDir, 'fleet.csv');
  writeFileSync(
    file,
    [
      'name,host,port,user,environment,tags',
      'db-1,10.0.1.1,5432,postgres,production,db',
      'broken,not a host,99999,,,',
      'db-2,10.0.1.2,,,staging,db;replica',
      '',
    ].join('\n'),
  );
  await page.getByRole('button', { name: 'Import' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('File').setInputFiles(file);
  await expect(dialog.getByLabel('Format')).toHaveValue('csv');
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  const summary = dialog.getByTestId('import-summary');
  await expect(summary).toBeVisible();
  await expect(dialog.getByTestId('import-created')).toContainText('2');
  await expect(dialog.getByTestId('import-rejected')).toContainText('1');
  const rejected = dialog.getByTestId('rejected-row');
  await expect(rejected).toHaveCount(1);
  await expect(rejected).toContainText('3');
  await expect(rejected).toContainText('broken');
  await expect(rejected).toContainText('Host must be a DNS name');
  await shot('summary');
  await expectAccessible(page, 'servers: import summary', { screenshot: true });
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByTestId('server-row').filter({ hasText: 'db-2' })).toContainText('staging');
});

test('delete a server after confirming', async ({ page, shot }) => {
  await page.getByRole('button', { name: 'Delete db-1' }).click();
  const dialog = page.getByRole('dialog');
  await shot('confirm');
  await expectAccessible(page, 'servers: delete confirmation', { screenshot: true });
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page.getByTestId('server-row').filter({ hasText: 'db-1' })).toHaveCount(0);
  await expect(page.getByTestId('server-row').filter({ hasText: 'web-1' })).toHaveCount(1);
  await shot('deleted');
});

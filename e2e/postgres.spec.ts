import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { TestPostgres } from '@core/testing/postgres';
import { expect, expectAccessible, serveBuilt, test, type Guardian } from './fixtures';

// The built `guardian serve --ui` on PostgreSQL (GUARDIAN_DATABASE_URL), from the first-run wizard
// to a server added on the servers page and seen on the overview: the same flow as on SQLite
// (e2e/onboarding.spec.ts, e2e/servers.spec.ts), with a PostgreSQL server this file starts itself.
test.describe.configure({ mode: 'serial' });

const OWNER = { username: 'grace', password: 'compiler of the a-0 system' };
const VAULT_PASSPHRASE = 'the vault of the mark one computer';

let postgres: TestPostgres | undefined;
let serve: { child: ChildProcess; guardian: Guardian } | undefined;

test.beforeAll(async () => {
  postgres = await TestPostgres.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'guardian-e2e-pg-'));
  const { child, url } = await serveBuilt(dataDir, 0, { GUARDIAN_DATABASE_URL: await postgres.createDatabase() });
  serve = { child, guardian: { url, dataDir, setupToken: readFileSync(join(dataDir, 'setup-token'), 'utf8').trim() } };
});

test.afterAll(async () => {
  if (serve) {
    const { child, guardian } = serve;
    child.kill('SIGTERM');
    await new Promise((done) => (child.exitCode === null ? child.once('exit', done) : done(null)));
    rmSync(guardian.dataDir, { recursive: true, force: true });
  }
  postgres?.destroy();
});

const running = (): Guardian => {
  if (!serve) throw new Error('guardian serve did not start');
  return serve.guardian;
};

test('on PostgreSQL: the first-run wizard, a server added, listed and on the overview, and /readyz naming postgres', async ({ page }) => {
  const guardian = running();
  const ready = (await (await page.request.get(`${guardian.url}readyz`)).json()) as { status: string; database: { engine: string; version: string } };
  expect(ready).toMatchObject({ status: 'ready', database: { engine: 'postgres' } });
  expect(ready.database.version).toMatch(/^\d+\.\d+/);

  await page.goto(`${guardian.url}#setup=${guardian.setupToken}`);
  await expect(page.getByText(/Step 1 of 8/)).toBeVisible();
  await expectAccessible(page, 'postgres: wizard welcome');
  await page.getByRole('button', { name: 'Get started' }).click();

  await expect(page.getByText(/Step 2 of 8/)).toBeVisible();
  await page.getByLabel('Username').fill(OWNER.username);
  await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
  await page.getByLabel('Confirm password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Create owner account' }).click();

  await expect(page.getByText(/Step 3 of 8/)).toBeVisible();
  await page.getByRole('button', { name: 'Set up two-factor' }).click();
  await expect(page.getByAltText('QR code for your authenticator app')).toBeVisible();
  const totpSecret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s+/g, '');
  await page.getByLabel('Code').fill(new TOTP({ secret: Secret.fromBase32(totpSecret) }).generate());
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByTestId('recovery-codes')).toBeVisible();
  await page.getByRole('checkbox', { name: 'I have saved these codes somewhere safe' }).check();
  await page.getByRole('button', { name: 'Continue' }).click();

  await expect(page.getByText(/Step 4 of 8/)).toBeVisible();
  await page.getByLabel('Vault passphrase', { exact: true }).fill(VAULT_PASSPHRASE);
  await page.getByLabel('Confirm vault passphrase').fill(VAULT_PASSPHRASE);
  await page.getByRole('button', { name: 'Protect the vault' }).click();

  await expect(page.getByText(/Step 5 of 8/)).toBeVisible();
  await page.getByRole('button', { name: 'Continue' }).click();

  // The first server: Guardian itself, watched on the port it serves on, so its check is up.
  await expect(page.getByText(/Step 6 of 8/)).toBeVisible();
  await page.getByLabel('Name').fill('guardian-itself');
  await page.getByLabel('Host').fill('127.0.0.1');
  await page.getByLabel('Port to watch').fill(new URL(guardian.url).port);
  await page.getByRole('button', { name: 'Add server' }).click();

  // How alerts reach the owner: optional, skipped here (e2e/alerts.spec.ts sets channels up).
  await expect(page.getByText(/Step 7 of 8/)).toBeVisible();
  await page.getByRole('button', { name: 'Skip for now' }).click();

  await expect(page.getByText(/Step 8 of 8/)).toBeVisible();
  await expect(page.getByTestId('wizard-server-status').locator('[data-status]')).toHaveAttribute('data-status', 'up');
  await page.getByRole('button', { name: 'Go to the overview' }).click();
  await expect(page.getByRole('heading', { name: 'Overview', exact: true })).toBeVisible();
  await expect(page.getByTestId('status-cell').filter({ hasText: 'guardian-itself' })).toHaveAttribute('data-status', 'up');
  await expectAccessible(page, 'postgres: overview, the first server');

  // Another server, added on the servers page.
  await page.goto(`${guardian.url}#/servers`);
  await expect(page.getByRole('heading', { name: 'Servers', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Add server' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('web-1');
  await dialog.getByLabel('Host').fill('127.0.0.1');
  await dialog.getByLabel('Port to watch').fill(new URL(guardian.url).port);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('toast').filter({ hasText: 'Added web-1' })).toBeVisible();
  const row = page.getByTestId('server-row').filter({ hasText: 'web-1' });
  await expect(row).toContainText('127.0.0.1');
  await expect(page.getByTestId('server-row')).toHaveCount(2);
  await expectAccessible(page, 'postgres: servers');

  // Both on the overview, up: their results were written to PostgreSQL and read back.
  await page.goto(`${guardian.url}#/`);
  await expect(page.getByRole('heading', { name: 'Overview', exact: true })).toBeVisible();
  for (const name of ['guardian-itself', 'web-1']) {
    await expect(page.getByTestId('status-cell').filter({ hasText: name })).toHaveAttribute('data-status', 'up');
  }
  await expect(page.getByTestId('status-count-up')).toContainText('2');
  await expectAccessible(page, 'postgres: overview');
});

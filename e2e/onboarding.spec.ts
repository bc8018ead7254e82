import { Secret, TOTP } from 'otpauth';
import { expect, expectAccessible, test } from './fixtures';

// From an empty data dir through the wizard, then sign-in with TOTP and with a recovery code (a
// viewer's view is e2e/viewer.spec.ts).
test.describe.configure({ mode: 'serial' });

const OWNER = { username: 'ada', password: 'analytical engine 1843' };
const VAULT_PASSPHRASE = 'the vault of the difference engine';
let totpSecret = '';
let recoveryCodes: string[] = [];

/** A code for the next time step: the enrolment used the current one, and codes work once. */
function nextCode(secret: string): string {
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + 30_000 });
}

test('the first-run wizard, from an empty data dir to the overview', async ({ page, guardian, shot }) => {
  // The link `guardian serve --ui` prints while there is no owner.
  await page.goto(`${guardian.url}#setup=${guardian.setupToken}`);
  await expect(page.getByText(/Step 1 of 8/)).toBeVisible();
  await shot('welcome');
  await expectAccessible(page, 'wizard: welcome', { screenshot: true });
  await page.getByRole('button', { name: 'Get started' }).click();

  await expect(page.getByText(/Step 2 of 8/)).toBeVisible();
  await page.getByLabel('Username').fill(OWNER.username);
  await page.getByLabel('Password', { exact: true }).fill('short');
  await expect(page.getByText(/At least 12 characters/)).toBeVisible();
  await expectAccessible(page, 'wizard: owner account', { screenshot: true });
  await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
  await page.getByLabel('Confirm password').fill(OWNER.password);
  await shot('owner');
  await page.getByRole('button', { name: 'Create owner account' }).click();

  await expect(page.getByText(/Step 3 of 8/)).toBeVisible();
  await expectAccessible(page, 'wizard: two-factor');
  await page.getByRole('button', { name: 'Set up two-factor' }).click();
  await expect(page.getByAltText('QR code for your authenticator app')).toBeVisible();
  totpSecret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s+/g, '');
  expect(totpSecret).toMatch(/^[A-Z2-7]{16,}$/);
  await expectAccessible(page, 'wizard: two-factor QR code', { screenshot: true });
  await page.getByLabel('Code').fill(new TOTP({ secret: Secret.fromBase32(totpSecret) }).generate());
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByTestId('recovery-codes')).toBeVisible();
  recoveryCodes = ((await page.getByTestId('recovery-codes').textContent()) ?? '').match(/[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}/g) ?? [];
  expect(recoveryCodes).toHaveLength(10);
  await shot('recovery-codes');
  await expectAccessible(page, 'wizard: recovery codes', { screenshot: true });
  // Download and print are offered; going on waits for "I have saved them".
  await expect(page.getByRole('button', { name: 'Download' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Print' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Continue' })).toBeDisabled();
  await page.getByRole('checkbox', { name: 'I have saved these codes somewhere safe' }).check();
  await page.getByRole('button', { name: 'Continue' }).click();

  await expect(page.getByText(/Step 4 of 8/)).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Protect your vault' })).toBeVisible();
  // guardian serve has no OS keychain: the step says why and asks for a passphrase instead.
  await expect(page.getByTestId('vault-step-os-reason')).toContainText('key file');
  await page.getByLabel('Vault passphrase', { exact: true }).fill(VAULT_PASSPHRASE);
  await page.getByLabel('Confirm vault passphrase').fill(VAULT_PASSPHRASE);
  await shot('vault');
  await expectAccessible(page, 'wizard: vault', { screenshot: true });
  await page.getByRole('button', { name: 'Protect the vault' }).click();

  await expect(page.getByText(/Step 5 of 8/)).toBeVisible();
  await expect(page.getByLabel('Check every (seconds)')).toHaveValue('60');
  await expectAccessible(page, 'wizard: monitoring', { screenshot: true });
  await page.getByRole('button', { name: 'Continue' }).click();

  await expect(page.getByText(/Step 6 of 8/)).toBeVisible();
  await page.getByLabel('Name').fill('guardian-itself');
  await page.getByLabel('Host').fill('127.0.0.1');
  // The port tested is the one the check watches; the SSH port stays 22.
  await page.getByLabel('Port to watch').fill(new URL(guardian.url).port);
  await expect(page.getByLabel('SSH port')).toHaveValue('22');
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByTestId('probe-result')).toHaveAttribute('data-reachable', 'true');
  await expect(page.getByTestId('probe-result')).toContainText(/127\.0\.0\.1:\d+ answered in \d+ ms/);
  await shot('server-test');
  await expectAccessible(page, 'wizard: first server', { screenshot: true });
  await page.getByRole('button', { name: 'Add server' }).click();

  // How alerts reach the owner: optional, skipped here (the Alerts page's flow sets channels up).
  await expect(page.getByText(/Step 7 of 8/)).toBeVisible();
  await expect(page.getByLabel('Send alerts by')).toHaveValue('email');
  await expectAccessible(page, 'wizard: alerts');
  await page.getByRole('button', { name: 'Skip for now' }).click();

  await expect(page.getByText(/Step 8 of 8/)).toBeVisible();
  // The first server's check ran as soon as it was saved: its live status is on the last step.
  await expect(page.getByTestId('wizard-server-status').locator('[data-status]')).toHaveAttribute('data-status', 'up');
  await expect(page.getByRole('link', { name: 'accounts for the people who work with you' })).toHaveAttribute('href', '#/users');
  await expectAccessible(page, 'wizard: done', { screenshot: true });
  await page.getByRole('button', { name: 'Go to the overview' }).click();
  await expect(page.getByRole('heading', { name: 'Overview', exact: true })).toBeVisible();
  await expect(page.getByTestId('status-cell').filter({ hasText: 'guardian-itself' })).toHaveAttribute('data-status', 'up');
  await expect(page.getByTestId('status-count-up')).toContainText('1');
  await shot('overview');
  await expectAccessible(page, 'overview: the first server up');
});

test('sign in with a TOTP code, then sign out', async ({ page, guardian, shot }) => {
  await page.goto(guardian.url);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expectAccessible(page, 'sign in');
  await page.getByLabel('Username').fill(OWNER.username);
  await page.getByLabel('Password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByLabel('One-time code')).toBeVisible();
  await shot('mfa');
  await expectAccessible(page, 'sign in: one-time code', { screenshot: true });
  await page.getByLabel('One-time code').fill(nextCode(totpSecret));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Overview', exact: true })).toBeVisible();
  await expect(page.getByTestId('status-cell')).toHaveAttribute('aria-label', /^guardian-itself: /);
  await expectAccessible(page, 'overview', { screenshot: true });

  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expectAccessible(page, 'sign in, after signing out');
  const status = (await (await page.request.get(`${guardian.url}api/v1/auth/status`)).json()) as { user: unknown };
  expect(status.user).toBeNull();

  // The TOTP step was used by this sign-in; a recovery code works once, at any time.
  const withCode = { username: OWNER.username, password: OWNER.password, code: recoveryCodes[0] };
  expect((await page.request.post(`${guardian.url}api/v1/auth/login`, { data: withCode })).ok()).toBe(true);
  expect((await page.request.post(`${guardian.url}api/v1/auth/login`, { data: withCode })).ok()).toBe(false);
});

import { Secret, TOTP } from 'otpauth';
import { expect, expectAccessible, test } from './fixtures';
import { tabTo } from './testing/keyboard';

// The first hour without a mouse: the first-run wizard, then signing in and working on the
// servers, the overview and a server's health with Tab, Shift+Tab, Enter and Escape alone. After
// every action focus is where a keyboard user expects it (the result, the next control, or the
// control that started it), never on the page body; every Tab stop shows its focus.
test.describe.configure({ mode: 'serial' });

const OWNER = { username: 'kim', password: 'keyboard only, all the way' };
const VAULT_PASSPHRASE = 'a passphrase typed without a mouse';
const SERVER = 'keyboard-web';
let totpSecret = '';

const totp = (at: number) => new TOTP({ secret: Secret.fromBase32(totpSecret) }).generate({ timestamp: at });

test('the first-run wizard with the keyboard alone', async ({ page, guardian, shot }) => {
  await page.goto(`${guardian.url}#setup=${guardian.setupToken}`);
  const start = page.getByRole('button', { name: 'Get started' });
  await expect(start).toBeFocused();
  await expectAccessible(page, 'wizard: welcome');
  await page.keyboard.press('Enter');

  // Owner account: the first field has focus; Tab walks the form, Enter on the button submits.
  await expect(page.getByLabel('Username')).toBeFocused();
  await page.keyboard.type(OWNER.username);
  await tabTo(page, page.getByLabel('Password', { exact: true }));
  await page.keyboard.type(OWNER.password);
  await tabTo(page, page.getByLabel('Confirm password'));
  await page.keyboard.type(OWNER.password);
  await tabTo(page, page.getByRole('button', { name: 'Create owner account' }));
  await page.keyboard.press('Enter');

  // Two-factor: confirming the code shows the recovery codes, and focus goes to them.
  await expect(page.getByRole('button', { name: 'Set up two-factor' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Code')).toBeFocused();
  totpSecret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s+/g, '');
  await page.keyboard.type(totp(Date.now()));
  await tabTo(page, page.getByRole('button', { name: 'Confirm' }));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('recovery-codes-notice')).toBeFocused();
  await tabTo(page, page.getByRole('checkbox', { name: 'I have saved these codes somewhere safe' }));
  await page.keyboard.press('Space');
  await tabTo(page, page.getByRole('button', { name: 'Continue' }));
  await page.keyboard.press('Enter');

  // Vault and monitoring defaults.
  await expect(page.getByLabel('Vault passphrase', { exact: true })).toBeFocused();
  await page.keyboard.type(VAULT_PASSPHRASE);
  await tabTo(page, page.getByLabel('Confirm vault passphrase'));
  await page.keyboard.type(VAULT_PASSPHRASE);
  await tabTo(page, page.getByRole('button', { name: 'Protect the vault' }));
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Check every (seconds)')).toBeFocused();
  await tabTo(page, page.getByRole('button', { name: 'Continue' }));
  await page.keyboard.press('Enter');

  // First server: "Test connection" keeps focus while it runs and after it answers.
  await expect(page.getByLabel('Name')).toBeFocused();
  await page.keyboard.type(SERVER);
  await tabTo(page, page.getByLabel('Host'));
  await page.keyboard.type('127.0.0.1');
  await tabTo(page, page.getByLabel('Port to watch'));
  await page.keyboard.press('Control+A');
  await page.keyboard.type(new URL(guardian.url).port);
  const testConnection = page.getByRole('button', { name: /Test connection|Testing…/ });
  await tabTo(page, testConnection);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('probe-result')).toHaveAttribute('data-reachable', 'true');
  await expect(testConnection).toBeFocused();
  await tabTo(page, page.getByRole('button', { name: 'Add server' }));
  await page.keyboard.press('Enter');

  // How alerts reach the owner: the choice takes the focus, and the step can be skipped by the keyboard.
  await expect(page.getByLabel('Send alerts by')).toBeFocused();
  await tabTo(page, page.getByRole('button', { name: 'Skip for now' }));
  await page.keyboard.press('Enter');

  // Leaving the wizard: the overview, with focus at its content.
  await expect(page.getByRole('button', { name: 'Go to the overview' })).toBeFocused();
  await shot('wizard-end');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Overview', exact: true })).toBeVisible();
  await expect(page).toHaveURL(/#\/overview$/);
  await expect(page.locator('main#main')).toBeFocused();
  await expectAccessible(page, 'overview');
});

test('sign in with a code, then the servers, the overview and a server by keyboard', async ({ page, guardian, shot }) => {
  test.setTimeout(120_000);
  const nav = page.getByRole('navigation', { name: 'Main' });
  // Sign in: the code field takes focus when it appears; after it, focus is at the app's content.
  await page.goto(guardian.url);
  await expect(page.getByLabel('Username')).toBeFocused();
  await page.keyboard.type(OWNER.username);
  await tabTo(page, page.getByLabel('Password'));
  await page.keyboard.type(OWNER.password);
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('One-time code')).toBeFocused();
  // The wizard used the current time step, and a code works once: the next step's code.
  await page.keyboard.type(totp(Date.now() + 30_000));
  await tabTo(page, page.getByRole('button', { name: 'Sign in' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Overview', exact: true })).toBeVisible();
  await expect(page.locator('main#main')).toBeFocused();
  await expectAccessible(page, 'overview');

  // A page chosen in the navigation starts the keyboard at its content.
  await tabTo(page, nav.getByRole('link', { name: 'Servers' }), { backwards: true });
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#\/servers$/);
  await expect(page.locator('main#main')).toBeFocused();
  await expectAccessible(page, 'servers');

  // "Skip to content" is the first stop on a fresh page; it moves focus and keeps the page.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Servers', exact: true })).toBeVisible();
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.locator('main#main')).toBeFocused();
  await expect(page).toHaveURL(/#\/servers$/);
  await expect(page.getByRole('heading', { name: 'Servers', exact: true })).toBeVisible();

  // Add a second server in the dialog, watched by its default check on the port typed; when the
  // dialog closes, focus is back on "Add server", and the list soon says the server is up.
  const add = page.getByRole('button', { name: 'Add server' }).first();
  await tabTo(page, add);
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByLabel('Name')).toBeFocused();
  await page.keyboard.type('keyboard-db');
  await tabTo(page, dialog.getByLabel('Host'));
  await page.keyboard.type('127.0.0.1');
  await tabTo(page, dialog.getByLabel('Port to watch'));
  await page.keyboard.type(new URL(guardian.url).port);
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  const added = page.getByTestId('server-row').filter({ hasText: 'keyboard-db' });
  await expect(added).toHaveCount(1);
  await expect(add).toBeFocused();
  await expect(added).toContainText('Up', { timeout: 15_000 });
  await shot('servers-list-with-status');

  // Export as JSON from the menu: the file downloads and focus is back on "Export".
  const exportButton = page.getByRole('button', { name: 'Export' });
  await tabTo(page, exportButton, { backwards: true });
  await page.keyboard.press('Enter');
  await expect(page.getByRole('menuitem', { name: /JSON/ })).toBeFocused();
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  expect(download.suggestedFilename()).toMatch(/\.json$/);
  await expect(exportButton).toBeFocused();

  // Open a server from the table: its page, focus at the content. The row's icon-only action
  // names itself in a tip while it has focus (a title shows only to the pointer).
  const healthLink = page.getByRole('link', { name: `Health of ${SERVER}` });
  await tabTo(page, healthLink);
  const tip = await healthLink.evaluate(
    (element) => (globalThis as unknown as { getComputedStyle(e: unknown, pseudo: string): { content: string } }).getComputedStyle(element, '::after').content,
  );
  expect(tip).toBe(`"Health of ${SERVER}"`);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: SERVER })).toBeVisible();
  await expect(page.locator('main#main')).toBeFocused();
  await expectAccessible(page, 'server health');
  await shot('server-page');

  // The check editor's Test runs inside the dialog and leaves focus on Test; Escape closes the
  // dialog and gives focus back to the button that opened it.
  const addCheck = page.getByRole('button', { name: 'Add check' }).first();
  await tabTo(page, addCheck);
  await page.keyboard.press('Enter');
  const editor = page.getByTestId('check-editor');
  await expect(editor.getByLabel('Type')).toBeFocused();
  const runTest = editor.getByRole('button', { name: /^(Test|Testing…)$/ });
  await tabTo(page, runTest);
  await page.keyboard.press('Enter');
  await expect(editor.getByTestId('check-test-result')).toBeVisible();
  await expect(runTest).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(editor).toBeHidden();
  await expect(addCheck).toBeFocused();

  // The overview's grid: a cell opens the server, focus at the content again.
  await tabTo(page, nav.getByRole('link', { name: 'Overview' }), { backwards: true });
  await page.keyboard.press('Enter');
  await expect(page.locator('main#main')).toBeFocused();
  await expectAccessible(page, 'overview');
  // The grid names each server, and the new one is up there too.
  await expect(page.getByTestId('status-cell').filter({ hasText: 'keyboard-db' })).toHaveAttribute('aria-label', /^keyboard-db: up/i);
  await shot('overview-with-names');
  // One cell of the grid is in the tab order; the arrow keys move between the others.
  const cell = page.getByTestId('status-cell').and(page.locator('[tabindex="0"]'));
  await tabTo(page, cell);
  const name = ((await cell.getAttribute('aria-label')) ?? '').split(':')[0] ?? '';
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#\/servers\/[^/]+\/health$/);
  await expect(page.getByRole('heading', { name, exact: true })).toBeVisible();
  await expect(page.locator('main#main')).toBeFocused();
});

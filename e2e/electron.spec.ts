import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { packageRoot } from '@core/paths';
import { findElectronBinary } from '../main/headless/start';

// The real desktop app: Electron, the sandboxed preload, app:// and IPC, from an empty data
// folder through the first run. The GitHub workflow runs it in a step of its own, under xvfb with
// GUARDIAN_ELECTRON_E2E=1; anywhere else it reports itself as not run, and why.

const electronBinary = findElectronBinary();
// Skipped, with the reason in the report, where Electron's binary is missing (our build machines
// cannot download it) or outside the workflow's xvfb step (no display to open a window on).
const notRunBecause =
  electronBinary === undefined
    ? "Electron's binary is not installed here (it is downloaded from GitHub); the GitHub workflow runs this spec"
    : process.env.GUARDIAN_ELECTRON_E2E
      ? null
      : 'it needs a display: run it under xvfb-run with GUARDIAN_ELECTRON_E2E=1, as the GitHub workflow does';
// Skipped only where Electron cannot run (no binary: it downloads from GitHub; no display), with
// the reason in the report; the GitHub workflow installs both and runs this spec.
test.skip(notRunBecause !== null, notRunBecause ?? '');
test.describe.configure({ mode: 'serial' });

const OWNER = { username: 'desk', password: 'desktop e2e passphrase 2026' };
const VAULT_PASSPHRASE = 'the vault of the desktop shell';

let app: ElectronApplication | undefined;
let configHome = '';

test.beforeAll(async () => {
  // userData is $XDG_CONFIG_HOME/<productName> on Linux: an empty one per run.
  configHome = mkdtempSync(join(tmpdir(), 'guardian-electron-e2e-'));
  app = await electron.launch({
    executablePath: electronBinary,
    args: [packageRoot],
    env: { ...process.env, XDG_CONFIG_HOME: configHome, GUARDIAN_LOG_LEVEL: 'warn' },
  });
});

test.afterAll(async () => {
  await app?.close();
  if (configHome) rmSync(configHome, { recursive: true, force: true });
});

function launched(): ElectronApplication {
  if (!app) throw new Error('Electron did not launch');
  return app;
}

test('the first run, then a server, in the desktop app', async () => {
  const page = await launched().firstWindow();
  expect(page.url()).toBe('app://app/index.html');

  await expect(page.getByText(/Step 1 of 8/)).toBeVisible();
  await page.getByRole('button', { name: 'Get started' }).click();

  await expect(page.getByText(/Step 2 of 8/)).toBeVisible();
  await page.getByLabel('Username').fill(OWNER.username);
  await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
  await page.getByLabel('Confirm password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Create owner account' }).click();

  await expect(page.getByText(/Step 3 of 8/)).toBeVisible();
  await page.getByRole('button', { name: 'Skip for now' }).click();

  await expect(page.getByText(/Step 4 of 8/)).toBeVisible();
  await page.getByLabel('Vault passphrase', { exact: true }).fill(VAULT_PASSPHRASE);
  await page.getByLabel('Confirm vault passphrase').fill(VAULT_PASSPHRASE);
  await page.getByRole('button', { name: 'Protect the vault' }).click();

  await expect(page.getByText(/Step 5 of 8/)).toBeVisible();
  await expect(page.getByLabel('Check every (seconds)')).toHaveValue('60');
  await page.getByRole('button', { name: 'Continue' }).click();

  await expect(page.getByText(/Step 6 of 8/)).toBeVisible();
  await page.getByRole('button', { name: 'Skip', exact: true }).click();

  await expect(page.getByText(/Step 7 of 8/)).toBeVisible();
  await page.getByRole('button', { name: 'Skip for now' }).click();

  await expect(page.getByText(/Step 8 of 8/)).toBeVisible();
  await page.getByRole('button', { name: 'Go to servers' }).click();
  await expect(page.getByRole('heading', { name: 'Servers', exact: true })).toBeVisible();

  await page.getByRole('button', { name: 'Add server' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('desk-1');
  await dialog.getByLabel('Host').fill('10.0.0.7');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('server-row').filter({ hasText: 'desk-1' })).toHaveCount(1);
});

test('the page sees window.guardian (call, subscribe) and no Node', async () => {
  const page = await launched().firstWindow();
  const seen = await page.evaluate(() => {
    const bridge = (globalThis as { guardian?: object }).guardian;
    return {
      bridgeKeys: bridge ? Object.keys(bridge).sort() : null,
      require: typeof require,
      process: typeof process,
    };
  });
  expect(seen).toEqual({ bridgeKeys: ['call', 'subscribe'], require: 'undefined', process: 'undefined' });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, expectAccessible, test } from './fixtures';
import { OWNER, signedInOwner } from './session';

// The vault as an admin uses it: create, store an SSH key and a password, reveal after
// re-authenticating and watch the value hide itself, lock and unlock, rotate the data key.
test.describe.configure({ mode: 'serial' });

const PASSPHRASE = 'a vault passphrase for e2e';
const DB_PASSWORD = 'CANARY-e2e-db-password-4f1c';

/** A throw-away ed25519 key from ssh-keygen, and its fingerprint as ssh-keygen prints it. */
function sshKey(): { privateKey: string; fingerprint: string } {
  const dir = mkdtempSync(join(tmpdir(), 'guardian-e2e-key-'));
  try {
    const file = join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'e2e@guardian', '-f', file]);
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', `${file}.pub`], { encoding: 'utf8' }).split(' ')[1] ?? '';
    return { privateKey: readFileSync(file, 'utf8'), fingerprint };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test.beforeEach(async ({ page, guardian }) => {
  await signedInOwner(page.request, guardian);
  await page.goto(`${guardian.url}#/vault`);
});

test('create the vault and store an SSH key and a password', async ({ page, shot }) => {
  await expect(page.getByTestId('vault-create')).toBeVisible();
  await expectAccessible(page, 'vault: create');
  await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await page.getByLabel('Confirm passphrase').fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Create vault' }).click();
  await expect(page.getByTestId('vault-state')).toContainText('Unlocked');

  const key = sshKey();
  await page.getByRole('button', { name: 'Add secret' }).click();
  let dialog = page.getByTestId('secret-form-dialog');
  await dialog.getByLabel('Kind').selectOption({ label: 'SSH key' });
  await dialog.getByLabel('Name', { exact: true }).fill('deploy key');
  await dialog.getByLabel('Private key').fill(key.privateKey);
  // The key is parsed and its fingerprint shown before anything is saved.
  await expect(dialog.getByTestId('key-fingerprint')).toHaveText(key.fingerprint);
  await shot('ssh-key');
  await expectAccessible(page, 'vault: SSH key dialog', { screenshot: true });
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();

  await page.getByRole('button', { name: 'Add secret' }).click();
  dialog = page.getByTestId('secret-form-dialog');
  await dialog.getByLabel('Kind').selectOption({ label: 'Password' });
  await dialog.getByLabel('Name', { exact: true }).fill('db admin');
  await dialog.getByLabel('Username').fill('postgres');
  await dialog.getByLabel('Password').fill(DB_PASSWORD);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();

  await expect(page.getByTestId('secret-row')).toHaveCount(2);
  await expect(page.getByTestId('secret-row').filter({ hasText: 'deploy key' })).toContainText(key.fingerprint);
  await expect(page.getByTestId('secret-row').filter({ hasText: 'db admin' })).toContainText('postgres');
  // Listing shows metadata only: the value is nowhere on the page.
  await expect(page.locator('body')).not.toContainText(DB_PASSWORD);
  await shot('list');
  await expectAccessible(page, 'vault: secrets');
});

test('reveal a password after re-authenticating, and watch it hide after 30 s', async ({ page, shot }) => {
  // The page's clock runs as the wall clock does until the spec moves it on: the 30 s are the
  // page's own timers, passed by runFor instead of waited for.
  await page.clock.install();
  await page.reload();
  await page.getByRole('button', { name: 'Reveal db admin', exact: true }).click();
  const dialog = page.getByTestId('secret-access-dialog');
  await dialog.getByLabel('Your password').fill(OWNER.password);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  const value = dialog.getByTestId('revealed-value');
  await expect(value).toContainText(DB_PASSWORD);
  await expect(dialog.getByTestId('reveal-countdown')).toContainText(/Hides in \d+ s/);
  await shot('revealed');
  await expectAccessible(page, 'vault: revealed value');
  // Time stops (a second on from the page's now, which the clock may have passed by the time it is
  // told); the countdown then says how much of the 30 s is left. A second before that has passed
  // the value is still there, a second later it has hidden itself.
  await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 1_000);
  const countdown = dialog.getByTestId('reveal-countdown');
  const left = Number(/^Hides in (\d+) s$/.exec((await countdown.textContent()) ?? '')?.[1]);
  expect(left).toBeGreaterThanOrEqual(2);
  expect(left).toBeLessThanOrEqual(30);
  await page.clock.runFor((left - 1) * 1_000);
  await expect(countdown).toHaveText('Hides in 1 s');
  await expect(value).toContainText(DB_PASSWORD);
  await page.clock.runFor(1_000);
  await expect(value).toBeHidden();
  await expect(dialog.getByTestId('reveal-hidden')).toBeVisible();
  await expect(dialog).not.toContainText(DB_PASSWORD);
  await shot('hidden');
  await dialog.getByRole('button', { name: 'Close' }).click();
});

test('lock and unlock the vault', async ({ page, shot }) => {
  await page.getByRole('button', { name: 'Lock vault' }).click();
  await expect(page.getByTestId('vault-locked')).toBeVisible();
  // Metadata stays browsable while locked; values cannot be reached.
  await expect(page.getByTestId('secret-row')).toHaveCount(2);
  await expect(page.getByRole('button', { name: 'Reveal db admin', exact: true })).toBeDisabled();
  await shot('locked');
  await expectAccessible(page, 'vault: locked');
  await page.getByLabel('Vault passphrase').fill('not the passphrase at all');
  await page.getByRole('button', { name: 'Unlock vault' }).click();
  await expect(page.getByTestId('vault-unlock-error')).toContainText('passphrase is wrong');
  await page.getByLabel('Vault passphrase').fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Unlock vault' }).click();
  await expect(page.getByTestId('vault-state')).toContainText('Unlocked');
});

test('rotate the data key with a progress view', async ({ page, guardian, shot }) => {
  await page.getByRole('button', { name: 'Rotate data key' }).click();
  await page.getByTestId('rotate-dialog').getByRole('button', { name: 'Rotate data key' }).click();
  await expect(page.getByTestId('rotation-result')).toContainText('2 secrets re-sealed');
  await shot('rotated');
  await expectAccessible(page, 'vault: rotated');
  // The password still opens after the rotation. Each test signs in anew, so re-authenticate first.
  const me = (await (await page.request.get(`${guardian.url}api/v1/auth/me`)).json()) as { csrfToken: string };
  const reauth = await page.request.post(`${guardian.url}api/v1/auth/reauth`, {
    headers: { 'x-csrf-token': me.csrfToken },
    data: { password: OWNER.password },
  });
  expect(reauth.ok()).toBe(true);
  const secrets = (await (await page.request.get(`${guardian.url}api/v1/secrets`)).json()) as { items: { id: string; name: string }[] };
  const db = secrets.items.find((secret) => secret.name === 'db admin');
  const revealed = await page.request.post(`${guardian.url}api/v1/secrets/${db?.id}/reveal`, { headers: { 'x-csrf-token': me.csrfToken }, data: {} });
  expect(((await revealed.json()) as { value: { password: string } }).value.password).toBe(DB_PASSWORD);
});

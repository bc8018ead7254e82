import { TestSshd } from '@core/testing/sshd';
import { expect, expectAccessible, test } from './fixtures';
import { ownerApi } from './session';

// The terminal against a real OpenSSH server on loopback (main/core/testing/sshd.ts), its key in
// the vault linked to it: the owner opens a terminal from the server's page, types a command and
// sees its answer drawn by xterm.js with its theme applied under the page's strict CSP, closes it,
// then plays the session back from the recordings page.
test.describe.configure({ mode: 'serial' });

let sshd: TestSshd;

test.beforeAll(async () => {
  sshd = await TestSshd.start();
});

test.afterAll(async () => {
  await sshd?.dispose();
});

test('the owner opens a terminal from a server’s page, types a command, and plays the session back', async ({ page, guardian, shot }) => {
  test.setTimeout(90_000);
  const api = await ownerApi(page.request, guardian);
  await api('vault/init', { slot: { kind: 'passphrase', passphrase: 'a vault passphrase for the terminal flow' } });
  const server = await api<{ id: string }>('servers', { name: 'shell-e2e', host: sshd.address, port: sshd.port, user: sshd.user, monitor: false });
  await api('secrets', { name: 'terminal key', value: { kind: 'ssh_key', privateKey: sshd.clientKey().privateKey }, serverIds: [server.id] });

  await page.goto(`${guardian.url}#/servers/${server.id}/health`);
  await expect(page.getByRole('heading', { name: 'shell-e2e' })).toBeVisible();
  await expectAccessible(page, 'a server’s page with Open terminal');
  await page.getByTestId('open-terminal').click();

  await expect(page.getByTestId('terminal-status')).toContainText(`Connected to ${sshd.address}:${sshd.port}`, { timeout: 30_000 });
  const screen = page.getByTestId('terminal-screen');
  await screen.click();
  await page.keyboard.type('echo hello-$((6*7))\n');
  const rows = screen.locator('.xterm-rows');
  await expect(rows).toContainText('hello-42', { timeout: 30_000 });

  // xterm.js's own stylesheet loaded (its input box hidden off-screen), and its theme, which it
  // writes into <style> elements the CSP refuses, applied through the mirrored sheets.
  await expect(screen.locator('.xterm-helper-textarea')).toHaveCSS('position', 'absolute');
  await expect(rows).toHaveCSS('color', 'rgb(230, 232, 235)');
  await expectAccessible(page, 'a live terminal');
  await shot('live terminal');

  await page.getByTestId('terminal-close').click();
  await expect(page.getByTestId('terminal-status')).toHaveText('Ended');

  // The recording, played back at 8×.
  await page.goto(`${guardian.url}#/terminal-recordings`);
  const table = page.getByTestId('recordings');
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table).toContainText('shell-e2e');
  await table.getByRole('button', { name: /Play the session on shell-e2e/ }).click();
  await page.getByTestId('player-speed').selectOption('8');
  await expect(page.getByTestId('player-screen').locator('.xterm-rows')).toContainText('hello-42', { timeout: 30_000 });
  await expect(page.getByTestId('player-position')).toHaveText('Played to the end', { timeout: 30_000 });
  await expectAccessible(page, 'a recording played back');
  await shot('recording played back');
});

import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestSshd } from '@core/testing/sshd';
import { expect, expectAccessible, test } from './fixtures';
import { ownerApi, signedInNewAccount, signedInOwner, type NewAccount } from './session';

// The Operations page against three real OpenSSH servers on loopback (main/core/testing/sshd.ts),
// each on an address of its own, their key in the vault linked to them: an admin hands the servers
// page's servers to a run, watches the grid end with two succeeded and one failed, reads one target's output in colour,
// then cancels a long run; a viewer sees the runs and no Run form, and no output; an admin runs a
// dangerous runbook with a secret from its form, and re-runs it; an admin writes a runbook on the
// page (a refused parameter name placed under its field, then a second version), runs it and finds
// what it printed with the output search, then filters the history; an admin pushes a file from
// the page's push form.
test.describe.configure({ mode: 'serial' });

const PASSPHRASE = 'a vault passphrase for the operations flow';
const VIEWER: NewAccount = { username: 'olive', role: 'viewer', temporary: 'temporary viewer pass 7', password: 'olive picks her own 2026' };

let sshds: TestSshd[] = [];

test.beforeAll(async () => {
  // Three loopback addresses, three hosts: Guardian runs one connection per host at a time, so
  // these run side by side.
  sshds = await Promise.all(['127.0.0.1', '127.0.0.2', '127.0.0.3'].map((address) => TestSshd.start({ address })));
});

test.afterAll(async () => {
  await Promise.all(sshds.map((sshd) => sshd.dispose()));
});

test('an admin runs a command on three servers, reads a target’s coloured output, and cancels a long run', async ({ page, guardian, shot }) => {
  test.setTimeout(90_000);
  const api = await ownerApi(page.request, guardian);
  // The vault, three servers and their key as the Vault and Servers pages make them (their own flows drive those pages).
  await api('vault/init', { slot: { kind: 'passphrase', passphrase: PASSPHRASE } });
  const [first] = sshds;
  if (!first) throw new Error('no sshd');
  const key = first.clientKey();
  for (const other of sshds.slice(1)) writeFileSync(join(other.dir, 'authorized_keys'), key.publicKey, { flag: 'a' });
  const ids: string[] = [];
  for (const [index, sshd] of sshds.entries()) {
    const created = await api<{ id: string }>('servers', {
      name: `op-web-${index + 1}`,
      host: sshd.address,
      port: sshd.port,
      user: sshd.user,
      tags: ['web'],
      environment: 'e2e',
      monitor: false,
    });
    ids.push(created.id);
  }
  await api('secrets', { name: 'operations key', value: { kind: 'ssh_key', privateKey: key.privateKey }, serverIds: ids });

  // "Run on these" from the servers page hands its three servers to the run form.
  await page.goto(`${guardian.url}#/servers`);
  await expect(page.getByTestId('server-row')).toHaveCount(3);
  await expectAccessible(page, 'servers with Run on these');
  await page.getByRole('button', { name: 'Run on these' }).click();
  await expect(page.getByRole('heading', { name: 'Operations', exact: true })).toBeVisible();
  await expect(page.getByTestId('run-preview')).toContainText('Matches 3 servers');
  await expect(page.getByTestId('run-preview-names')).toHaveText('op-web-1, op-web-2, op-web-3');

  // The third server's sshd port makes its command fail (SSH_CONNECTION ends with the server's port).
  const failing = sshds[2]?.port;
  await page
    .getByLabel('Command', { exact: true })
    .fill(`printf '\\033[32mgreen-ok\\033[0m\\n'; echo to-stderr >&2; [ "\${SSH_CONNECTION##* }" != "${failing}" ]`);
  await page.getByRole('button', { name: 'Run on 3 servers' }).click();
  const view = page.getByTestId('run-view');
  await expect(view.getByTestId('run-status')).toHaveText('Finished with failures', { timeout: 30_000 });
  const cells = view.getByTestId('target-cell');
  await expect(cells).toHaveCount(3);
  expect(await cells.evaluateAll((nodes) => nodes.map((node) => `${node.getAttribute('aria-label')}`))).toEqual([
    'op-web-1: Succeeded, exit 0',
    'op-web-2: Succeeded, exit 0',
    'op-web-3: Failed, exit 1',
  ]);
  await expect(view.getByTestId('run-count-succeeded')).toContainText('Succeeded 2');
  await expect(view.getByTestId('run-count-failed')).toContainText('Failed 1');
  await expect(view.getByTestId('run-progress')).toHaveAttribute('aria-valuetext', '3 of 3 (100%)');

  // One target's stored output: the green word in green, stderr set apart.
  await view.getByRole('button', { name: 'op-web-1: Succeeded, exit 0' }).click();
  const output = page.getByTestId('target-panel').getByTestId('output-text');
  await expect(output).toContainText('green-ok');
  const green = output.locator('.ansi-fg-green');
  await expect(green).toHaveText('green-ok');
  // The page's own window (the spec is typed for Node, without the DOM's names).
  type Styled = { getComputedStyle(node: unknown): { color: string } };
  const colours = await green.evaluate((node) => {
    const view = globalThis as unknown as Styled;
    return { word: view.getComputedStyle(node).color, text: view.getComputedStyle((node as { parentElement: unknown }).parentElement).color };
  });
  expect(colours.word).not.toBe(colours.text);
  await expect(output.locator('[data-stream="stderr"]')).toHaveText('to-stderr\n');
  await expect(output.locator('[data-stream="stderr"]')).toHaveClass(/op-output__err/);
  await expectAccessible(page, 'operations: a finished run and a target’s output');
  await shot('finished run');

  // A long run, cancelled: the running target is stopped, the queued ones never start.
  await page.getByLabel('Command', { exact: true }).fill('sleep 60');
  await page.getByRole('button', { name: 'Run on 3 servers' }).click();
  await expect(page.getByTestId('run-view').getByRole('heading', { level: 2 })).toHaveText('Run sleep 60');
  await expect(view.locator('[data-testid="target-cell"][data-state="running"]').first()).toBeVisible({ timeout: 20_000 });
  await view.getByRole('button', { name: 'Cancel run' }).click();
  await expect(view.getByTestId('run-status')).toHaveText('Cancelled', { timeout: 20_000 });
  await expect(view.getByTestId('run-count-cancelled')).toContainText('Cancelled 3');
  const history = page.getByTestId('history-row');
  await expect(history).toHaveCount(2);
  await expect(history.first()).toContainText('sleep 60');
  await expect(history.first()).toContainText('Cancelled');
});

test('a viewer sees the runs, no Run form and no output', async ({ browser, page, guardian }) => {
  await signedInOwner(page.request, guardian);
  const context = await signedInNewAccount(browser, page.request, guardian, VIEWER);
  const viewer = await context.newPage();
  await viewer.goto(guardian.url);
  await viewer.getByRole('link', { name: 'Operations' }).click();
  await expect(viewer.getByRole('heading', { name: 'Operations', exact: true })).toBeVisible();
  await expect(viewer.getByTestId('history-row')).toHaveCount(2);
  await expect(viewer.getByRole('heading', { name: 'Run a command' })).toHaveCount(0);
  await expect(viewer.getByTestId('run-form')).toHaveCount(0);
  await viewer.getByRole('button', { name: /^Open the run of printf/ }).click();
  await viewer.getByRole('button', { name: 'op-web-3: Failed, exit 1' }).click();
  await expect(viewer.getByTestId('target-panel').getByTestId('target-exit')).toHaveText('1');
  await expect(viewer.getByTestId('output-not-allowed')).toBeVisible();
  await expect(viewer.getByRole('button', { name: /^Cancel/ })).toHaveCount(0);
  await expectAccessible(viewer, 'operations (viewer)');
  await context.close();
});

test('an admin runs a dangerous runbook with a secret from the page, and re-runs it, typing the secret and the count again', async ({ page, guardian }) => {
  test.setTimeout(60_000);
  await signedInOwner(page.request, guardian);
  const status = (await (await page.request.get(`${guardian.url}api/v1/auth/status`)).json()) as { user: { csrfToken: string } };
  // Written with the API (the last test writes one on the page).
  const created = await page.request.post(`${guardian.url}api/v1/runbooks`, {
    headers: { 'x-csrf-token': status.user.csrfToken },
    data: {
      name: 'e2e-greet',
      description: 'Greets with a token.',
      script: 'printf "%s %s\\n" "$GREETING" "$TOKEN"',
      params: [
        { name: 'GREETING', type: 'choice', options: ['hello', 'bye'] },
        { name: 'TOKEN', type: 'string', secret: true },
      ],
      defaultTargets: { tags: ['web'] },
      dangerous: true,
      runnableBy: 'operator',
    },
  });
  expect(created.ok(), await created.text()).toBe(true);

  await page.goto(`${guardian.url}#/operations`);
  await expect(page.getByTestId('runbook-row')).toContainText('Dangerous');
  await page.getByRole('button', { name: 'Run e2e-greet' }).click();
  const dialog = page.getByRole('dialog', { name: 'Run e2e-greet' });
  await expect(dialog.getByTestId('runbook-preview')).toContainText('Matches 3 servers');
  await dialog.getByLabel('GREETING').selectOption('hello');
  await dialog.getByLabel('TOKEN').fill('e2e-canary-token');
  await dialog.getByLabel('Type the number of servers to confirm').fill('3');
  await expectAccessible(page, 'operations: a runbook’s form');
  await dialog.getByRole('button', { name: 'Run on 3 servers' }).click();
  const view = page.getByTestId('run-view');
  await expect(view.getByTestId('run-runbook')).toHaveText('e2e-greet, version 1');
  await expect(view.getByTestId('run-status')).toHaveText('Succeeded', { timeout: 30_000 });
  await expect(view.getByTestId('run-params')).toContainText('TOKEN=[redacted]');
  // What the target printed has the secret masked.
  await view.getByRole('button', { name: 'op-web-1: Succeeded, exit 0' }).click();
  await expect(page.getByTestId('target-panel').getByTestId('output-text')).toHaveText('hello [redacted]\n');

  // The re-run asks for the secret (not kept), then for the count when the service asks for it.
  await view.getByRole('button', { name: 'Re-run on all' }).click();
  const rerun = page.getByRole('dialog', { name: 'Re-run on all' });
  await rerun.getByLabel('TOKEN').fill('e2e-canary-token');
  await rerun.getByRole('button', { name: 'Re-run on 3 servers' }).click();
  await expect(rerun.getByTestId('rerun-form-confirm-error')).toHaveText('Type 3 to confirm');
  await expectAccessible(page, 'operations: a re-run asking for its secret and count');
  await rerun.getByLabel('Type the number of servers to confirm').fill('3');
  await rerun.getByRole('button', { name: 'Re-run on 3 servers' }).click();
  await expect(rerun).toHaveCount(0);
  await expect(view.getByTestId('run-status')).toHaveText('Succeeded', { timeout: 30_000 });
  await expect(page.getByTestId('history-row').first()).toContainText('Runbook e2e-greet, version 1');
  await expect(page.locator('body')).not.toContainText('e2e-canary-token');
});

test('an admin runs a command in batches from the Rolling section, and the run stops at its failure threshold', async ({ page, guardian }) => {
  test.setTimeout(60_000);
  await signedInOwner(page.request, guardian);
  await page.goto(`${guardian.url}#/operations`);
  const form = page.getByTestId('run-form');
  // op-web-1, the first batch, fails; with none allowed to fail, op-web-2 and op-web-3 never run.
  await form.getByLabel('Command', { exact: true }).fill(`[ "\${SSH_CONNECTION##* }" != "${sshds[0]?.port}" ]`);
  await form.getByLabel('Tags').fill('web');
  await form.getByText('Rolling: in batches, stopping at a failure threshold').click();
  await form.getByLabel('Batch size').fill('1');
  await form.getByLabel('Stop past (% failed)').fill('0');
  await expectAccessible(page, 'operations: the run form with its Rolling section open');
  await form.getByRole('button', { name: 'Run on 3 servers' }).click();
  const view = page.getByTestId('run-view');
  await expect(view.getByTestId('run-status')).toHaveText('Stopped at the failure threshold', { timeout: 30_000 });
  await expect(view.getByTestId('run-stop-reason')).toHaveText(
    'Stopped at the failure threshold: 1 of 3 targets failed by the end of batch 1 of 3, more than the 0% allowed; 2 not run',
  );
  expect(await view.getByTestId('target-cell').evaluateAll((nodes) => nodes.map((node) => `${node.getAttribute('aria-label')}`))).toEqual([
    'op-web-1: Failed, exit 1',
    'op-web-2: Skipped',
    'op-web-3: Skipped',
  ]);
  await view.getByRole('button', { name: 'op-web-2: Skipped' }).click();
  await expect(page.getByTestId('target-panel')).toContainText('Not run: 1 of 3 targets failed by the end of batch 1 of 3, more than the 0% allowed');
  await expectAccessible(page, 'operations: a rolling run stopped at its threshold');
});

test('an admin writes a runbook on the page, runs it, and finds what it printed with the output search', async ({ page, guardian }) => {
  test.setTimeout(90_000);
  await signedInOwner(page.request, guardian);
  await page.goto(`${guardian.url}#/operations`);

  // Written on the page: a script, a text parameter with a default, the web servers as its default targets.
  await page.getByRole('button', { name: 'New runbook' }).click();
  const editor = page.getByRole('dialog', { name: 'New runbook' });
  await editor.getByTestId('runbook-editor-name').fill('e2e-written');
  await editor.getByTestId('runbook-editor-description').fill('Written on the Operations page.');
  await editor.getByTestId('runbook-editor-script').fill('echo "written-marker-$WORD on $(hostname -s 2>/dev/null || echo host)"');
  await editor.getByRole('button', { name: 'Add parameter' }).click();
  await editor.getByTestId('runbook-editor-param-0-name').fill('path');
  await editor.getByTestId('runbook-editor-param-0-default').fill('e2e');
  await editor.getByLabel('Tags').fill('web');
  await expect(editor.getByTestId('runbook-editor-preview')).toContainText('Matches 3 servers');
  await editor.getByLabel('Who may run it').selectOption('operator');
  await expectAccessible(page, 'operations: the runbook editor');
  // The service refuses a parameter named after a variable the shell sets, under its field.
  await editor.getByRole('button', { name: 'Create runbook' }).click();
  await expect(editor.getByTestId('runbook-editor-param-0-name-error')).toHaveText('That name is a variable the shell, sshd or sudo sets; choose another');
  await editor.getByTestId('runbook-editor-param-0-name').fill('WORD');
  await editor.getByRole('button', { name: 'Create runbook' }).click();
  await expect(editor).toHaveCount(0);
  const row = page.getByTestId('runbook-row').filter({ hasText: 'e2e-written' });
  await expect(row).toContainText('Operators, admins and owners');

  // Edited: a new version, the first one kept and shown read-only.
  await page.getByRole('button', { name: 'Edit e2e-written' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit e2e-written' });
  await edit.getByTestId('runbook-editor-param-0-default').fill('E2E');
  await edit.getByRole('button', { name: 'Save version 2' }).click();
  await expect(edit).toHaveCount(0);
  await expect(row.getByRole('cell').nth(1)).toHaveText('2');
  await page.getByRole('button', { name: 'Versions of e2e-written' }).click();
  const versions = page.getByRole('dialog', { name: 'Versions of e2e-written' });
  await expect(versions.getByTestId('runbook-version')).toHaveCount(2);
  await expect(versions.getByTestId('runbook-version').first()).toContainText('Version 2 (current)');
  await versions.getByRole('button', { name: 'Close' }).click();

  // Run from its form with its defaults.
  await page.getByRole('button', { name: 'Run e2e-written' }).click();
  const dialog = page.getByRole('dialog', { name: 'Run e2e-written' });
  await expect(dialog.getByLabel('WORD')).toHaveValue('E2E');
  await dialog.getByRole('button', { name: 'Run on 3 servers' }).click();
  const view = page.getByTestId('run-view');
  await expect(view.getByTestId('run-runbook')).toHaveText('e2e-written, version 2');
  await expect(view.getByTestId('run-status')).toHaveText('Succeeded', { timeout: 30_000 });

  // Found in any case, on the servers named, each match's line with the match marked; a click opens the run at that target.
  const search = page.getByTestId('search-form');
  await search.getByLabel('Text').fill('WRITTEN-MARKER-e2e');
  await search.getByLabel('Servers').fill('op-web-2');
  await search.getByRole('button', { name: 'Search' }).click();
  const results = page.getByTestId('search-results');
  await expect(results.getByTestId('search-match')).toHaveCount(1);
  await expect(results.getByTestId('search-match')).toContainText('op-web-2 · Succeeded · stdout');
  await expect(results.getByTestId('search-excerpt').locator('mark')).toHaveText('written-marker-E2E');
  await search.getByLabel('Servers').fill('');
  await search.getByRole('button', { name: 'Search' }).click();
  await expect(results.getByTestId('search-match')).toHaveCount(3);
  await expectAccessible(page, 'operations: output search results');
  await results.getByRole('button', { name: /^Open op-web-3 in the run of Runbook e2e-written, version 2/ }).click();
  await expect(page.getByTestId('target-panel').getByTestId('output-text')).toContainText('written-marker-E2E on');

  // The history filtered by the service: the two runs with a failed target (the first run, the stopped rolling one), then the three runbook runs.
  const filters = page.getByTestId('history-filters');
  const rows = page.getByTestId('history-row');
  await filters.getByLabel('Status').selectOption('failed');
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText('Stopped at the failure threshold');
  await expect(rows.nth(1)).toContainText('Finished with failures');
  await filters.getByLabel('Status').selectOption('');
  await filters.getByLabel('What ran').selectOption('runbook');
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText('Runbook e2e-written, version 2');
  await expectAccessible(page, 'operations: the history filtered');
});

test('an admin pushes a file from the page to three servers; the run is titled with it and each server says what it wrote', async ({ page, guardian }) => {
  test.setTimeout(60_000);
  await signedInOwner(page.request, guardian);
  await page.goto(`${guardian.url}#/operations`);
  // The test sshd run on this machine: what they write is read back here.
  const path = join(mkdtempSync(join(tmpdir(), 'guardian-e2e-push-')), 'app.conf');
  const form = page.getByTestId('push-form');
  await form.getByLabel('File', { exact: true }).setInputFiles({ name: 'app.conf', mimeType: 'text/plain', buffer: Buffer.from('listen 8080;\n') });
  await expect(form).toContainText('app.conf, 13 bytes');
  await form.getByLabel('Path on the servers').fill(path);
  await form.getByLabel('Mode').fill('0640');
  await form.getByLabel('Tags').fill('web');
  await expectAccessible(page, 'operations: the push form');
  await form.getByRole('button', { name: 'Push to 3 servers' }).click();
  const view = page.getByTestId('run-view');
  await expect(view.getByTestId('run-file')).toHaveText(path);
  await expect(view.getByTestId('run-status')).toHaveText('Succeeded', { timeout: 30_000 });
  await view.getByRole('button', { name: /^op-web-2: Succeeded/ }).click();
  await expect(page.getByTestId('target-panel').getByTestId('output-text')).toContainText(`wrote 13 bytes to ${path} (mode 0640), SHA-256`);
  expect(readFileSync(path, 'utf8')).toBe('listen 8080;\n');
  expect(statSync(path).mode & 0o7777).toBe(0o640);
  await expect(view.getByRole('button', { name: /^Re-run/ })).toHaveCount(0);
});

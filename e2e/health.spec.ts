import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, expectAccessible, test } from './fixtures';
import { signedInOwner } from './session';

// One Guardian per file: the tests run in order, as an admin would, against a tiny HTTP server
// on 127.0.0.1 that the spec stops and starts to take the target down and bring it back.
test.describe.configure({ mode: 'serial' });

const SERVER_NAME = 'shop-web';
/** One 10 s interval, its jitter (±10 %) and the run itself, with room to spare on a busy machine. */
const POLL_WAIT_MS = 25_000;
let target: Server | null = null;
let port = 0;

/** Listens on `port` (any free one the first time), answering "ok" to every request. */
async function startTarget(): Promise<void> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  target = server;
}

async function stopTarget(): Promise<void> {
  const server = target;
  target = null;
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

test.beforeAll(async () => {
  await startTarget();
});

test.afterAll(async () => {
  await stopTarget();
});

test.beforeEach(async ({ page, guardian }) => {
  await signedInOwner(page.request, guardian);
});

test('the overview is the home page and says how to add a check', async ({ page, guardian, shot }) => {
  const status = (await (await page.request.get(`${guardian.url}api/v1/auth/status`)).json()) as { user: { csrfToken: string } };
  const created = await page.request.post(`${guardian.url}api/v1/servers`, {
    // No default check: this flow is about adding the first one by hand.
    data: { name: SERVER_NAME, host: '127.0.0.1', port, tags: ['web'], monitor: false },
    headers: { 'x-csrf-token': status.user.csrfToken },
  });
  expect(created.ok()).toBe(true);

  await page.goto(guardian.url);
  await expect(page.getByRole('heading', { name: 'Overview', exact: true })).toBeVisible();
  await expect(page.getByTestId('overview-empty')).toContainText('Add check');
  await expect(page.getByTestId('status-cell')).toHaveCount(1);
  await shot('empty');
  await expectAccessible(page, 'overview: no checks yet');
});

test('an HTTP check goes down when its target stops, opens an incident, and comes back up', async ({ page, guardian, shot }) => {
  test.setTimeout(120_000);
  await page.goto(guardian.url);
  const cell = page.getByTestId('status-cell').first();
  await expect(cell).toHaveAttribute('aria-label', new RegExp(`^${SERVER_NAME}: Unknown`));
  await expectAccessible(page, 'overview');
  await cell.click();
  await expect(page.getByRole('heading', { name: SERVER_NAME })).toBeVisible();
  await expectAccessible(page, 'server health: no checks');

  // Add the check: test it first, then save.
  await page.getByRole('button', { name: 'Add check' }).first().click();
  const editor = page.getByTestId('check-editor');
  await editor.getByLabel('Type').selectOption('http');
  await editor.getByLabel('URL').fill(`http://127.0.0.1:${port}/health`);
  await editor.getByLabel('Every (s)').fill('10');
  await editor.getByLabel('Retries').fill('0');
  await editor.getByLabel('Confirm after').fill('1');
  await editor.getByLabel('Check name').fill('storefront');
  await editor.getByRole('button', { name: 'Test' }).click();
  await expect(editor.getByTestId('check-test-result')).toHaveAttribute('data-status', 'up');
  await shot('tested');
  await expectAccessible(page, 'check editor: tested', { screenshot: true });
  await editor.getByRole('button', { name: 'Add check' }).click();
  await expect(editor).toBeHidden();

  const row = page.getByTestId('check-row').filter({ hasText: 'storefront' });
  await expect(row).toHaveCount(1);
  await row.getByRole('button', { name: 'Check now: storefront' }).click();
  await expect(row.getByTestId('check-run-result')).toHaveAttribute('data-status', 'up');
  await expect(row.locator('[data-status="up"]').first()).toBeVisible();

  // The target stops. Nobody clicks anything: the background poller (every 10 s, changing state
  // on the first bad result) finds it down, and the page follows from the live events.
  const pill = row.locator('[data-status]').first();
  await stopTarget();
  await expect(pill).toHaveAttribute('data-status', 'down', { timeout: POLL_WAIT_MS });
  await expect(row.getByTestId('check-last-message')).toContainText(`127.0.0.1:${port}`);
  await expect(page.locator('.page__title-group [data-status]')).toHaveAttribute('data-status', 'down');
  const timeline = page.getByTestId('incident-timeline');
  const open = timeline.locator('[data-testid="incident"][data-state="open"]');
  await expect(open).toHaveCount(1);
  await shot('down');
  await expectAccessible(page, 'server health: down, incident open');

  // Acknowledge it with a note.
  await open.getByRole('button', { name: /^Acknowledge/ }).click();
  const ack = page.getByTestId('acknowledge-dialog');
  await ack.getByLabel('Note').fill('Ada is restarting the shop');
  await expectAccessible(page, 'acknowledge dialog');
  await ack.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(ack).toBeHidden();
  await expect(open.getByTestId('incident-ack')).toContainText('Ada is restarting the shop');

  // The target is back: the poller sees it up again and the incident resolves, still untouched.
  await startTarget();
  await expect(pill).toHaveAttribute('data-status', 'up', { timeout: POLL_WAIT_MS });
  await expect(page.locator('.page__title-group [data-status]')).toHaveAttribute('data-status', 'up');
  await expect(timeline.locator('[data-testid="incident"][data-state="resolved"]')).toHaveCount(1);
  await expect(timeline.locator('[data-testid="incident"][data-state="open"]')).toHaveCount(0);

  // The latency chart over the last hour draws its canvas.
  const latency = page.getByTestId('latency-section');
  await latency.getByRole('button', { name: '1 h' }).click();
  await expect(latency.getByTestId('latency-chart').locator('canvas')).toBeVisible();
  await expect(latency.getByTestId('latency-chart')).toContainText(/failures? in \d+ results/);
  await shot('recovered');
  await expectAccessible(page, 'server health: recovered', { screenshot: true });
});

test('the incidents page lists the resolved incident with its acknowledgement', async ({ page, guardian, shot }) => {
  await page.goto(`${guardian.url}#/incidents`);
  await expect(page.getByRole('heading', { name: 'Incidents', exact: true })).toBeVisible();
  const incident = page.getByTestId('incident').filter({ hasText: SERVER_NAME });
  await expect(incident).toHaveCount(1);
  await expect(incident).toHaveAttribute('data-state', 'resolved');
  await expect(incident.getByTestId('incident-ack')).toContainText('Ada is restarting the shop');
  await expectAccessible(page, 'incidents');

  await page.getByRole('link', { name: 'Overview' }).click();
  await expect(page.getByTestId('status-count-up')).toContainText('1');
  await expect(page.getByTestId('status-cell').first()).toHaveAttribute('data-status', 'up');
  await shot('overview');
  await expectAccessible(page, 'overview: up');
});

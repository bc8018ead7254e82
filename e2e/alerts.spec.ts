import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, expectAccessible, test } from './fixtures';
import { signedInNewAccount, signedInOwner, type NewAccount } from './session';

// Alerts as an admin sets them up from the app: a webhook channel signed with a vault secret,
// pointed at a receiver on 127.0.0.1 (allowed in the settings first: loopback is refused by
// default), a test sent, a rule, then a server going down and its notification in the delivery
// log as delivered, and the receiver holding it, signed. Then a viewer reads it all, changing nothing.
test.describe.configure({ mode: 'serial' });

const PASSPHRASE = 'a vault passphrase for the alerts flow';
/** A Standard Webhooks signing secret, as docs/alerts.md says to make one. */
const SIGNING_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
/** The secret part of a chat webhook's URL, which the page must never show. */
const CHAT_PATH = randomBytes(12).toString('hex');

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const received: Received[] = [];
let receiver: Server | null = null;
let receiverPort = 0;

/** Whether `headers` carry a valid v1 signature of `body` under the signing secret (docs/alerts.md, without the library). */
function signedBySecret({ headers, body }: Received): boolean {
  const id = String(headers['webhook-id']);
  const timestamp = String(headers['webhook-timestamp']);
  const key = Buffer.from(SIGNING_SECRET.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return String(headers['webhook-signature'])
    .split(' ')
    .some((entry) => {
      const given = Buffer.from(entry.replace(/^v1,/, ''), 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

/** A port nothing listens on: bound once to learn a free one, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test.beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver?.listen(0, '127.0.0.1', resolve));
  receiverPort = (receiver.address() as AddressInfo).port;
});

test.afterAll(async () => {
  receiver?.closeAllConnections();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
});

test('a down server reaches a signed webhook, set up from the Alerts page', async ({ page, guardian, shot }) => {
  await signedInOwner(page.request, guardian);
  const status = (await (await page.request.get(`${guardian.url}api/v1/auth/status`)).json()) as { user: { csrfToken: string } };
  const headers = { 'x-csrf-token': status.user.csrfToken };
  const api = async <T>(method: 'POST' | 'GET', path: string, data?: unknown): Promise<T> => {
    const response = await page.request.fetch(`${guardian.url}api/v1/${path}`, { method, headers, ...(data === undefined ? {} : { data }) });
    expect(response.ok(), `${method} ${path}: ${await response.text()}`).toBe(true);
    return (await response.json()) as T;
  };
  // The vault and its secret as the Vault page makes them (e2e/vault.spec.ts drives that page).
  await api('POST', 'vault/init', { slot: { kind: 'passphrase', passphrase: PASSPHRASE } });
  await api('POST', 'secrets', { name: 'receiver signing key', value: { kind: 'api_token', token: SIGNING_SECRET } });
  await api('POST', 'secrets', { name: 'db root', value: { kind: 'password', password: 'not a signing secret' } });
  // A chat service's webhook URL is itself the secret: here one on the same receiver.
  await api('POST', 'secrets', {
    name: 'chat webhook url',
    value: { kind: 'api_token', token: `http://127.0.0.1:${receiverPort}/chat/T000/B000/${CHAT_PATH}` },
  });

  await page.goto(`${guardian.url}#/alerts`);
  await expect(page.getByRole('heading', { name: 'Alerts', exact: true })).toBeVisible();
  await expect(page.getByText('No channels yet.')).toBeVisible();
  await expectAccessible(page, 'alerts: nothing set up');

  // Loopback is refused until an admin allows it.
  const settings = page.getByTestId('alert-settings-form');
  await settings.getByLabel('Allowed internal targets').fill('127.0.0.1');
  await settings.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Saved the alert settings')).toBeVisible();

  await page.getByRole('button', { name: 'Add channel' }).click();
  const dialog = page.getByTestId('channel-dialog');
  await dialog.getByLabel('Name').fill('receiver');
  // Only API tokens can sign: the password is not offered.
  await expect(dialog.getByLabel('Signing secret').locator('option', { hasText: 'db root' })).toHaveCount(0);
  await dialog.getByLabel('Signing secret').selectOption({ label: 'receiver signing key' });
  await dialog.getByLabel('URL').fill(`http://127.0.0.1:${receiverPort}/hook`);
  await dialog.getByLabel('Timeout (ms)').fill('5000');
  await expectAccessible(page, 'alerts: channel dialog');
  await dialog.getByRole('button', { name: 'Add channel' }).click();
  await expect(dialog).toBeHidden();

  const row = page.getByTestId('channel-row').filter({ hasText: 'receiver' });
  await expect(row).toContainText(`http://127.0.0.1:${receiverPort}/hook`);
  await expect(row).toContainText('receiver signing key');
  await row.getByRole('button', { name: 'Send test to receiver' }).click();
  const result = page.getByTestId('channel-test-result');
  await expect(result).toContainText('Delivered');
  await expect(result).toContainText('HTTP 204');
  const test = received.find((request) => request.body.includes('"alert.test"'));
  expect(test, 'the receiver got the test').toBeDefined();
  expect(signedBySecret(test as Received)).toBe(true);

  // Another type, chosen first: its URL is a vault secret, never a field and never listed.
  await page.getByRole('button', { name: 'Add channel' }).click();
  await dialog.getByLabel('Type').selectOption({ label: 'Slack' });
  await expect(dialog.getByLabel('URL', { exact: true })).toHaveCount(0);
  await dialog.getByLabel('Name').fill('team chat');
  await dialog.getByLabel('Webhook URL').selectOption({ label: 'chat webhook url' });
  await dialog.getByRole('button', { name: 'Add channel' }).click();
  await expect(dialog).toBeHidden();
  const chat = page.getByTestId('channel-row').filter({ hasText: 'team chat' });
  await expect(chat).toContainText('Slack');
  await chat.getByRole('button', { name: 'Send test to team chat' }).click();
  await expect(chat.locator('xpath=following-sibling::tr[1]')).toContainText('Delivered');
  const slackTest = received.find((request) => request.path.endsWith(CHAT_PATH));
  expect(slackTest, 'the chat URL got the test').toBeDefined();
  expect(JSON.parse((slackTest as Received).body)).toHaveProperty('blocks');

  await page.getByRole('button', { name: 'Add rule' }).click();
  const rule = page.getByTestId('rule-dialog');
  await rule.getByLabel('Name').fill('anything down');
  await rule.getByRole('checkbox', { name: 'Down' }).check();
  await rule.getByRole('checkbox', { name: 'receiver' }).check();
  // An escalation step by the keyboard: the new step's minutes take the focus.
  await rule.getByRole('button', { name: 'Add step' }).press('Enter');
  const step = rule.getByTestId('rule-form-step');
  await expect(step.getByLabel('Minutes after opening')).toBeFocused();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('10');
  await step.getByRole('checkbox', { name: 'team chat' }).check();
  await rule.getByRole('checkbox', { name: 'Repeat while unacknowledged' }).check();
  await rule.getByLabel('Repeat every (minutes)').fill('30');
  await expectAccessible(page, 'alerts: rule dialog');
  await rule.getByRole('button', { name: 'Add rule' }).click();
  await expect(rule).toBeHidden();
  const ruleRow = page.getByTestId('rule-row').filter({ hasText: 'anything down' });
  await expect(ruleRow).toContainText('severity down');
  await expect(ruleRow).toContainText('then team chat after 10 min; repeats every 30 min');

  // A server whose one check connects to a closed port: run now rather than wait for its interval.
  const port = await closedPort();
  const server = await api<{ id: string }>('POST', 'servers', { name: 'alerts-web', host: '127.0.0.1', monitor: false });
  const check = await api<{ id: string }>('POST', 'checks', {
    serverId: server.id,
    name: 'closed port',
    spec: { type: 'tcp', config: { host: '127.0.0.1', port } },
    intervalMs: 10_000,
    retries: 0,
    confirmAfter: 1,
  });
  await api('POST', `checks/${check.id}/run`, {});

  // The delivery log reads itself again every few seconds: the notification appears, delivered.
  const delivery = page.getByTestId('delivery-row').filter({ hasText: 'Incident opened' });
  await expect(delivery).toHaveAttribute('data-state', 'delivered', { timeout: 15_000 });
  await expect(delivery).toContainText('receiver');
  await delivery.getByRole('button', { name: /^1 attempt/ }).click();
  await expect(page.getByTestId('delivery-attempt').first()).toContainText('HTTP 204');
  await expect(page.getByTestId('delivery-attempt').first()).toContainText('Delivered');
  await shot('delivered');
  await expectAccessible(page, 'alerts: delivered', { screenshot: true });

  const opened = received.find((request) => request.body.includes('"incident.opened"'));
  expect(opened, 'the receiver got the incident').toBeDefined();
  expect(signedBySecret(opened as Received)).toBe(true);
  expect(JSON.parse((opened as Received).body)).toMatchObject({
    type: 'incident.opened',
    data: { server: { name: 'alerts-web' }, incident: { severity: 'down' } },
  });
  // The secret is never in what the page was sent.
  expect(await page.content()).not.toContain(SIGNING_SECRET);
  expect(await page.content()).not.toContain(CHAT_PATH);
});

const VIEWER: NewAccount = { username: 'alert-viewer', role: 'viewer', temporary: 'temporary viewer pass 1', password: 'viewer reads the alerts 2026' };

test('a viewer sees the channel, rule and log without a control to change them', async ({ browser, page, guardian }) => {
  await signedInOwner(page.request, guardian);
  const context = await signedInNewAccount(browser, page.request, guardian, VIEWER);
  try {
    const viewer = await context.newPage();
    await viewer.goto(`${guardian.url}#/alerts`);
    await expect(viewer.getByRole('heading', { name: 'Alerts', exact: true })).toBeVisible();
    const row = viewer.getByTestId('channel-row').filter({ hasText: 'receiver' });
    // A viewer may not list the vault: the secret is named as one, not by name.
    await expect(row).toContainText('A vault secret');
    await expect(viewer.getByTestId('rule-row').filter({ hasText: 'anything down' })).toHaveCount(1);
    await expect(viewer.getByTestId('delivery-row').filter({ hasText: 'Incident opened' })).toHaveAttribute('data-state', 'delivered');
    await expect(viewer.getByTestId('alert-settings-read')).toContainText('127.0.0.1');
    await expect(viewer.getByRole('button', { name: 'Add channel' })).toHaveCount(0);
    await expect(viewer.getByRole('button', { name: 'Add rule' })).toHaveCount(0);
    await expect(row.getByRole('button')).toHaveCount(0);
    await expect(viewer.getByTestId('rule-row').getByRole('button')).toHaveCount(0);
    await expect(viewer.getByRole('button', { name: 'Save settings' })).toHaveCount(0);
    await expect(viewer.getByRole('alert')).toHaveCount(0);
    await expectAccessible(viewer, 'alerts (viewer)');
  } finally {
    await context.close();
  }
});

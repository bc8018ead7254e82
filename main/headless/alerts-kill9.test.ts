import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Notification } from '@shared/api/alerts';
import { cleanUp, CLI_TEST_TIMEOUT_MS, type Guardian, pollUntil, startGuardian, tempDir } from './testing/guardian';

// `kill -9` of `guardian serve` while its worker is delivering notifications: every notification
// whose incident was stored reaches the receiver after the restart, under the one id it was sent
// with before, and the database stays sound (docs/alerts.md, "The delivery guarantee").

/** Servers that go down at once: more incidents than the channel sends at a time, so some wait unsent at the kill. */
const SERVERS = 10;
const MAX_CONCURRENT = 2;

interface Received {
  id: string;
  body: string;
}

/**
 * A webhook receiver on 127.0.0.1 that verifies every request with the Standard Webhooks
 * library. Holding, it keeps each request open without an answer (a send in flight when serve is
 * killed); otherwise it answers 204 at once.
 */
async function receiver(secret: string) {
  const verifier = new Webhook(secret);
  const received: Received[] = [];
  const held: ServerResponse[] = [];
  let holding = true;
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => [name, String(request.headers[name])]));
      verifier.verify(body, headers);
      received.push({ id: headers['webhook-id'] ?? '', body });
      if (holding) held.push(response);
      else response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    held,
    answerFromNowOn: () => {
      holding = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound once to learn a free one, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function ok<T>(guardian: Guardian, verb: string, path: string, body?: unknown): Promise<T> {
  const answer = await guardian.request<T>(verb, `api/v1/${path}`, body);
  expect(answer.status, `${verb} ${path}: ${JSON.stringify(answer.body)}`).toBe(200);
  return answer.body;
}

/** Resolves once serve has opened its vault with the key file (created on the first start). */
const vaultOpen = (guardian: Guardian) =>
  pollUntil(
    () => ok<{ initialized: boolean; locked: boolean }>(guardian, 'GET', 'vault'),
    (vault) => vault.initialized && !vault.locked,
    { what: 'the vault opened with the key file', timeoutMs: 30_000, intervalMs: 50 },
  );

const notifications = async (guardian: Guardian) => (await ok<{ items: Notification[] }>(guardian, 'GET', 'alerts/deliveries?limit=100')).items;

function outbox(dataDir: string) {
  const db = new Database(join(dataDir, 'guardian.db'), { fileMustExist: true });
  try {
    return {
      integrity: db.pragma('integrity_check', { simple: true }) as string,
      rows: db.prepare('SELECT id, state FROM alert_outbox ORDER BY id').all() as { id: string; state: string }[],
    };
  } finally {
    db.close();
  }
}

afterEach(cleanUp);
afterAll(cleanUp);

describe('SIGKILL while notifications are being delivered', () => {
  it('loses none: after the restart each reaches the receiver, under the id it was first sent with', { timeout: CLI_TEST_TIMEOUT_MS }, async () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const hook = await receiver(secret);
    const keyDir = tempDir('guardian-alerts-key-');
    const keyFile = join(keyDir, 'vault.key');
    writeFileSync(keyFile, randomBytes(64), { mode: 0o400 });
    const args = ['--log-level', 'warn', '--vault-key-file', keyFile];
    try {
      const first = await startGuardian({ args });
      await vaultOpen(first);
      const signing = await ok<{ id: string }>(first, 'POST', 'secrets', { name: 'hook signing', value: { kind: 'api_token', token: secret } });
      await ok(first, 'PATCH', 'alerts/settings', { allowedTargets: ['127.0.0.1'] });
      const channel = await ok<{ id: string }>(first, 'POST', 'alerts/channels', {
        name: 'on-call',
        type: 'webhook',
        secretId: signing.id,
        config: { url: `http://127.0.0.1:${hook.port}/hook`, timeoutMs: 60_000, maxConcurrent: MAX_CONCURRENT },
      });
      await ok(first, 'POST', 'alerts/rules', { name: 'anything', channelIds: [channel.id] });

      const port = await closedPort();
      for (let n = 0; n < SERVERS; n++) {
        const server = await ok<{ id: string }>(first, 'POST', 'servers', { name: `k9-${n}`, host: '127.0.0.1', monitor: false });
        const check = await ok<{ id: string }>(first, 'POST', 'checks', {
          serverId: server.id,
          name: 'closed port',
          spec: { type: 'tcp', config: { host: '127.0.0.1', port } },
          intervalMs: 60_000,
          retries: 0,
          confirmAfter: 1,
        });
        await ok(first, 'POST', `checks/${check.id}/run`, {});
      }
      // Every incident's notification written, and the channel's sends in flight, held by the receiver.
      await pollUntil(
        async () => ({ written: (await notifications(first)).length, held: hook.held.length }),
        ({ written, held }) => written === SERVERS && held === MAX_CONCURRENT,
        { what: `${SERVERS} notifications written and ${MAX_CONCURRENT} sends held`, timeoutMs: 60_000, intervalMs: 50 },
      );
      const inFlight = hook.received.map((request) => request.id);
      expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

      const killed = outbox(first.dataDir);
      expect(killed.integrity).toBe('ok');
      expect(killed.rows).toHaveLength(SERVERS);
      expect(killed.rows.filter((row) => row.state === 'delivering').map((row) => row.id)).toEqual([...inFlight].sort());
      expect(killed.rows.filter((row) => row.state === 'pending')).toHaveLength(SERVERS - MAX_CONCURRENT);

      // The claims of the killed serve lapse after two minutes; the test moves them to now rather than wait.
      const db = new Database(join(first.dataDir, 'guardian.db'), { fileMustExist: true });
      db.prepare("UPDATE alert_outbox SET next_attempt_at = 0 WHERE state = 'delivering'").run();
      db.close();

      hook.answerFromNowOn();
      const second = await startGuardian({ dataDir: first.dataDir, args });
      await vaultOpen(second);
      const delivered = await pollUntil(
        () => notifications(second),
        (items) => items.length === SERVERS && items.every((item) => item.state === 'delivered'),
        { what: 'every notification delivered after the restart', timeoutMs: 60_000, intervalMs: 100 },
      );

      const ids = delivered.map((item) => item.id).sort();
      expect(ids).toEqual(killed.rows.map((row) => row.id));
      // Each reached the receiver; those in flight at the kill twice, with the same id and body.
      const receivedIds = hook.received.map((request) => request.id);
      expect([...new Set(receivedIds)].sort()).toEqual(ids);
      expect(receivedIds).toHaveLength(SERVERS + inFlight.length);
      for (const id of inFlight) {
        const bodies = hook.received.filter((request) => request.id === id).map((request) => request.body);
        expect(bodies).toHaveLength(2);
        expect(bodies[1]).toBe(bodies[0]);
      }
      expect(await second.stop()).toEqual({ code: 0, signal: null });
    } finally {
      await hook.close();
    }
  });
});

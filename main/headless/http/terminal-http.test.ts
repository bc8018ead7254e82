import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '@shared/api/servers';
import type { OpenTerminal } from '@shared/api/terminal';
import type { ApiKey } from '@shared/api/users';
import { LOCAL_OWNER } from '@shared/permissions';
import { CHEAP_SCRYPT } from '@core/testing/harness';
import { TestSshd } from '@core/testing/sshd';
import { openEvents, type ServerSentEvent } from '../testing/events';
import { bearer, errorOf, send, type BrowserSession } from '../testing/http-client';
import { serveTempCore, signedInAccount, type ServedCore } from '../testing/served-core';

// The terminal over the real HTTP transport and a real sshd: an admin's terminal answers on that
// admin's event stream alone (another admin's stream, open all along, hears nothing of it), nobody
// else can type into it, and each role and a narrowed API key get the router's answers.

let served: ServedCore;
let sshd: TestSshd;
let serverId = '';
let admin: BrowserSession;
let otherAdmin: BrowserSession;

const PASSWORD = 'violet tulips at dawn';

beforeAll(async () => {
  sshd = await TestSshd.start();
  const key = sshd.clientKey();
  served = await serveTempCore({ prefix: 'guardian-terminal-http-', vaultScryptCost: CHEAP_SCRYPT });
  const { router } = served.core;
  await router.invoke(LOCAL_OWNER, 'vault.init', { slot: { kind: 'passphrase', passphrase: 'a vault passphrase long enough' } }, { origin: 'test' });
  serverId = (
    await router.invoke(
      LOCAL_OWNER,
      'servers.create',
      { name: 'shell-http', host: '127.0.0.1', port: sshd.port, user: sshd.user, monitor: false },
      { origin: 'test' },
    )
  ).id;
  await router.invoke(
    LOCAL_OWNER,
    'secrets.create',
    { name: 'shell key', value: { kind: 'ssh_key', privateKey: key.privateKey }, serverIds: [serverId] },
    { origin: 'test' },
  );
  admin = await signedInAccount(served, { username: 'ada', password: PASSWORD, role: 'admin' });
  otherAdmin = await signedInAccount(served, { username: 'ben', password: PASSWORD, role: 'admin' });
}, 120_000);

afterAll(async () => {
  await served?.close();
  await sshd?.dispose();
});

const outputOf = (id: string) => (events: ServerSentEvent[]) =>
  events
    .filter((event) => event.event === 'terminal.output' && (event.data as { id: string }).id === id)
    .map((event) => (event.data as { data: string }).data)
    .join('');

describe('the terminal over HTTP', () => {
  it('streams a terminal’s output to its opener alone, and refuses anyone else’s keystrokes', async () => {
    const mine = await openEvents(new URL('api/v1/events', served.url), admin.read);
    const theirs = await openEvents(new URL('api/v1/events', served.url), otherAdmin.read);
    try {
      const opened = await send<OpenTerminal>(served.url, 'POST', 'api/v1/terminals', { headers: admin.write, body: { serverId, cols: 80, rows: 24 } });
      expect(opened.status, opened.text).toBe(200);
      const { id } = opened.body;

      const typed = await send(served.url, 'POST', `api/v1/terminals/${id}/input`, { headers: admin.write, body: { data: 'echo hello-$((6*7))\n' } });
      expect(typed.status, typed.text).toBe(200);
      await mine.waitFor(() => outputOf(id)(mine.received).includes('hello-42'), 30_000);

      // Another admin: not their terminal, whatever they send.
      const intrusion = await send(served.url, 'POST', `api/v1/terminals/${id}/input`, { headers: otherAdmin.write, body: { data: 'echo intruder\n' } });
      expect(intrusion.status).toBe(404);
      expect(errorOf(intrusion)).toMatchObject({ code: 'NOT_FOUND' });
      expect(errorOf(intrusion).hint).not.toBe('');

      // A change both streams hear, emitted after the terminal's output: the other stream has been handed everything before it.
      const marker = await send<Server>(served.url, 'POST', 'api/v1/servers', { headers: admin.write, body: { name: 'after-output', host: 'after.test' } });
      expect(marker.status, marker.text).toBe(200);
      const about = (event: ServerSentEvent) => event.event === 'servers.changed' && (event.data as { ids: string[] }).ids.includes(marker.body.id);
      await theirs.waitFor(about);
      expect(theirs.received.filter((event) => event.event.startsWith('terminal.'))).toEqual([]);

      const closed = await send(served.url, 'POST', `api/v1/terminals/${id}/close`, { headers: admin.write });
      expect(closed.status, closed.text).toBe(200);
      await mine.waitFor((event) => event.event === 'terminal.closed' && (event.data as { id: string }).id === id);
      expect(outputOf(id)(mine.received)).not.toContain('intruder');
    } finally {
      mine.close();
      theirs.close();
    }
  }, 90_000);

  it('ends a session’s terminals when it signs out, recording why', async () => {
    const leaving = await signedInAccount(served, { username: 'lea', password: PASSWORD, role: 'admin' });
    let printed = '';
    const stop = served.core.events.subscribe((name, payload) => {
      if (name === 'terminal.output') printed += (payload as { data: string }).data;
    });
    const opened = await send<OpenTerminal>(served.url, 'POST', 'api/v1/terminals', { headers: leaving.write, body: { serverId } });
    expect(opened.status, opened.text).toBe(200);
    // Signed out once the shell has started (never while its login runs, see terminal.test.ts).
    await send(served.url, 'POST', `api/v1/terminals/${opened.body.id}/input`, { headers: leaving.write, body: { data: 'echo ready-$((20+1))\n' } });
    for (const until = Date.now() + 30_000; !printed.includes('ready-21') && Date.now() < until;) await new Promise((resolve) => setTimeout(resolve, 50));
    stop();
    expect((await send(served.url, 'POST', 'api/v1/auth/logout', { headers: leaving.write })).status).toBe(200);
    const until = Date.now() + 20_000;
    let reason: string | undefined;
    while (reason === undefined && Date.now() < until) {
      const { items } = await served.core.router.invoke(LOCAL_OWNER, 'terminal.recordings', {}, { origin: 'test' });
      reason = items.find((item) => item.id === opened.body.id)?.endReason;
      if (reason === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(reason).toBe('signed-out');
  }, 60_000);

  it('answers each role as the permission table says', async () => {
    for (const role of ['operator', 'viewer', 'auditor'] as const) {
      const session = await signedInAccount(served, { username: `${role}-x`, password: PASSWORD, role });
      const refused = await send(served.url, 'POST', 'api/v1/terminals', { headers: session.write, body: { serverId } });
      expect(refused.status).toBe(403);
      expect(errorOf(refused)).toMatchObject({ code: 'PERMISSION_DENIED' });
      const list = await send(served.url, 'GET', 'api/v1/terminal-recordings', { headers: session.read });
      expect(list.status, `${role} listing recordings`).toBe(role === 'auditor' ? 200 : 403);
    }
    // An API key of the admin's, narrowed to reading servers: no terminal.
    const made = await send<{ key: ApiKey; token: string }>(served.url, 'POST', 'api/v1/apikeys', {
      headers: admin.write,
      body: { name: 'narrow', role: 'admin', permissions: ['servers:read'] },
    });
    expect(made.status, made.text).toBe(200);
    const byKey = await send(served.url, 'POST', 'api/v1/terminals', { headers: bearer(made.body.token), body: { serverId } });
    expect(byKey.status).toBe(403);
    expect(errorOf(byKey).code).toBe('PERMISSION_DENIED');
    // The admin reads recordings, each with its recording.
    const list = await send<{ items: { id: string }[] }>(served.url, 'GET', 'api/v1/terminal-recordings', { headers: admin.read });
    expect(list.status).toBe(200);
    const first = list.body.items.at(-1);
    expect(first).toBeDefined();
    const one = await send<{ asciicast: string }>(served.url, 'GET', `api/v1/terminal-recordings/${first?.id ?? ''}`, { headers: admin.read });
    expect(one.status).toBe(200);
    expect(one.body.asciicast).toContain('hello-42');
  }, 90_000);
});

import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHANNEL_TYPES, type ChannelType } from '@shared/alerts';
import { DEFAULT_ALERT_SETTINGS, EVENT_SEVERITY } from '@shared/api/alerts';
import { jobFailedAlert, lockoutAlert } from '../sources';
import { httpPeer, type HttpPeer } from '../testing/http-peer';
import { renderMail } from './email';
import { channelModule, deliveryOf, eventOf, type AlertEvent } from './index';

/**
 * Every channel type renders an event about no server (docs/alerts.md, "Sources about no
 * server"): its title and message, its facts, its severity and when, and a link back to the
 * Guardian page it concerns once Guardian's address is set, sent for real to a service on
 * 127.0.0.1 standing in for each one's API (email: the message it would send). A template
 * fills its variables from the event, the server's and incident's empty.
 */

const AT = Date.parse('2026-12-08T01:00:00.000Z');
const SETTINGS = { ...DEFAULT_ALERT_SETTINGS, allowedTargets: ['127.0.0.1'], publicUrl: 'https://guardian.example.net/' };

/** The payload the outbox stores for a source about no server, as the service writes it. */
function stored(alert: ReturnType<typeof jobFailedAlert>): AlertEvent {
  const event = eventOf({ type: alert.source, timestamp: new Date(AT).toISOString(), data: { severity: EVENT_SEVERITY[alert.source], ...alert.data } });
  if (!event) throw new Error('not an event this Guardian reads');
  return event;
}

const failedJob = stored(
  jobFailedAlert({
    id: 'job-7',
    kind: 'report.uptime',
    title: 'Monthly uptime report',
    createdBy: 'schedule:monthly',
    status: 'failed',
    result: null,
    error: { code: 'INTERNAL', message: 'The report could not be written.', hint: 'Free some disk space.', retryable: false, correlationId: 'c-1' },
  }),
);

let peer: HttpPeer;
beforeEach(async () => {
  peer = await httpPeer();
});
afterEach(async () => {
  await peer.close();
});

/** Each type's config against the peer, and the secret it takes (a token, or a chat service's URL). */
function setUp(type: ChannelType): { config: Record<string, unknown>; secret: string } {
  const token = 'a-token-for-the-service';
  switch (type) {
    case 'webhook':
      return { config: { url: `${peer.origin}/hook` }, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' };
    case 'slack':
    case 'discord':
    case 'teams':
    case 'mattermost':
      return { config: {}, secret: `${peer.origin}/hooks/${type}/secret-path` };
    case 'ntfy':
      return { config: { serverUrl: peer.origin, topic: 'ops' }, secret: token };
    case 'gotify':
      return { config: { serverUrl: peer.origin }, secret: token };
    case 'pagerduty':
      return { config: { eventsUrl: `${peer.origin}/v2/enqueue` }, secret: token };
    case 'pushover':
      return { config: { user: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG', apiUrl: `${peer.origin}/1/messages.json` }, secret: token };
    case 'telegram':
      return { config: { chatId: '-1001234567890', apiUrl: peer.origin }, secret: '123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr' };
    case 'opsgenie':
      return { config: { apiUrl: peer.origin }, secret: token };
    case 'matrix':
      return { config: { homeserverUrl: peer.origin, roomId: '!AbCd:example.net' }, secret: token };
    case 'email':
      return { config: {}, secret: '' };
  }
}

/** What a type sends for `event`: the request's body, or the mail's text and HTML. */
async function sent(type: ChannelType, event: AlertEvent, template: Record<string, unknown> | null = null): Promise<string> {
  const module = channelModule(type);
  if (!module) throw new Error(`no module for ${type}`);
  const { config, secret } = setUp(type);
  const id = randomUUID();
  if (type === 'email') {
    const delivery = deliveryOf({ template }, { id, event, secrets: [], settings: SETTINGS, now: () => AT });
    const mail = renderMail(delivery.summary, id);
    return `${mail.subject}\n${mail.text}\n${mail.html}`;
  }
  const parsed = module.configSchema.parse(template && type !== 'webhook' ? { ...config, template } : config);
  const result = await module.send(parsed, deliveryOf(parsed, { id, event, secrets: [secret], settings: SETTINGS, now: () => AT }));
  expect(result.error).toBeNull();
  expect(peer.requests).toHaveLength(1);
  return peer.requests[0]?.body ?? '';
}

describe.each(CHANNEL_TYPES)('the %s channel', (type) => {
  it('renders a failed job with its title, message, facts and a link to the jobs page', async () => {
    const body = await sent(type, failedJob);
    expect(body).toContain('Job failed: Monthly uptime report');
    expect(body).toContain('The report could not be written.');
    if (type !== 'webhook') {
      expect(body).toContain('https://guardian.example.net/#/jobs');
      expect(body).toContain('schedule:monthly');
    }
    // The webhook sends the stored event as it is, which a receiver formats itself.
    else expect(JSON.parse(body)).toMatchObject({ type: 'job.failed', data: { severity: 'degraded', about: { kind: 'job', id: 'job-7' }, page: '#/jobs' } });
  });
});

describe('events about no server', () => {
  it('fill a template from the event: its source, status, severity, text and link; the server’s and incident’s empty', async () => {
    const lockout = stored(lockoutAlert({ account: { id: 'u-1', username: 'alice' }, unknownName: false, origin: '203.0.113.7', until: AT + 900_000 }));
    const body = await sent('slack', lockout, { title: '[{{source}}] {{status}} ({{severity}}){{server}}', text: '{{cause}} {{link}} since {{since}}' });
    expect(body).toContain('[security.lockout] locked out (degraded)');
    expect(body).toContain('Too many failed sign-ins for the account alice from the address 203.0.113.7');
    expect(body).toContain('https://guardian.example.net/#/audit since 2026-12-08T01:00:00.000Z');
  });

  it('open an alert of their own in PagerDuty, never one of an incident’s', async () => {
    const body = JSON.parse(await sent('pagerduty', failedJob)) as { dedup_key: string; payload: { source: string; severity: string; class: string } };
    expect(body.dedup_key).toMatch(/^guardian-[0-9a-f-]{36}$/);
    expect(body.payload).toMatchObject({ source: 'guardian', severity: 'warning', class: 'job.failed' });
  });
});

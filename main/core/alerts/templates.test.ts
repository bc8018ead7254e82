import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AlertChannel, AlertSettings } from '@shared/api/alerts';
import type { Core } from '../app';
import { useTempCore } from '../testing/harness';
import { useChannelSuite } from './testing/channel-suite';

/**
 * Message templates and the link back to Guardian (docs/alerts.md, "Message templates"), against
 * a real HTTP service on 127.0.0.1 standing in for Slack and Telegram, on the engine the run picks:
 * a channel's own title and text, filled with the incident's facts and escaped as the service
 * needs; a link to the server's page once an admin says where Guardian is; a misspelt variable
 * refused when saved; and the test notification showing what an incident would read like.
 */

const suite = useChannelSuite(useTempCore({ prefix: 'guardian-alerts-templates-', lazy: true }));
const { call, refused, start } = suite;

async function channelOf(core: Core, type: 'slack' | 'telegram', config: Record<string, unknown>): Promise<AlertChannel> {
  const path = type === 'slack' ? `/hooks/slack/T0${randomBytes(4).toString('hex')}` : '';
  const secret = await call<{ id: string }>(core, 'secrets.create', {
    name: `${type} secret`,
    value: { kind: 'api_token', token: type === 'slack' ? `${suite.peer.origin}${path}` : `123456:${randomBytes(12).toString('hex')}` },
  });
  const channel = await call<AlertChannel>(core, 'alerts.createChannel', { name: type, type, secretId: secret.id, config });
  await call(core, 'alerts.createRule', { name: `to ${type}`, channelIds: [channel.id] });
  return channel;
}

const webDown = (core: Core) =>
  suite.outage(core, { name: 'web-1', host: 'web-1.example', port: 443, environment: 'prod', tags: ['web', 'eu'] }, 'refused <b>{{server}}</b>');

describe('message templates', () => {
  it('words a Slack message with the channel’s template, escaped as Slack says, and links to the server’s page', async () => {
    const core = await start();
    const settings = await call<AlertSettings>(core, 'alerts.updateSettings', { publicUrl: 'https://guardian.example.net/ops' });
    expect(settings.publicUrl).toBe('https://guardian.example.net/ops');
    const channel = await channelOf(core, 'slack', {
      template: { title: '[{{environment}}] {{server}} is {{status}}', text: '{{cause}} · checks: {{checks}} · tags: {{tags}} · open {{duration}}\n{{link}}' },
    });
    expect(channel.config).toMatchObject({ template: { title: '[{{environment}}] {{server}} is {{status}}' } });
    const outage = await webDown(core);
    await outage.tick('down');
    await core.alerts.worker.runOnce();

    const body = suite.peer.requests[0]?.json as { text: string; blocks: { type: string; text?: { text: string }; fields?: { text: string }[] }[] };
    const link = `https://guardian.example.net/ops#/servers/${outage.check.serverId}/health`;
    expect(body.blocks[0]?.text?.text).toBe('[prod] web-1 is down');
    // The cause's own braces are what the host printed, never filled in: a value is never a template.
    expect(body.blocks[1]?.text?.text).toBe(
      `TCP web-1.example:443 down: refused &lt;b&gt;{{server}}&lt;/b&gt; · checks: tcp · tags: eu, web · open 0 s\n${link}`,
    );
    expect(body.blocks[2]?.fields?.map((field) => field.text)).toContain(`*Link*\n${link}`);

    // Recovered fourteen minutes on (before the vault locks itself when idle): the same template, other facts.
    await suite.time.advance(14 * 60_000);
    await outage.tick('up');
    await core.alerts.worker.runOnce();
    const resolved = suite.peer.requests[1]?.json as { blocks: { text?: { text: string } }[] };
    expect(resolved.blocks[0]?.text?.text).toBe('[prod] web-1 is recovered');
    expect(resolved.blocks[1]?.text?.text).toContain('open 14 min');
  });

  it('keeps Guardian’s own words where a template is empty, and sends no link until an admin gives the address', async () => {
    const core = await start();
    await channelOf(core, 'slack', { template: { title: '🔥 {{server}} {{status}}', text: '   ' } });
    const outage = await webDown(core);
    await outage.tick('down');
    await core.alerts.worker.runOnce();
    const body = suite.peer.requests[0]?.json as { blocks: { text?: { text: string }; fields?: { text: string }[] }[] };
    expect(body.blocks[0]?.text?.text).toBe('🔥 web-1 down');
    expect(body.blocks[1]?.text?.text).toBe('TCP web-1.example:443 down: refused &lt;b&gt;{{server}}&lt;/b&gt;');
    expect(body.blocks[2]?.fields?.map((field) => field.text.split('\n')[0])).not.toContain('*Link*');
  });

  it('refuses a misspelt variable, an address that is not one, and lets only admins set the address', async () => {
    const core = await start();
    const secret = await call<{ id: string }>(core, 'secrets.create', { name: 'hook', value: { kind: 'api_token', token: `${suite.peer.origin}/hook` } });
    const typo = await refused(core, 'alerts.createChannel', {
      name: 'typo',
      type: 'slack',
      secretId: secret.id,
      config: { template: { title: '{{server}} is {{sevrity}}' } },
    });
    expect(typo.code).toBe('VALIDATION_FAILED');
    expect(typo.issues).toEqual([
      expect.objectContaining({ path: ['config', 'template', 'title'], message: expect.stringContaining('No such variable: {{sevrity}}') }),
    ]);
    const webhook = await refused(core, 'alerts.createChannel', {
      name: 'hook',
      type: 'webhook',
      secretId: secret.id,
      config: { url: `${suite.peer.origin}/hook`, template: { title: 'x' } },
    });
    expect(webhook.code).toBe('VALIDATION_FAILED');

    for (const publicUrl of ['ftp://guardian.example.net/', 'https://admin:pw@guardian.example.net/', 'https://guardian.example.net/?x=1', 'not a url']) {
      expect((await refused(core, 'alerts.updateSettings', { publicUrl })).issues?.[0]?.path, publicUrl).toEqual(['publicUrl']);
    }
    const operator = { kind: 'user', id: 'op', name: 'an operator', role: 'operator' } as const;
    expect((await refused(core, 'alerts.updateSettings', { publicUrl: 'https://evil.example/' }, operator)).code).toBe('PERMISSION_DENIED');
    expect((await call<AlertSettings>(core, 'alerts.settings', {})).publicUrl).toBeNull();
  });

  it('shows the template on a made-up incident in the test notification, HTML-escaped for Telegram', async () => {
    const core = await start();
    const channel = await channelOf(core, 'telegram', {
      chatId: '-1001234567890',
      apiUrl: suite.peer.origin,
      template: { title: '<{{server}}> {{status}}', text: '{{cause}}' },
    });
    const test = await call<{ delivered: boolean }>(core, 'alerts.testChannel', { id: channel.id });
    expect(test.delivered).toBe(true);
    const body = suite.peer.requests[0]?.json as { text: string; parse_mode: string };
    expect(body.parse_mode).toBe('HTML');
    expect(body.text).toContain('With this channel’s template, an incident reads:');
    expect(body.text).toContain('&lt;web-1 (example)&gt; down\nHTTPS check down: connection refused');
  });
});

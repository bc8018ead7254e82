import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertChannel, AlertRule, AlertSilence } from '@shared/api/alerts';
import { LOCAL_OWNER } from '@shared/permissions';
import { createCore } from '@core/app';
import { webhookReceiver, type Receiver } from '@core/alerts/testing/receiver';
import { silentLogger } from '@core/logging/logger';
import { configuredKeyFile } from '@core/vault/keyfile';
import { cleanUp, CLI_TEST_TIMEOUT_MS, runCli, tempDir } from './testing/guardian';

/**
 * `guardian alert …` and `guardian silence …` as a script runs them: the built CLI on a data dir
 * whose vault a key file unlocks, a webhook receiver on 127.0.0.1 that verifies the test send's
 * signature, tables for people and --json for scripts, exit codes 0, 1 (refused) and 2 (usage).
 * The signing secret's value never appears in anything the commands print.
 */

const SIGNING = `whsec_${randomBytes(32).toString('base64')}`;
let dataDir: string;
let keyFile: string;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await webhookReceiver(() => [SIGNING]);
  dataDir = tempDir('guardian-cli-alerts-');
  keyFile = join(tempDir('guardian-cli-alerts-key-'), 'vault.key');
  writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
  const core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless', vaultKeyFile: configuredKeyFile(keyFile) });
  try {
    await core.vault.init({ kind: 'keyfile' });
    const call = (method: string, input: unknown) => core.router.invoke(LOCAL_OWNER, method as 'alerts.settings', input, { origin: 'cli' });
    await call('secrets.create', { name: 'hook secret', value: { kind: 'api_token', token: SIGNING } });
    await call('alerts.updateSettings', { allowedTargets: ['127.0.0.1'] });
    await call('servers.create', { name: 'db-1', host: 'db-1.example', tags: ['db'], monitor: false });
  } finally {
    await core.close();
  }
}, 120_000);

afterAll(async () => {
  await receiver.close();
  await cleanUp();
});

const guardian = (...args: string[]) => runCli([...args, '--data-dir', dataDir]);

/** Neither the secret nor any of its encodings in what a command printed. */
function noSecret(result: { stdout: string; stderr: string }) {
  const raw = Buffer.from(SIGNING.slice('whsec_'.length), 'base64');
  for (const form of [SIGNING, SIGNING.slice('whsec_'.length), raw.toString('hex')]) {
    expect(result.stdout).not.toContain(form);
    expect(result.stderr).not.toContain(form);
  }
}

describe('guardian alert and guardian silence', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('adds, lists and tests a webhook channel by the secret’s name, never printing the secret', async () => {
    const added = await guardian(
      'alert',
      'channel',
      'add',
      '--name',
      'hook',
      '--type',
      'webhook',
      '--url',
      `${receiver.url}`,
      '--secret',
      'hook secret',
      '--json',
    );
    expect(added).toMatchObject({ code: 0, stderr: '' });
    noSecret(added);
    const channel = JSON.parse(added.stdout) as AlertChannel;
    expect(channel).toMatchObject({ name: 'hook', type: 'webhook', enabled: true, config: { url: receiver.url } });

    const listed = await guardian('alert', 'channel', 'list');
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    noSecret(listed);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+TYPE\s+TARGET\s+STATE\s+ID$/);
    expect(lines[1]).toMatch(new RegExp(`^hook\\s+webhook\\s+127\\.0\\.0\\.1\\s+enabled\\s+${channel.id}$`));

    // Without the key file the vault stays locked: refused, exit 1, saying what to pass.
    const locked = await runCli(['alert', 'channel', 'test', 'hook', '--data-dir', dataDir], { env: { GUARDIAN_VAULT_KEY_FILE: '' } });
    expect(locked.code).toBe(1);
    expect(locked.stderr).toContain('--vault-key-file');

    const tested = await guardian('alert', 'channel', 'test', 'hook', '--vault-key-file', keyFile);
    expect(tested).toMatchObject({ code: 0, stderr: '' });
    noSecret(tested);
    expect(tested.stdout).toMatch(/hook\s+yes\s+HTTP 200/);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.verified).toMatchObject({ ok: true });

    // The contract's own checks, field named: a config the webhook type refuses.
    const bad = await guardian('alert', 'channel', 'add', '--name', 'bad', '--type', 'webhook', '--config', '{"url": "not a url"}', '--secret', 'hook secret');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('config.url');
  });

  it('adds a rule by channel name and tag, and lists it', async () => {
    const added = await guardian('alert', 'rule', 'add', '--name', 'db down', '--channel', 'hook', '--on', 'tag:db', '--severity', 'down');
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toMatch(/db down\s+tag:db severity:down\s+hook\s+-\s+enabled/);
    const listed = await guardian('alert', 'rule', 'list', '--json');
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as AlertRule[]).map((rule) => [rule.name, rule.match.tags, rule.match.severities])).toEqual([
      ['db down', ['db'], ['down']],
    ]);

    // By check type: only incidents an HTTP or TLS check is bad in; a type that does not exist is the command line's to refuse.
    const web = await guardian('alert', 'rule', 'add', '--name', 'web checks', '--channel', 'hook', '--check-type', 'http', '--check-type', 'tls');
    expect(web).toMatchObject({ code: 0, stderr: '' });
    expect(web.stdout).toMatch(/web checks\s+check:http\|tls\s+hook/);
    const typo = await guardian('alert', 'rule', 'add', '--name', 'x', '--channel', 'hook', '--check-type', 'htp');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('one of tcp, http');

    // By source: security events and failed jobs, which are about no server; a source that does not exist is the command line's to refuse.
    const security = await guardian('alert', 'rule', 'add', '--name', 'security', '--channel', 'hook', '--source', 'security', '--source', 'jobs');
    expect(security).toMatchObject({ code: 0, stderr: '' });
    expect(security.stdout).toMatch(/security\s+sources:security\|jobs\s+hook/);
    const rules = JSON.parse((await guardian('alert', 'rule', 'list', '--json')).stdout) as AlertRule[];
    expect(rules.map((rule) => [rule.name, rule.sources])).toEqual([
      ['db down', ['incidents']],
      ['security', ['security', 'jobs']],
      ['web checks', ['incidents']],
    ]);
    const badSource = await guardian('alert', 'rule', 'add', '--name', 'x', '--channel', 'hook', '--source', 'backups');
    expect(badSource.code).toBe(2);
    expect(badSource.stderr).toContain('one of incidents, security, jobs');
    expect((await guardian('alert', 'rule', 'remove', 'security')).code).toBe(0);

    const noChannel = await guardian('alert', 'rule', 'add', '--name', 'x', '--channel', 'nowhere');
    expect(noChannel.code).toBe(1);
    expect(noChannel.stderr).toContain('There is no alert channel "nowhere"');
  });

  it('adds a rule with escalation steps and a repeat, lists them in words, and refuses what the contract refuses', async () => {
    const pager = await guardian('alert', 'channel', 'add', '--name', 'pager', '--type', 'webhook', '--url', receiver.url, '--secret', 'hook secret');
    expect(pager.code).toBe(0);
    const added = await guardian(
      'alert',
      'rule',
      'add',
      '--name',
      'web down',
      '--channel',
      'hook',
      '--on',
      'tag:web',
      '--escalate',
      '10:pager',
      '--escalate',
      '60:hook,pager',
      '--repeat',
      '30',
      '--json',
    );
    expect(added).toMatchObject({ code: 0, stderr: '' });
    const created = JSON.parse(added.stdout) as AlertRule;
    const ids = new Map((JSON.parse((await guardian('alert', 'channel', 'list', '--json')).stdout) as AlertChannel[]).map((each) => [each.name, each.id]));
    expect(created.escalation).toEqual([
      { afterMinutes: 10, channelIds: [ids.get('pager')] },
      { afterMinutes: 60, channelIds: [ids.get('hook'), ids.get('pager')] },
    ]);
    expect(created.repeatMinutes).toBe(30);

    const listed = await guardian('alert', 'rule', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^NAME\s+MATCHES\s+SENDS TO\s+ESCALATION\s+STATE\s+ID$/);
    expect(listed.stdout).toMatch(/web down\s+tag:web\s+hook\s+then pager after 10 min; then hook, pager after 60 min; repeats every 30 min\s+enabled/);

    // The contract judges bounds and order, its fields named; the command line judges the shape.
    const early = await guardian('alert', 'rule', 'add', '--name', 'x', '--channel', 'hook', '--escalate', '30:pager', '--escalate', '10:hook');
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('escalation.1.afterMinutes');
    expect(early.stderr).toContain('Must be later than step 1 (30 minutes)');
    const often = await guardian('alert', 'rule', 'add', '--name', 'x', '--channel', 'hook', '--repeat', '2');
    expect(often.code).toBe(1);
    expect(often.stderr).toContain('At least 5 minutes');
    const nowhere = await guardian('alert', 'rule', 'add', '--name', 'x', '--channel', 'hook', '--escalate', '10:nowhere');
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('There is no alert channel "nowhere"');
    for (const wrong of [
      ['--escalate', 'soon:pager'],
      ['--escalate', '10'],
      ['--escalate', '10:pager,'],
      ['--repeat', 'often'],
    ]) {
      const result = await guardian('alert', 'rule', 'add', '--name', 'x', '--channel', 'hook', ...wrong);
      expect(result.code, wrong.join(' ')).toBe(2);
      expect(result.stderr).toContain(wrong[0]);
    }
    const names = (JSON.parse((await guardian('alert', 'rule', 'list', '--json')).stdout) as AlertRule[]).map((rule) => rule.name);
    expect(names.sort()).toEqual(['db down', 'web checks', 'web down']);
  });

  it('adds a silence for a while with a reason, lists it, and expires it early; refuses what is wrong with 1 or 2', async () => {
    const added = await guardian('silence', 'add', '--on', 'server:db-1', '--for', '2h', '--reason', 'swapping the disks', '--json');
    expect(added).toMatchObject({ code: 0, stderr: '' });
    const silence = JSON.parse(added.stdout) as AlertSilence;
    expect(silence).toMatchObject({ state: 'active', reason: 'swapping the disks', createdBy: 'system:local-owner' });
    expect(silence.endsAt - silence.startsAt).toBe(2 * 3_600_000);

    const listed = await guardian('silence', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^active\\s+server:db-1\\s+\\S+\\s+\\S+\\s+system:local-owner\\s+swapping the disks\\s+${silence.id}$`, 'm'));

    // A check type alone is a matcher; nothing at all is not.
    const byType = await guardian('silence', 'add', '--check-type', 'ssh-metrics', '--for', '30m', '--reason', 'disk cleanup', '--json');
    expect(byType.code).toBe(0);
    expect((JSON.parse(byType.stdout) as AlertSilence).match.checkTypes).toEqual(['ssh-metrics']);
    const nothing = await guardian('silence', 'add', '--for', '30m', '--reason', 'x');
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('Match something');

    // The contract wants an end; the command line wants a reason.
    const noEnd = await guardian('silence', 'add', '--on', 'tag:db', '--reason', 'x');
    expect(noEnd.code).toBe(1);
    expect(noEnd.stderr).toContain('endsAt');
    const noReason = await guardian('silence', 'add', '--on', 'tag:db', '--for', '1h');
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--reason');
    const tooLong = await guardian('silence', 'add', '--on', 'tag:db', '--for', '91d', '--reason', 'x');
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toContain('90 days');

    const expired = await guardian('silence', 'expire', silence.id, '--reason', 'disks in early');
    expect(expired).toMatchObject({ code: 0, stderr: '' });
    expect(expired.stdout).toContain('expired');
    const after = await guardian('silence', 'list', '--state', 'expired', '--json');
    expect((JSON.parse(after.stdout) as AlertSilence[]).map((each) => [each.id, each.expireReason])).toEqual([[silence.id, 'disks in early']]);
    const again = await guardian('silence', 'expire', silence.id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already ended');
  });

  it('disables, enables and removes a rule and a channel by name, audited, and says so of one that is not there', async () => {
    const state = async (what: 'channel' | 'rule', name: string) =>
      (JSON.parse((await guardian('alert', what, 'list', '--json')).stdout) as { name: string; enabled: boolean }[]).find((each) => each.name === name)
        ?.enabled;
    const off = await guardian('alert', 'rule', 'disable', 'web checks');
    expect(off).toMatchObject({ code: 0, stdout: 'Disabled the rule web checks.\n', stderr: '' });
    expect(await state('rule', 'web checks')).toBe(false);
    expect((await guardian('alert', 'rule', 'enable', 'web checks', '--json')).code).toBe(0);
    expect(await state('rule', 'web checks')).toBe(true);
    expect((await guardian('alert', 'channel', 'disable', 'pager')).stdout).toBe('Disabled the channel pager.\n');
    expect(await state('channel', 'pager')).toBe(false);

    expect((await guardian('alert', 'rule', 'remove', 'web checks')).stdout).toBe('Removed the rule web checks.\n');
    expect(await state('rule', 'web checks')).toBeUndefined();
    expect((await guardian('alert', 'channel', 'remove', 'pager', '--json')).code).toBe(0);
    expect(await state('channel', 'pager')).toBeUndefined();
    const gone = await guardian('alert', 'rule', 'remove', 'web checks');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('There is no alert rule "web checks"');

    const audit = await guardian('audit', 'list', '--json');
    const actions = audit.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { action: string }).action);
    expect(actions).toEqual(expect.arrayContaining(['alerts.updateRule', 'alerts.deleteRule', 'alerts.updateChannel', 'alerts.deleteChannel']));
  });
});

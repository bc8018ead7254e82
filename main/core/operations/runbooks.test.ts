import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationRunWithTargets, OutputChunk, OutputMatch } from '@shared/api/operations';
import type { Runbook, RunbookVersion } from '@shared/api/runbooks';
import type { Principal } from '@shared/permissions';
import type { Core } from '../app';
import { createLogger } from '../logging/logger';
import { dataPaths } from '../paths';
import { CHEAP_SCRYPT, useTempCore } from '../testing/harness';
import { rowsOf } from '../testing/rows';
import { as, recordedCalls } from './testing/recorded-calls';
import { storedText } from '../testing/stored-text';
import { TestSshd } from '../testing/sshd';

/**
 * Runbooks against real OpenSSH servers on 127.0.0.1 (two sshd, two ports): versions kept on
 * every change, export and import, parameters checked against their types and delivered as
 * environment variables (a value of quotes, $() and newlines arrives as typed and runs nothing),
 * the dangerous confirmation, re-running the failed targets of a runbook version that has since
 * changed, the roles, sudo, and a canary secret parameter found nowhere it could be recorded. On
 * both engines (the PostgreSQL project runs this file again).
 */

const env = useTempCore({ prefix: 'guardian-runbooks-', lazy: true, scope: 'all' });
const CANARY = `CANARY-param-${createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 16)}`;

let a: TestSshd;
let b: TestSshd;
let core: Core;
const ids = { a: '', b: '' };
const sent: { name: string; payload: unknown }[] = [];
const answers: string[] = [];

const { call, refusal } = recordedCalls(() => core, answers);

const finished = async (started: Promise<OperationRunWithTargets>) => core.operations.waitFor((await started).id);
const runbook = (name: string, input: Record<string, unknown>, principal?: Principal) =>
  finished(call<OperationRunWithTargets>('runbooks.run', { id: name, ...input }, principal));

const target = (run: OperationRunWithTargets, serverId: string) => {
  const found = run.targets.find((each) => each.serverId === serverId);
  if (!found) throw new Error(`no target ${serverId}`);
  return found;
};
const stdout = async (runId: string, serverId: string) =>
  (await call<{ chunks: OutputChunk[] }>('operations.output', { id: runId, serverId })).chunks
    .filter((chunk) => chunk.stream === 'stdout')
    .map((chunk) => chunk.text)
    .join('');

/** Exits 3 on web-b only (the last field of SSH_CONNECTION is the server's port). */
const failOnB = () => `[ "\${SSH_CONNECTION##* }" != "${b.port}" ] || exit 3`;

beforeAll(async () => {
  [a, b] = await Promise.all([TestSshd.start(), TestSshd.start()]);
  const key = a.clientKey();
  writeFileSync(join(b.dir, 'authorized_keys'), key.publicKey, { flag: 'a' });
  const logger = createLogger('trace', pino.destination({ dest: dataPaths(env.dataDir).logFile, sync: true, mkdir: true }));
  core = await env.start({ logger, vaultScryptCost: CHEAP_SCRYPT });
  core.events.subscribe((name, payload) => sent.push({ name, payload }));
  await call('vault.init', { slot: { kind: 'passphrase', passphrase: 'a vault passphrase long enough' } });
  const server = (name: string, sshd: TestSshd, environment: string) =>
    call<{ id: string }>('servers.create', { name, host: '127.0.0.1', port: sshd.port, user: sshd.user, tags: ['web'], environment, monitor: false });
  ids.a = (await server('web-a', a, 'prod')).id;
  ids.b = (await server('web-b', b, 'staging')).id;
  await call('secrets.create', { name: 'web key', value: { kind: 'ssh_key', privateKey: key.privateKey }, serverIds: [ids.a, ids.b] });
}, 300_000);

afterAll(async () => {
  await Promise.all([a, b].map((sshd) => sshd?.dispose()));
});

// Each test runs several runs over SSH one after another: a loaded machine (2 cores, other suites beside) has taken 2 s a login.
describe('runbooks', { timeout: 120_000 }, () => {
  it('keeps every version, exports a version-stamped file and imports it as a new version, never over the old', async () => {
    const created = await call<Runbook>('runbooks.create', { name: 'Restart-App', script: 'echo one', defaultTargets: { tags: ['web'] } });
    expect(created).toMatchObject({ version: 1, runnableBy: 'admin', dangerous: false, sudo: false, archivedAt: null });
    const taken = await refusal('runbooks.create', { name: 'restart-app', script: 'echo clash' });
    expect(taken).toMatchObject({ code: 'CONFLICT', issues: [{ path: ['name'], message: 'Taken' }] });

    const updated = await call<Runbook>('runbooks.update', { id: 'restart-app', script: 'echo two' });
    expect(updated).toMatchObject({ id: created.id, version: 2, script: 'echo two', defaultTargets: { tags: ['web'] } });
    const versions = await call<{ items: RunbookVersion[] }>('runbooks.versions', { id: created.id });
    expect(versions.items.map((each) => [each.version, each.spec.script])).toEqual([
      [2, 'echo two'],
      [1, 'echo one'],
    ]);

    const file = await call<{ fileName: string; content: string }>('runbooks.export', { id: 'Restart-App' });
    expect(file.fileName).toBe('Restart-App.runbook.json');
    const parsed = JSON.parse(file.content) as { format: string; version: number; runbook: { script: string } };
    expect(parsed).toMatchObject({ format: 'guardian-runbook/1', version: 2, runbook: { name: 'Restart-App', script: 'echo two' } });

    expect(await call('runbooks.import', { content: file.content })).toMatchObject({ outcome: 'unchanged', runbook: { version: 2 } });
    const changed = JSON.stringify({ ...parsed, runbook: { ...parsed.runbook, script: 'echo three' } });
    expect(await call('runbooks.import', { content: changed })).toMatchObject({ outcome: 'new-version', runbook: { id: created.id, version: 3 } });
    const renamed = JSON.stringify({ ...parsed, runbook: { ...parsed.runbook, name: 'restart-app-copy' } });
    expect(await call('runbooks.import', { content: renamed })).toMatchObject({ outcome: 'created', runbook: { version: 1 } });
    expect((await call<{ items: RunbookVersion[] }>('runbooks.versions', { id: created.id })).items.map((each) => each.spec.script)).toEqual([
      'echo three',
      'echo two',
      'echo one',
    ]);

    const bad = JSON.stringify({ ...parsed, runbook: { ...parsed.runbook, params: [{ name: 'PATH', type: 'string' }] } });
    expect(await refusal('runbooks.import', { content: bad })).toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: ['content', 'runbook', 'params', 0, 'name'], message: 'That name is a variable the shell, sshd or sudo sets; choose another' }],
    });
    expect(await refusal('runbooks.import', { content: '{"format":"something else"}' })).toMatchObject({ code: 'VALIDATION_FAILED' });

    // Archived: not listed, not run, its versions kept; updating it restores it.
    await call('runbooks.delete', { id: 'restart-app-copy' });
    const listed = await call<{ items: Runbook[] }>('runbooks.list', {});
    expect(listed.items.map((each) => each.name)).not.toContain('restart-app-copy');
    expect((await call<{ items: Runbook[] }>('runbooks.list', { archived: true })).items.map((each) => each.name)).toEqual(['restart-app-copy']);
    expect(await refusal('runbooks.run', { id: 'restart-app-copy' })).toMatchObject({ code: 'CONFLICT' });
    expect((await call<{ items: RunbookVersion[] }>('runbooks.versions', { id: 'restart-app-copy' })).items).toHaveLength(1);
    expect(await call('runbooks.update', { id: 'restart-app-copy', description: 'back' })).toMatchObject({ archivedAt: null, version: 2 });

    // A run records the version it ran.
    const ran = await runbook('Restart-App', {});
    expect(ran).toMatchObject({ command: 'echo three', runbook: { id: created.id, name: 'Restart-App', version: 3 }, params: {} });
    expect(await stdout(ran.id, ids.a)).toBe('three\n');
  });

  it('checks each parameter against its type and bounds, with one field error per parameter', async () => {
    await call('runbooks.create', {
      name: 'typed',
      script: 'true',
      defaultTargets: { serverIds: [ids.a] },
      params: [
        { name: 'SERVICE', type: 'string', pattern: '[a-z-]+', maxLength: 20 },
        { name: 'COUNT', type: 'number', integer: true, min: 1, max: 5, default: 2 },
        { name: 'MODE', type: 'choice', options: ['fast', 'slow'] },
        { name: 'WHERE', type: 'server', field: 'name' },
      ],
    });
    const error = await refusal('runbooks.run', { id: 'typed', params: { SERVICE: 'Nginx!', COUNT: '7', MODE: 'medium', WHERE: 'x', OTHER: 1 } });
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.issues).toEqual([
      { path: ['params', 'OTHER'], message: 'The runbook has no parameter OTHER (it has SERVICE, COUNT, MODE, WHERE)' },
      { path: ['params', 'SERVICE'], message: 'It does not match [a-z-]+' },
      { path: ['params', 'COUNT'], message: 'At most 5' },
      { path: ['params', 'MODE'], message: 'One of fast, slow' },
      { path: ['params', 'WHERE'], message: 'Taken from each server’s name; do not give it' },
    ]);
    expect((await refusal('runbooks.run', { id: 'typed', params: { COUNT: 2.5 } })).issues).toEqual([
      { path: ['params', 'SERVICE'], message: 'Required' },
      { path: ['params', 'COUNT'], message: 'A whole number is expected' },
      { path: ['params', 'MODE'], message: 'Required' },
    ]);
    // A definition that contradicts itself is refused when written.
    const badSpec = await refusal('runbooks.create', {
      name: 'contradictory',
      script: 'true',
      params: [
        { name: 'A', type: 'number', min: 5, max: 1 },
        { name: 'B', type: 'choice', options: ['x'], default: 'y' },
        { name: 'C', type: 'string', secret: true, default: 'stored-in-clear' },
        { name: 'A', type: 'string' },
      ],
    });
    expect(badSpec.issues?.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'params.0.min: min is above max',
      'params.1.default: The default is one of the options',
      'params.2.default: A secret parameter has no default: it would be stored',
      'params.3.name: Another parameter is called A',
    ]);
  });

  it('delivers each parameter as an environment variable: quotes, $() and newlines arrive as typed and run nothing', async () => {
    const marker = `/tmp/guardian-runbook-injected-${process.pid}-${Date.now()}`;
    const value = `it's "quoted" $(touch ${marker}) \`touch ${marker}\` $HOME; touch ${marker}\nsecond line\n`;
    await call('runbooks.create', {
      name: 'echo-params',
      script: `printf '%s' "$VALUE"; printf '|%s|%s|%s|%s' "$COUNT" "$MODE" "$WHERE" "$ADDRESS"`,
      params: [
        { name: 'VALUE', type: 'string' },
        { name: 'COUNT', type: 'number', default: 3 },
        { name: 'MODE', type: 'choice', options: ['fast', 'slow'] },
        { name: 'WHERE', type: 'server', field: 'name' },
        { name: 'ADDRESS', type: 'server', field: 'address' },
      ],
    });
    const ran = await runbook('echo-params', { targets: { tags: ['web'] }, params: { VALUE: value, MODE: 'fast' } });
    expect(ran.targets.map((each) => each.state)).toEqual(['succeeded', 'succeeded']);
    expect(await stdout(ran.id, ids.a)).toBe(`${value}|3|fast|web-a|127.0.0.1:${a.port}`);
    expect(await stdout(ran.id, ids.b)).toBe(`${value}|3|fast|web-b|127.0.0.1:${b.port}`);
    expect(existsSync(marker)).toBe(false);
    // The record keeps the script as written and the values apart from it.
    expect(ran.command).toBe(`printf '%s' "$VALUE"; printf '|%s|%s|%s|%s' "$COUNT" "$MODE" "$WHERE" "$ADDRESS"`);
    expect(ran.params).toEqual({ VALUE: value, COUNT: 3, MODE: 'fast' });
  });

  it('skips a target without a required server field, in words, and uses a field’s default where a server has none', async () => {
    const bare = await call<{ id: string }>('servers.create', {
      name: 'bare-c',
      host: '127.0.0.1',
      port: a.port,
      user: a.user,
      tags: ['bare'],
      monitor: false,
    });
    await call('runbooks.create', {
      name: 'by-environment',
      script: 'echo "$STAGE/$ZONE"',
      params: [
        { name: 'STAGE', type: 'server', field: 'environment' },
        { name: 'ZONE', type: 'server', field: 'environment', required: false, default: 'none' },
      ],
    });
    const ran = await runbook('by-environment', { targets: { serverIds: [ids.a, bare.id] } });
    expect(target(ran, bare.id)).toMatchObject({ state: 'skipped', startedAt: null, message: 'bare-c has no environment for the parameter STAGE' });
    expect(await stdout(ran.id, ids.a)).toBe('prod/prod\n');
    await call('runbooks.update', {
      id: 'by-environment',
      params: [{ name: 'ZONE', type: 'server', field: 'environment', default: 'none' }],
      script: 'echo "$ZONE"',
    });
    const defaulted = await runbook('by-environment', { targets: { serverIds: [bare.id] } });
    expect(target(defaulted, bare.id).state).toBe('failed');
    // Not skipped: it went on to log in (no credential is linked to bare-c) with the default in place.
    expect(target(defaulted, bare.id).message).toBe('no password or SSH key in the vault is linked to bare-c');
  });

  it('runs a dangerous runbook only when confirmed with the number of servers it would hit', async () => {
    await call('runbooks.create', { name: 'wipe-cache', script: 'echo wiped', dangerous: true, defaultTargets: { tags: ['web'] } });
    const unconfirmed = await refusal('runbooks.run', { id: 'wipe-cache' });
    expect(unconfirmed).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'Runbook "wipe-cache" is marked dangerous and would run on 2 servers: confirm with 2.',
      issues: [{ path: ['confirm'], message: 'Type 2 to confirm' }],
    });
    expect((await refusal('runbooks.run', { id: 'wipe-cache', confirm: 1 })).issues).toEqual([{ path: ['confirm'], message: 'It would run on 2, not 1' }]);
    // One server named: one to confirm.
    const one = await runbook('wipe-cache', { targets: { serverIds: [ids.b] }, confirm: 1 });
    expect(one.targets.map((each) => each.state)).toEqual(['succeeded']);
    const both = await runbook('wipe-cache', { confirm: 2 });
    expect(both.counts.succeeded).toBe(2);
    // A re-run asks again.
    expect((await refusal('operations.rerun', { id: both.id })).issues).toEqual([{ path: ['confirm'], message: 'Type 2 to confirm' }]);
  });

  it('re-runs only the failed targets with the version and parameters the run used, even after the runbook changed', async () => {
    await call('runbooks.create', {
      name: 'deploy',
      script: `echo "v1 $RELEASE"; ${failOnB()}`,
      params: [{ name: 'RELEASE', type: 'string' }],
      defaultTargets: { tags: ['web'] },
    });
    const first = await runbook('deploy', { params: { RELEASE: 'r42' } });
    expect([target(first, ids.a).state, target(first, ids.b).state]).toEqual(['succeeded', 'failed']);
    await call('runbooks.update', { id: 'deploy', script: 'echo v2' });

    const again = await finished(call<OperationRunWithTargets>('operations.rerun', { id: first.id, only: 'failed' }));
    expect(again).toMatchObject({ rerunOf: first.id, runbook: { name: 'deploy', version: 1 }, params: { RELEASE: 'r42' } });
    expect(again.targets.map((each) => each.serverName)).toEqual(['web-b']);
    expect(await stdout(again.id, ids.b)).toBe('v1 r42\n');

    const all = await finished(call<OperationRunWithTargets>('operations.rerun', { id: first.id, only: 'all' }));
    expect(all.targets.map((each) => each.serverName)).toEqual(['web-a', 'web-b']);

    const fine = await runbook('deploy', { targets: { serverIds: [ids.a] }, params: { RELEASE: 'r43' } });
    expect(await refusal('operations.rerun', { id: fine.id, only: 'failed' })).toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: ['only'], message: 'No target failed' }],
    });
    // An ad-hoc command re-runs the same way.
    const adhoc = await finished(call<OperationRunWithTargets>('operations.run', { command: failOnB(), targets: { tags: ['web'] } }));
    const adhocAgain = await finished(call<OperationRunWithTargets>('operations.rerun', { id: adhoc.id, only: 'failed' }));
    expect(adhocAgain).toMatchObject({ command: failOnB(), runbook: null, rerunOf: adhoc.id });
    expect(adhocAgain.targets.map((each) => `${each.serverName}:${each.state}`)).toEqual(['web-b:failed']);
  });

  it('lets an operator run a runbook open to operators, but not an admin-only one, not ad-hoc commands, and not edit', async () => {
    const operator = as('operator');
    await call('runbooks.create', { name: 'for-operators', script: 'echo ok', runnableBy: 'operator', defaultTargets: { serverIds: [ids.a] } });
    await call('runbooks.create', { name: 'admins-only', script: 'echo no', defaultTargets: { serverIds: [ids.a] } });

    const ran = await runbook('for-operators', {}, operator);
    expect(ran.targets.map((each) => each.state)).toEqual(['succeeded']);
    expect(await finished(call<OperationRunWithTargets>('operations.rerun', { id: ran.id }, operator))).toMatchObject({ rerunOf: ran.id });

    expect(await refusal('runbooks.run', { id: 'admins-only' }, operator)).toMatchObject({
      code: 'PERMISSION_DENIED',
      message: 'Runbook "admins-only" is run by admins and owners only; your role (operator) may not run it.',
    });
    expect((await refusal('operations.run', { command: 'echo no', targets: { serverIds: [ids.a] } }, operator)).code).toBe('PERMISSION_DENIED');
    const adhoc = await finished(call<OperationRunWithTargets>('operations.run', { command: 'true', targets: { serverIds: [ids.a] } }));
    expect((await refusal('operations.rerun', { id: adhoc.id }, operator)).code).toBe('PERMISSION_DENIED');
    for (const [name, input] of [
      ['runbooks.create', { name: 'by-operator', script: 'true' }],
      ['runbooks.update', { id: 'for-operators', script: 'echo changed' }],
      ['runbooks.delete', { id: 'for-operators' }],
      ['runbooks.import', { content: (await call<{ content: string }>('runbooks.export', { id: 'for-operators' })).content }],
    ] as const) {
      expect((await refusal(name, input, operator)).code, name).toBe('PERMISSION_DENIED');
    }
    expect((await refusal('runbooks.run', { id: 'for-operators' }, as('viewer'))).code).toBe('PERMISSION_DENIED');
    expect((await call<Runbook>('runbooks.get', { id: 'for-operators' }, as('viewer'))).version).toBe(1);
  });

  it('runs a sudo runbook under sudo -n, and says in words when sudo cannot', async () => {
    await call('runbooks.create', { name: 'as-root', script: 'id -u', sudo: true, defaultTargets: { serverIds: [ids.a] } });
    const ran = await runbook('as-root', {});
    expect(ran.sudo).toBe(true);
    // The test sshd logs in as whoever runs the tests; this machine may have no sudo at all.
    const sudo = ['/usr/bin/sudo', '/bin/sudo', '/usr/local/bin/sudo'].some((path) => existsSync(path));
    if (sudo) {
      expect(target(ran, ids.a).state).toBe('succeeded');
      expect(await stdout(ran.id, ids.a)).toBe('0\n');
    } else {
      expect(target(ran, ids.a)).toMatchObject({ state: 'failed', exitCode: 127, message: 'sudo is not installed on web-a' });
    }
  });

  it('never stores, logs, audits, sends or exports a secret parameter, and asks for it again on a re-run', async () => {
    await call('runbooks.create', {
      name: 'with-secret',
      // The secret printed whole, to stderr, and in two writes with a pause between them.
      script: `echo "signal is $SIGNAL for $SERVICE"; echo "$SIGNAL" >&2; printf '%s' "\${SIGNAL%????????}"; sleep 0.3; printf '%s\\n' "\${SIGNAL#"\${SIGNAL%????????}"}"; ${failOnB()}`,
      params: [
        { name: 'SIGNAL', type: 'string', secret: true, minLength: 12 },
        { name: 'SERVICE', type: 'string', default: 'nginx' },
      ],
      defaultTargets: { tags: ['web'] },
    });
    const ran = await runbook('with-secret', { params: { SIGNAL: CANARY } });
    expect(ran.params).toEqual({ SIGNAL: '[redacted]', SERVICE: 'nginx' });
    expect(target(ran, ids.a).state).toBe('succeeded');
    expect(await stdout(ran.id, ids.a)).toBe('signal is [redacted] for nginx\n[redacted]\n');
    // The hash is of the bytes printed, the secret included, in the order they arrived (stderr's line may come between stdout's writes).
    const writes = [`signal is ${CANARY} for nginx\n`, CANARY.slice(0, -8), `${CANARY.slice(-8)}\n`];
    const orders = [0, 1, 2, 3].map((at) => [...writes.slice(0, at), `${CANARY}\n`, ...writes.slice(at)].join(''));
    expect(orders.map((printed) => createHash('sha256').update(printed).digest('hex'))).toContain(target(ran, ids.a).outputSha256);

    const missing = await refusal('operations.rerun', { id: ran.id, only: 'failed' });
    expect(missing.issues).toEqual([{ path: ['params', 'SIGNAL'], message: 'Secret: Guardian did not keep it; give it again' }]);
    const other = await refusal('operations.rerun', { id: ran.id, params: { SIGNAL: CANARY, SERVICE: 'apache' } });
    expect(other.issues).toEqual([{ path: ['params', 'SERVICE'], message: 'Only secret parameters are given again; the others are the run’s own' }]);
    const again = await finished(call<OperationRunWithTargets>('operations.rerun', { id: ran.id, only: 'failed', params: { SIGNAL: CANARY } }));
    expect(again.targets.map((each) => each.serverName)).toEqual(['web-b']);
    expect(await stdout(again.id, ids.b)).toBe('signal is [redacted] for nginx\n[redacted]\n');
    // Searching the output finds what stands for the secret, never the secret, whole or in part.
    for (const piece of [CANARY, CANARY.slice(0, -8), CANARY.slice(-8)]) {
      expect((await call<{ items: OutputMatch[] }>('operations.searchOutput', { text: piece }, as('auditor'))).items, piece).toEqual([]);
    }
    const masked = await call<{ items: OutputMatch[] }>('operations.searchOutput', { text: 'SIGNAL IS [REDACTED] FOR', serverIds: [ids.a, ids.b] });
    expect(masked.items.map((item) => [item.runId === ran.id ? 'run' : 'rerun', item.serverName, item.excerpt.match]).sort()).toEqual([
      ['rerun', 'web-b', 'signal is [redacted] for'],
      ['run', 'web-a', 'signal is [redacted] for'],
      ['run', 'web-b', 'signal is [redacted] for'],
    ]);
    answers.push((await call<{ content: string }>('runbooks.export', { id: 'with-secret' })).content);

    const haystacks = await storedText(core, env.dataDir);
    haystacks.push({ where: 'events', text: JSON.stringify(sent) }, { where: 'answers', text: answers.join('\n') });
    expect(haystacks.filter(({ text }) => text.includes(CANARY)).map(({ where }) => where)).toEqual([]);
    expect(haystacks.some(({ where }) => where.endsWith('.log'))).toBe(true);
    // The run's audit event has the parameters, the secret redacted.
    const requested = await rowsOf(core).all<{ details: string }>(
      "SELECT details FROM audit_events WHERE action = 'operation.requested' AND target = ?",
      `operation:${ran.id}`,
    );
    expect(JSON.parse(requested[0]?.details ?? '{}')).toMatchObject({ params: { SIGNAL: '[redacted]', SERVICE: 'nginx' }, runbook: { name: 'with-secret' } });
  });
});

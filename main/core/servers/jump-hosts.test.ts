import { type AddressInfo, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '@shared/api/jobs';
import type { OperationRunWithTargets } from '@shared/api/operations';
import { ImportSummary } from '@shared/api/servers';
import type { Core } from '../app';
import { CHEAP_SCRYPT, useTempCore } from '../testing/harness';
import { rowsOf } from '../testing/rows';
import { type KeyPair, TestSshd, keygenFingerprint } from '../testing/sshd';
import { as, recordedCalls } from '../operations/testing/recorded-calls';

/**
 * Jump hosts (ProxyJump) against real OpenSSH servers on 127.0.0.1: a target on 127.0.0.2 reached
 * through a jump sshd, each hop logging in with its own vault key (each sshd's log names the key
 * it accepted), an ssh check and an operations run through it, the jump host stopped (the target
 * still up) and one that refuses to forward, a jump host's changed key refused and audited, and
 * the inventory's refusals: itself, a loop, a chain too long, removing a server others go through.
 * On both engines (the PostgreSQL project runs this file again).
 */

const env = useTempCore({ prefix: 'guardian-jump-hosts-', lazy: true, scope: 'all' });
const PASSPHRASE = 'a vault passphrase long enough';

let jump: TestSshd;
/** Refuses to forward: AllowTcpForwarding no. */
let closed: TestSshd;
/** On a loopback address of its own: the host behind the jump host. */
let target: TestSshd;
let jumpKey: KeyPair;
let targetKey: KeyPair;
let core: Core;
const ids = { jump: '', closed: '', target: '', bare: '' };
const answers: string[] = [];
const { call, refusal } = recordedCalls(() => core, answers);

async function run(serverId: string, command = 'echo through-the-jump'): Promise<OperationRunWithTargets> {
  const started = await call<OperationRunWithTargets>('operations.run', { command, targets: { serverIds: [serverId] } });
  return core.operations.waitFor(started.id);
}
const only = (done: OperationRunWithTargets) => {
  const [first] = done.targets;
  if (!first) throw new Error('a run without targets');
  return first;
};
const sshCheck = (serverId?: string) =>
  call<{ status: string; message: string }>('checks.test', {
    spec: { type: 'ssh', config: { host: target.address, port: target.port } },
    ...(serverId ? { serverId } : {}),
    timeoutMs: 5_000,
  });
const server = (name: string, fields: Record<string, unknown>) =>
  call<{ id: string }>('servers.create', { name, monitor: false, ...fields }).then((created) => created.id);
const setJump = (id: string, jumpHostId: string | null) => call('servers.update', { id, jumpHostId });
/** Links the jump hosts' key to one more server, and answers its id. */
async function withJumpKey(id: string): Promise<string> {
  const secret = (await call<{ items: { id: string; name: string; serverIds: string[] }[] }>('secrets.list', {})).items.find(
    (each) => each.name === 'jump key',
  );
  await call('secrets.update', { id: secret?.id, serverIds: [...(secret?.serverIds ?? []), id] });
  return id;
}

beforeAll(async () => {
  [jump, closed, target] = await Promise.all([
    TestSshd.start(),
    TestSshd.start({ config: ['AllowTcpForwarding no'] }),
    TestSshd.start({ address: '127.0.0.2' }),
  ]);
  jumpKey = jump.clientKey();
  // The same key opens the other jump host; neither jump host accepts the target's key, nor the target the jump hosts'.
  closed.authorize(jumpKey);
  targetKey = target.clientKey();
  core = await env.start({ vaultScryptCost: CHEAP_SCRYPT });
  await call('vault.init', { slot: { kind: 'passphrase', passphrase: PASSPHRASE } });
  ids.jump = await server('bastion', { host: '127.0.0.1', port: jump.port, user: jump.user });
  ids.closed = await server('no-forward', { host: '127.0.0.1', port: closed.port, user: closed.user });
  ids.bare = await server('bare', { host: '127.0.0.1', port: jump.port, user: jump.user });
  ids.target = await server('app', { host: target.address, port: target.port, user: target.user, jumpHostId: ids.jump });
  await call('secrets.create', { name: 'jump key', value: { kind: 'ssh_key', privateKey: jumpKey.privateKey }, serverIds: [ids.jump, ids.closed] });
  await call('secrets.create', { name: 'app key', value: { kind: 'ssh_key', privateKey: targetKey.privateKey }, serverIds: [ids.target] });
}, 120_000);

afterAll(async () => {
  await Promise.all([jump, closed, target].map((sshd) => sshd?.dispose()));
});

describe('through a jump host', () => {
  it('runs a command on the target through the jump host, each hop logging in with its own key, and closes both', async () => {
    const done = await run(ids.target, 'echo through-the-jump; echo "$SSH_CONNECTION"');
    expect(only(done)).toMatchObject({ state: 'succeeded', exitCode: 0 });
    const printed = await call<{ chunks: { text: string }[] }>('operations.output', { id: done.id, serverId: ids.target });
    expect(printed.chunks.map((chunk) => chunk.text).join('')).toContain('through-the-jump');
    // Each sshd accepted its own key and never saw the other.
    const jumpFingerprint = keygenFingerprint(jumpKey.publicFile);
    const targetFingerprint = keygenFingerprint(targetKey.publicFile);
    expect(jump.output()).toContain(jumpFingerprint);
    expect(jump.output()).not.toContain(targetFingerprint);
    expect(target.output()).toContain(targetFingerprint);
    expect(target.output()).not.toContain(jumpFingerprint);
    // Both hops pinned in the one table the ssh check uses.
    const pins = await rowsOf(core).all<{ target: string; fingerprint: string }>('SELECT target, fingerprint FROM host_keys ORDER BY target');
    expect(pins).toEqual(
      expect.arrayContaining([
        { target: `127.0.0.1:${jump.port}`, fingerprint: jump.hostKeyFingerprint() },
        { target: `127.0.0.2:${target.port}`, fingerprint: target.hostKeyFingerprint() },
      ]),
    );
    // The record says which way it went.
    const audited = await rowsOf(core).value<string>("SELECT details FROM audit_events WHERE correlation_id = ? AND action = 'operation.target'", done.id);
    expect(JSON.parse(audited ?? '{}')).toMatchObject({ server: 'app', via: ['bastion'] });
    // Every hop is closed once the target's connection ends (bounded wait for sshd to log it).
    for (let attempt = 0; attempt < 100 && !/Disconnected from user/.test(jump.output()); attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(jump.output()).toMatch(/Disconnected from user/);
  });

  it('runs the ssh check through the jump host, and says which hop failed when the jump host is down while the target is up', async () => {
    expect(await sshCheck(ids.target)).toMatchObject({ status: 'up' });
    await jump.stop();
    try {
      const check = await sshCheck(ids.target);
      expect(check).toMatchObject({ status: 'down', message: `connection refused on jump host bastion (127.0.0.1:${jump.port})` });
      const done = await run(ids.target);
      expect(only(done)).toMatchObject({ state: 'failed', message: `connection refused on jump host bastion (127.0.0.1:${jump.port})` });
      // The target itself still answers, directly.
      expect(await sshCheck()).toMatchObject({ status: 'up' });
    } finally {
      await jump.restart();
    }
    expect(await sshCheck(ids.target)).toMatchObject({ status: 'up' });
  });

  it('reads load, memory and disk through the jump host (ssh-metrics), logging in to the target with the check’s own credential', async () => {
    const appKey = (await call<{ items: { id: string; name: string }[] }>('secrets.list', {})).items.find((each) => each.name === 'app key');
    const metrics = await call<{ status: string; message: string }>('checks.test', {
      spec: { type: 'ssh-metrics', config: { port: target.port, user: target.user, credentialId: appKey?.id, thresholds: {} } },
      serverId: ids.target,
      timeoutMs: 5_000,
    });
    expect(metrics.message).toMatch(/^load [\d.]+\/core, memory \d+ %|load is/);
    expect(jump.output().match(/Accepted publickey/g)?.length).toBeGreaterThan(1);
  });

  it('closes the jump host’s session too when a run through it is cancelled', async () => {
    const before = jump.output().match(/Disconnected from user/g)?.length ?? 0;
    const started = await call<OperationRunWithTargets>('operations.run', { command: 'sleep 30', targets: { serverIds: [ids.target] } });
    for (
      let attempt = 0;
      attempt < 200 && (await call<OperationRunWithTargets>('operations.get', { id: started.id })).targets[0]?.state !== 'running';
      attempt++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await call('operations.cancel', { id: started.id });
    expect(only(await core.operations.waitFor(started.id)).state).toBe('cancelled');
    for (let attempt = 0; attempt < 100 && (jump.output().match(/Disconnected from user/g)?.length ?? 0) <= before; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(jump.output().match(/Disconnected from user/g)?.length ?? 0).toBeGreaterThan(before);
  });

  it('says so when the jump host refuses to forward (AllowTcpForwarding no), refuses its login, or has no credential', async () => {
    await setJump(ids.target, ids.closed);
    const refused = await run(ids.target);
    expect(only(refused).state).toBe('failed');
    expect(only(refused).message).toMatch(
      new RegExp(
        `^jump host no-forward \\(127\\.0\\.0\\.1:${closed.port}\\) could not open a connection to 127\\.0\\.0\\.2:${target.port}: its sshd does not allow forwarding there \\(administratively prohibited`,
      ),
    );
    // A jump host that does not take its credential: the target's own sshd, which takes only the target's key.
    await setJump(ids.target, await withJumpKey(await server('refuses-key', { host: target.address, port: target.port, user: target.user })));
    expect(only(await run(ids.target)).message).toBe(`authentication failed for user ${target.user} on jump host refuses-key (127.0.0.2:${target.port})`);
    // A jump host without a linked credential: the target's is never tried on it.
    await setJump(ids.target, ids.bare);
    expect(only(await run(ids.target)).message).toBe('cannot log in to jump host bare: no password or SSH key in the vault is linked to bare');
    await setJump(ids.target, ids.jump);
  });

  it('times out on a jump host that never answers, saying which one', async () => {
    // Accepts and says nothing: not even an SSH banner.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      await setJump(ids.target, await withJumpKey(await server('silent', { host: '127.0.0.1', port, user: jump.user })));
      const started = await call<OperationRunWithTargets>('operations.run', { command: 'true', targets: { serverIds: [ids.target] }, timeoutSeconds: 1 });
      const done = await core.operations.waitFor(started.id);
      expect(only(done)).toMatchObject({ state: 'timed-out', message: `timed out after 1 s waiting for jump host silent (127.0.0.1:${port})` });
    } finally {
      await setJump(ids.target, ids.jump);
      silent.close();
    }
  });

  it('refuses a jump host whose key changed, with both fingerprints, audited under the jump host, and keeps its pin', async () => {
    const pinned = jump.hostKeyFingerprint();
    await jump.restart({ newHostKey: true });
    const offered = jump.hostKeyFingerprint();
    const done = await run(ids.target);
    expect(only(done)).toMatchObject({
      state: 'failed',
      message: `host key changed on jump host bastion (127.0.0.1:${jump.port}): pinned ${pinned}, offered ${offered}; refused`,
      outputBytes: 0,
    });
    const audit = await rowsOf(core).all<{ target: string; details: string }>(
      "SELECT target, details FROM audit_events WHERE correlation_id = ? AND action = 'operation.hostKeyRefused'",
      done.id,
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]?.target).toBe(`server:${ids.jump}`);
    expect(JSON.parse(audit[0]?.details ?? '{}')).toMatchObject({ address: `127.0.0.1:${jump.port}`, expected: pinned, actual: offered, jumpHostFor: 'app' });
    expect(await sshCheck(ids.target)).toMatchObject({
      status: 'down',
      message: `host key mismatch on jump host bastion (127.0.0.1:${jump.port}): expected ${pinned}, got ${offered}`,
    });
    expect(await rowsOf(core).value<string>('SELECT fingerprint FROM host_keys WHERE target = ?', `127.0.0.1:${jump.port}`)).toBe(pinned);
  });
});

describe('the inventory’s jump links', () => {
  it('refuses a server as its own jump host, a loop, a chain longer than four hops and a server that does not exist', async () => {
    const chain: string[] = [];
    for (const name of ['hop-1', 'hop-2', 'hop-3', 'hop-4', 'hop-5']) {
      chain.push(await server(name, { host: `${name}.example.net`, jumpHostId: chain.at(-1) ?? null }));
    }
    const [first, second, , fourth, fifth] = chain as [string, string, string, string, string];
    const self = await refusal('servers.update', { id: first, jumpHostId: first });
    expect(self).toMatchObject({ code: 'VALIDATION_FAILED', message: 'hop-1 cannot connect through itself.', issues: [{ path: ['jumpHostId'] }] });
    expect(self.hint).toMatch(/another server/);

    const loop = await refusal('servers.update', { id: first, jumpHostId: fourth });
    expect(loop).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['jumpHostId'] }] });
    expect(loop.message).toBe('hop-4 already connects through hop-1: hop-1 → hop-4 → hop-3 → hop-2 → hop-1 would be a loop.');

    // hop-5 passes four jump hosts (hop-1 … hop-4): a sixth server through it would pass five.
    const tooLong = await refusal('servers.create', { name: 'hop-6', host: 'hop-6.example.net', monitor: false, jumpHostId: fifth });
    expect(tooLong).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['jumpHostId'] }] });
    expect(tooLong.message).toBe('hop-6 would pass 5 jump hosts (hop-6 → hop-5 → hop-4 → hop-3 → hop-2 → hop-1); at most 4 are allowed.');
    // Lengthening the chain above servers already in it counts for them too.
    const extra = await server('hop-0', { host: 'hop-0.example.net' });
    const above = await refusal('servers.update', { id: first, jumpHostId: extra });
    expect(above.message).toBe('hop-5 would then pass 5 jump hosts (hop-5 → hop-4 → hop-3 → hop-2 → hop-1 → hop-0); at most 4 are allowed.');

    const missing = await refusal('servers.update', { id: second, jumpHostId: '00000000-0000-4000-8000-000000000000' });
    expect(missing).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['jumpHostId'] }] });
    expect((await refusal('servers.update', { id: second, jumpHostId: 'bastion' })).code).toBe('VALIDATION_FAILED');
  });

  it('keeps a server others connect through until they have another way, naming them', async () => {
    const refused = await refusal('servers.delete', { id: ids.jump });
    expect(refused).toMatchObject({ code: 'CONFLICT', message: 'app connects through bastion: it is not removed.' });
    expect(refused.hint).toMatch(/Connect through/);
    await setJump(ids.target, null);
    await call('servers.delete', { id: ids.jump });
    expect((await call<{ jumpHostId: string | null }>('servers.get', { id: ids.target })).jumpHostId).toBeNull();
  });

  it('lets those who may write servers point a jump host, yet a jump host only ever gets its own credential', async () => {
    expect((await refusal('servers.update', { id: ids.target, jumpHostId: ids.closed }, as('viewer'))).code).toBe('PERMISSION_DENIED');
    // An operator (servers:write) points the target through another server: Guardian logs in there with
    // that server's own key; the target's key travels only inside the tunnel, to the target.
    await call('servers.update', { id: ids.target, jumpHostId: ids.closed }, as('operator'));
    await closed.restart();
    await run(ids.target);
    expect(closed.output()).toContain(keygenFingerprint(jumpKey.publicFile));
    expect(closed.output()).not.toContain(keygenFingerprint(targetKey.publicFile));
  });
});

describe('jump hosts in files', () => {
  const importFile = async (format: string, content: string) => {
    const started = await call<Job>('servers.import', { format, content, monitor: false });
    const job = await core.jobs.waitFor(started.id);
    expect(job.status).toBe('succeeded');
    return ImportSummary.parse(job.result);
  };
  const jumpOf = async (name: string) => {
    const jumpHostId = (await core.servers.findByName(name))?.jumpHostId;
    return jumpHostId ? (await core.servers.get(jumpHostId)).name : null;
  };

  it('imports ProxyJump from an OpenSSH config, a jump host named later in the file or a chain a,b included, and refuses one that is no server', async () => {
    const config = [
      'Host inner',
      '    HostName inner.internal',
      '    ProxyJump edge',
      'Host deep',
      '    HostName deep.internal',
      '    ProxyJump edge,inner2',
      'Host edge',
      '    HostName edge.example.net',
      'Host inner2',
      '    HostName inner2.internal',
      'Host lost',
      '    HostName lost.internal',
      '    ProxyJump ghost',
      '',
    ].join('\n');
    const summary = await importFile('ssh_config', config);
    expect(summary).toMatchObject({
      created: 5,
      rejected: [{ line: 11, name: 'lost', reason: expect.stringContaining('Its jump host "ghost" is not a server') }],
    });
    expect([await jumpOf('inner'), await jumpOf('deep'), await jumpOf('inner2'), await jumpOf('edge'), await jumpOf('lost')]).toEqual([
      'edge',
      'inner2',
      'edge',
      null,
      null,
    ]);
    // The same file again changes nothing.
    expect(await importFile('ssh_config', config)).toMatchObject({ created: 0, updated: 0, unchanged: 5 });
  });

  it('exports a jump host by name, and the export imports again as it is; a loop in a file is refused on its line', async () => {
    const json = await call<{ content: string }>('servers.export', { format: 'json' });
    expect(JSON.parse(json.content).servers).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'deep', jumpHost: 'inner2' })]));
    const total = (await core.servers.all({})).length;
    expect(await importFile('json', json.content)).toMatchObject({ created: 0, updated: 0, unchanged: total, rejected: [] });
    const csv = await call<{ content: string }>('servers.export', { format: 'csv' });
    expect(csv.content.split('\n')[0]).toBe('name,host,ssh_port,user,environment,tags,notes,jump_host,depends_on');
    expect(csv.content).toContain('deep,deep.internal,22,,,,,inner2,');
    expect(await importFile('csv', csv.content)).toMatchObject({ created: 0, updated: 0, rejected: [] });

    const loop = await importFile('csv', 'name,host,jump_host\nedge,edge.example.net,deep\n');
    expect(loop.rejected).toEqual([{ line: 2, name: 'edge', reason: expect.stringContaining('would be a loop') }]);
    expect(await jumpOf('edge')).toBeNull();
  });
});

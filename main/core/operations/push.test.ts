import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '@shared/api/jobs';
import type { OperationRunWithTargets, OutputChunk } from '@shared/api/operations';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { createLogger } from '../logging/logger';
import { dataPaths } from '../paths';
import { CHEAP_SCRYPT, useTempCore } from '../testing/harness';
import { storedText } from '../testing/stored-text';
import { type KeyPair, keygenFingerprint, TestSshd } from '../testing/sshd';
import { as, recordedCalls, runAudit } from './testing/recorded-calls';

/**
 * Pushing a file over SFTP (operations.push) to real OpenSSH servers on two loopback addresses:
 * the bytes, mode, owner and SHA-256 read back over a second connection; a replace that is a
 * rename (a new inode, no temporary file left); a checksum that does not match (the host's
 * sha256sum lies, on a third sshd whose PATH has a fake one first), a missing directory and a
 * refused chown, each leaving the old file as it was and no temporary file; a vault note pushed
 * to the servers it is linked to and refused for the one it is not; the roles and the input's
 * refusals; and a canary: the note's text and a pushed file's content are in no table, no file of
 * the data folder, no audit event or export, no event and no answer. On both engines (the
 * PostgreSQL project runs this file again).
 */

const env = useTempCore({ prefix: 'guardian-push-', lazy: true, scope: 'all' });
const CALL = { origin: 'test' };
const CANARY = `CANARY-note-${randomBytes(8).toString('hex')}`;
const CONTENT_CANARY = `CANARY-content-${randomBytes(8).toString('hex')}`;

let a: TestSshd;
let b: TestSshd;
/** Its logins find a sha256sum that prints a wrong hash, and a slow chown. */
let liar: TestSshd;
/** A jump host on the way to web-b, for a push through it. */
let bastion: TestSshd;
let key: KeyPair;
let core: Core;
/** Where the pushed files go: the test sshd run on this machine, so "the host" is this filesystem. */
let dir: string;
const ids = { a: '', b: '', liar: '', noteId: '' };
const sent: { name: string; payload: unknown }[] = [];
const answers: string[] = [];

const { call, refusal } = recordedCalls(() => core, answers);

const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

async function push(input: Record<string, unknown>): Promise<OperationRunWithTargets> {
  const started = await call<OperationRunWithTargets>('operations.push', input);
  return core.operations.waitFor(started.id);
}

const target = (run: OperationRunWithTargets, serverId: string) => {
  const found = run.targets.find((each) => each.serverId === serverId);
  if (!found) throw new Error(`no target ${serverId}`);
  return found;
};

const text = (chunks: OutputChunk[]) => chunks.map((chunk) => chunk.text).join('');

/** Over a second connection (a command run on the host): the file's mode, owner and SHA-256 as the host sees them. */
async function onHost(serverId: string, path: string): Promise<string> {
  const started = await call<OperationRunWithTargets>('operations.run', {
    command: `stat -c '%a %U:%G' '${path}' && sha256sum '${path}' | cut -d' ' -f1`,
    targets: { serverIds: [serverId] },
  });
  const run = await core.operations.waitFor(started.id);
  const out = await call<{ chunks: OutputChunk[] }>('operations.output', { id: run.id, serverId });
  return text(out.chunks).trim();
}

/** Temporary files a push left in `folder`. */
const leftovers = (folder: string) => readdirSync(folder).filter((name) => name.includes('.guardian-') && name.endsWith('.tmp'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'guardian-pushed-'));
  const fake = join(dir, 'fakebin');
  mkdirSync(fake);
  writeFileSync(join(fake, 'sha256sum'), `#!/bin/sh\necho "${'0'.repeat(64)}  $2"\n`);
  chmodSync(join(fake, 'sha256sum'), 0o755);
  // And a slow chown ($3 is the owner after -h --): a push with an owner is under way, its temporary file written, for 20 s (3 s for nobody).
  writeFileSync(join(fake, 'chown'), '#!/bin/sh\ncase "$3" in nobody:*) sleep 3 ;; *) sleep 20 ;; esac\nexec /bin/chown "$@"\n');
  chmodSync(join(fake, 'chown'), 0o755);
  [a, b, liar, bastion] = await Promise.all([
    TestSshd.start(),
    TestSshd.start({ address: '127.0.0.2' }),
    TestSshd.start({ config: [`SetEnv PATH=${fake}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`] }),
    TestSshd.start(),
  ]);
  key = a.clientKey();
  b.authorize(key);
  liar.authorize(key);
  const logger = createLogger('trace', pino.destination({ dest: dataPaths(env.dataDir).logFile, sync: true, mkdir: true }));
  core = await env.start({ logger, vaultScryptCost: CHEAP_SCRYPT });
  core.events.subscribe((name, payload) => sent.push({ name, payload }));
  await call('vault.init', { slot: { kind: 'passphrase', passphrase: 'a vault passphrase long enough' } });
  const server = (name: string, sshd: TestSshd, tags: string[]) =>
    call<{ id: string }>('servers.create', { name, host: sshd.address, port: sshd.port, user: sshd.user, tags, monitor: false });
  ids.a = (await server('web-a', a, ['web'])).id;
  ids.b = (await server('web-b', b, ['web'])).id;
  ids.liar = (await server('liar-c', liar, ['liar'])).id;
  await call('secrets.create', { name: 'web key', value: { kind: 'ssh_key', privateKey: key.privateKey }, serverIds: [ids.a, ids.b, ids.liar] });
  ids.noteId = (
    await call<{ id: string }>('secrets.create', {
      name: 'app secret',
      value: { kind: 'note', text: `token=${CANARY}\n` },
      serverIds: [ids.a],
    })
  ).id;
}, 300_000);

afterAll(async () => {
  await Promise.all([a, b, liar, bastion].map((sshd) => sshd?.dispose()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('pushing a file over SFTP', () => {
  it('writes the file with its mode and owner on each target, its SHA-256 checked on the host, and records and audits it without the content', async () => {
    const path = join(dir, 'app.conf');
    const content = Buffer.concat([Buffer.from(`${CONTENT_CANARY}\n`), randomBytes(200_000)]);
    const result = await push({ targets: { tags: ['web'] }, path, mode: '640', owner: 'nobody:nogroup', content: b64(content) });

    expect(result.status).toBe('finished');
    expect(result.command).toBe(`push ${path} (0640, nobody:nogroup)`);
    expect(result.file).toEqual({ path, mode: '0640', owner: 'nobody:nogroup', size: content.length, sha256: sha(content), noteId: null });
    expect(target(result, ids.a)).toMatchObject({ state: 'succeeded', exitCode: null, message: null });
    expect(target(result, ids.b)).toMatchObject({ state: 'succeeded', message: null });
    // Both hosts are this machine: the bytes as written, and the host's own view over a second connection.
    expect(readFileSync(path).equals(content)).toBe(true);
    expect(await onHost(ids.b, path)).toBe(`640 nobody:nogroup\n${sha(content)}`);
    expect(leftovers(dir)).toEqual([]);

    const out = await call<{ chunks: OutputChunk[] }>('operations.output', { id: result.id, serverId: ids.a });
    expect(text(out.chunks)).toBe(
      `wrote ${content.length.toLocaleString('en-US')} bytes to ${path} (mode 0640, owner nobody:nogroup), SHA-256 ${sha(content)} checked on the host\n`,
    );

    const audit = await runAudit(core, result.id);
    expect(audit.map((row) => `${row.action}:${row.outcome}`)).toEqual([
      'operation.requested:ok',
      'operations.push:ok',
      'operation.target:ok',
      'operation.target:ok',
    ]);
    expect(JSON.parse(audit[0]?.details ?? '{}')).toMatchObject({ file: result.file, targets: [{ serverName: 'web-a' }, { serverName: 'web-b' }] });
    // The call's own event keeps the content's size, not the content.
    expect(JSON.parse(audit[1]?.details ?? '{}')).toMatchObject({ path, bytes: content.length });
    expect(audit[1]?.details).not.toContain(b64(content).slice(0, 40));
  });

  it('replaces a file by a rename (a new inode, never a half-written file), and leaves no temporary file', async () => {
    const path = join(dir, 'replaced.txt');
    writeFileSync(path, 'old\n');
    const before = statSync(path).ino;
    const result = await push({ targets: { serverIds: [ids.a] }, path, content: b64('new\n') });
    expect(target(result, ids.a).state).toBe('succeeded');
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(statSync(path).ino).not.toBe(before);
    expect(statSync(path).mode & 0o7777).toBe(0o644);
    expect(leftovers(dir)).toEqual([]);
  });

  it('leaves the old file as it was, and no temporary file, when the checksum on the host does not match, the owner is refused, or the directory is missing', async () => {
    const path = join(dir, 'kept.txt');
    writeFileSync(path, 'kept\n');
    const liarRun = await push({ targets: { serverIds: [ids.liar] }, path, content: b64('replacement\n') });
    expect(target(liarRun, ids.liar)).toMatchObject({
      state: 'failed',
      message: `checksum mismatch on the host (expected ${sha('replacement\n')}, got ${'0'.repeat(64)}); the file was not replaced`,
    });
    expect(readFileSync(path, 'utf8')).toBe('kept\n');
    expect(leftovers(dir)).toEqual([]);

    const owner = await push({ targets: { serverIds: [ids.a] }, path, owner: 'no-such-user-x', content: b64('replacement\n') });
    expect(target(owner, ids.a)).toMatchObject({
      state: 'failed',
      message: expect.stringMatching(/^chown to no-such-user-x failed on the host: chown: invalid user/) as string,
    });
    expect(readFileSync(path, 'utf8')).toBe('kept\n');
    expect(leftovers(dir)).toEqual([]);

    const missing = join(dir, 'no-such-dir', 'x.conf');
    const nowhere = await push({ targets: { serverIds: [ids.a] }, path: missing, content: b64('x') });
    expect(target(nowhere, ids.a)).toMatchObject({ state: 'failed', message: `no such directory: ${join(dir, 'no-such-dir')} (for ${missing})` });
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);

    const folder = await push({ targets: { serverIds: [ids.a] }, path: join(dir, 'fakebin'), content: b64('x') });
    expect(target(folder, ids.a)).toMatchObject({ state: 'failed', message: `${join(dir, 'fakebin')} is a directory on the host; a file cannot replace it` });
  });

  it('says permission denied when the host refuses the write, and leaves the old file', async (ctx) => {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    const path = join(locked, 'app.conf');
    writeFileSync(path, 'old\n');
    // The test sshd log in as root, whom file modes do not stop: an immutable directory does (EPERM).
    try {
      execFileSync('chattr', ['+i', locked], { stdio: 'ignore' });
    } catch {
      // Skipped where the filesystem has no immutable flag (tmpfs, some overlays): nothing else refuses root.
      return ctx.skip('the filesystem has no immutable flag (chattr +i), and nothing else refuses the root login');
    }
    try {
      const result = await push({ targets: { serverIds: [ids.a] }, path, content: b64('new\n') });
      expect(target(result, ids.a)).toMatchObject({ state: 'failed', message: `permission denied writing ${path}` });
      expect(readFileSync(path, 'utf8')).toBe('old\n');
      expect(leftovers(locked)).toEqual([]);
    } finally {
      execFileSync('chattr', ['-i', locked], { stdio: 'ignore' });
    }
  });

  it('removes the temporary file when a push is cancelled or times out under way, and leaves the old file', async () => {
    const path = join(dir, 'stopped.txt');
    writeFileSync(path, 'before\n');
    const started = await call<OperationRunWithTargets>('operations.push', {
      targets: { serverIds: [ids.liar] },
      path,
      owner: 'root',
      content: b64('after\n'),
    });
    for (let attempt = 0; attempt < 300 && leftovers(dir).length === 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(leftovers(dir)).toHaveLength(1);
    await call('operations.cancel', { id: started.id });
    const cancelled = await core.operations.waitFor(started.id);
    expect(target(cancelled, ids.liar)).toMatchObject({ state: 'cancelled', message: 'cancelled while pushing; the temporary file was removed' });
    expect(leftovers(dir)).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe('before\n');

    // 8 s, connecting included: a loaded machine has taken 2 s to log in.
    const timedOut = await push({ targets: { serverIds: [ids.liar] }, path, owner: 'root', content: b64('after\n'), timeoutSeconds: 8 });
    expect(target(timedOut, ids.liar)).toMatchObject({ state: 'timed-out', message: 'timed out after 8 s; the temporary file was removed' });
    expect(leftovers(dir)).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe('before\n');
  });

  it('changes nothing outside the push when someone swaps its temporary name for a link while it is under way', async () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'victim\n');
    chmodSync(victim, 0o600);
    const path = join(dir, 'swapped.txt');
    const started = await call<OperationRunWithTargets>('operations.push', {
      targets: { serverIds: [ids.liar] },
      path,
      owner: 'nobody:nogroup',
      content: b64('pushed\n'),
    });
    for (let attempt = 0; attempt < 300 && leftovers(dir).length === 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
    const [temporary = ''] = leftovers(dir);
    // While chown sleeps: the file written goes elsewhere, and a link to the victim takes its name.
    renameSync(join(dir, temporary), join(dir, 'moved-away'));
    symlinkSync(victim, join(dir, temporary));
    const result = await core.operations.waitFor(started.id);

    expect(target(result, ids.liar)).toMatchObject({ state: 'failed', message: expect.stringMatching(/^checksum mismatch on the host/) as string });
    // chown -h changed the link, and the mode went to the file written (on its open handle), not through the link.
    expect(statSync(victim).uid).toBe(process.getuid?.());
    expect(statSync(victim).mode & 0o7777).toBe(0o600);
    expect(readFileSync(victim, 'utf8')).toBe('victim\n');
    expect(statSync(join(dir, 'moved-away')).mode & 0o7777).toBe(0o644);
    expect(existsSync(path)).toBe(false);
    expect(leftovers(dir)).toEqual([]);
  });

  it('pushes through a jump host, each hop with its own key, and records the way', async () => {
    const jumpKey = bastion.clientKey();
    const jump = await call<{ id: string }>('servers.create', { name: 'bastion', host: '127.0.0.1', port: bastion.port, user: bastion.user, monitor: false });
    await call('secrets.create', { name: 'bastion key', value: { kind: 'ssh_key', privateKey: jumpKey.privateKey }, serverIds: [jump.id] });
    const behind = await call<{ id: string }>('servers.create', {
      name: 'web-b-behind',
      host: b.address,
      port: b.port,
      user: b.user,
      jumpHostId: jump.id,
      monitor: false,
    });
    const [webKey] = (await call<{ items: { id: string; serverIds: string[] }[] }>('secrets.list', { q: 'web key' })).items;
    await call('secrets.update', { id: webKey?.id, serverIds: [...(webKey?.serverIds ?? []), behind.id] });

    const path = join(dir, 'jumped.conf');
    const result = await push({ targets: { serverIds: [behind.id] }, path, content: b64('through the bastion\n') });
    expect(target(result, behind.id)).toMatchObject({ state: 'succeeded' });
    expect(readFileSync(path, 'utf8')).toBe('through the bastion\n');
    const audit = await runAudit(core, result.id);
    expect(JSON.parse(audit.find((row) => row.action === 'operation.target')?.details ?? '{}')).toMatchObject({ server: 'web-b-behind', via: ['bastion'] });
    // The jump host saw its own key only.
    expect(bastion.output()).toContain(keygenFingerprint(jumpKey.publicFile));
    expect(bastion.output()).not.toContain(keygenFingerprint(key.publicFile));
  });

  it('pushes a vault note to the servers it is linked to, refuses the others for that target alone, and never says its hash', async () => {
    const path = join(dir, 'secret.env');
    const result = await push({ targets: { tags: ['web'] }, path, mode: '0600', secretId: ids.noteId });
    expect(result.file).toEqual({ path, mode: '0600', owner: null, size: null, sha256: null, noteId: ids.noteId });
    expect(target(result, ids.a)).toMatchObject({ state: 'succeeded' });
    expect(target(result, ids.b)).toMatchObject({
      state: 'failed',
      message: 'the vault refused the file for web-b: The secret "app secret" is not linked to the server "web-b".',
      startedAt: expect.any(Number) as number,
    });
    expect(readFileSync(path, 'utf8')).toBe(`token=${CANARY}\n`);
    expect(statSync(path).mode & 0o7777).toBe(0o600);
    const out = await call<{ chunks: OutputChunk[] }>('operations.output', { id: result.id, serverId: ids.a });
    expect(text(out.chunks)).toBe(`wrote ${`token=${CANARY}\n`.length} bytes to ${path} (mode 0600), its SHA-256 checked on the host\n`);

    // A secret of another kind is refused before anything runs.
    const [webKey] = (await call<{ items: { id: string }[] }>('secrets.list', { q: 'web key' })).items;
    const wrongKind = await refusal('operations.push', { targets: { serverIds: [ids.a] }, path, secretId: webKey?.id });
    expect(wrongKind).toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: ['secretId'], message: '"web key" is a ssh key; a file is kept in the vault as a note' }],
    });
  });

  it('does not re-run a push: the content was not kept', async () => {
    const result = await push({ targets: { serverIds: [ids.a] }, path: join(dir, 'once.txt'), content: b64('once\n') });
    const again = await refusal('operations.rerun', { id: result.id });
    expect(again).toMatchObject({ code: 'CONFLICT', hint: 'Push it again (operations.push, guardian push).' });
  });

  it('lets only owners and admins push', async () => {
    const input = { targets: { serverIds: [ids.a] }, path: join(dir, 'roles.txt'), content: b64('x') };
    for (const role of ['operator', 'viewer', 'auditor'] as const) {
      const refused = await core.router.call(as(role), 'operations.push', input, CALL);
      expect(refused.ok || refused.error.code, role).toBe('PERMISSION_DENIED');
    }
    const admin = await core.router.call(as('admin'), 'operations.push', input, CALL);
    expect(admin.ok).toBe(true);
    if (admin.ok) await core.operations.waitFor((admin.value as OperationRunWithTargets).id);
    expect(existsSync(join(dir, 'roles.txt'))).toBe(true);
  });

  it('refuses bad input field by field', async () => {
    const targets = { serverIds: [ids.a] };
    const issues = async (input: Record<string, unknown>) => {
      const result = await core.router.call(LOCAL_OWNER, 'operations.push', { targets, ...input }, CALL);
      if (result.ok) await core.operations.waitFor((result.value as OperationRunWithTargets).id);
      return result.ok
        ? ['accepted']
        : (result.error.issues ?? [{ path: [], message: `${result.error.code} ${result.error.message}` }])
            .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
            .sort();
    };
    expect(await issues({ path: 'etc/app.conf', mode: '999', content: 'aGk=' })).toEqual([
      'mode: An octal mode of 3 or 4 digits, e.g. 0644',
      'path: An absolute path, starting with /',
    ]);
    expect(await issues({ path: '/etc/', content: 'aGk=' })).toEqual(['path: The path of a file, not a directory (no / at the end)']);
    expect(await issues({ path: '/etc/../x', content: 'aGk=' })).toEqual(['path: A normalised path: no //, . or ..']);
    expect(await issues({ path: '/etc/x\0y', content: 'aGk=' })).toEqual(['path: A path cannot hold a NUL character']);
    expect(await issues({ path: `/${'x'.repeat(4096)}`, content: 'aGk=' })).toEqual(['path: A path is at most 4096 characters']);
    expect(await issues({ path: '/etc/x', owner: 'root;rm -rf /', content: 'aGk=' })).toEqual([
      'owner: user or user:group: letters, digits, _ . - (at most 32 each)',
    ]);
    expect(await issues({ path: '/etc/x' })).toEqual([
      'content: Give the content or a secretId, one of the two',
      'secretId: Give the content or a secretId, one of the two',
    ]);
    expect(await issues({ path: '/etc/x', content: 'aGk=', secretId: ids.noteId })).toHaveLength(2);
    expect(await issues({ path: '/etc/x', content: 'not base64!' })).toEqual(['content: The content as base64']);
    expect(await issues({ path: '/etc/x', content: 'A'.repeat(8 * 1024 * 1024 + 4) })).toEqual(['content: A file is at most 6 MiB']);
  });

  it('never stores, logs, audits, exports or sends the note’s text or a pushed file’s content', async () => {
    const exported = await call<Job>('audit.export', { format: 'jsonl' });
    await core.jobs.waitFor(exported.id);
    const { path } = core.artifacts.file(await core.jobs.get(exported.id));
    const haystacks = await storedText(core, env.dataDir);
    haystacks.push(
      { where: 'audit export', text: readFileSync(path, 'utf8') },
      { where: 'events', text: JSON.stringify(sent) },
      { where: 'answers', text: answers.join('\n') },
    );
    const needles = [CANARY, CONTENT_CANARY, b64(`token=${CANARY}\n`), sha(`token=${CANARY}\n`)];
    const hits = haystacks.flatMap(({ where, text }) =>
      needles.filter((needle) => text.includes(needle)).map((needle) => `${needle.slice(0, 16)}… in ${where}`),
    );
    expect(hits).toEqual([]);
    expect(haystacks.some(({ where }) => where.endsWith('.log'))).toBe(true);
  });
});

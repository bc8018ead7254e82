import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import type { Me } from '@shared/api/auth';
import type { AppErrorShape } from '@shared/api/errors';
import { isFinished, type Job } from '@shared/api/jobs';
import type { Server } from '@shared/api/servers';
import type { Secret, SecretValue, VaultStatus } from '@shared/api/vault';
import { cleanUp, CLI_TEST_TIMEOUT_MS, type Guardian, pollUntil, startGuardian, tempDir } from './testing/guardian';

// ssh2's generateKeyPairSync drops a leading zero byte of 1 ed25519 public key in 256, making a key
// its own parseKey refuses (mscdex/ssh2#1390): draw again until it reads back.
function ed25519Key(options: { comment?: string; passphrase?: string; cipher?: string; rounds?: number } = {}) {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', options);
    if (!(ssh2.utils.parseKey(pair.private, options.passphrase) instanceof Error)) return pair;
  }
}

// The canary test (docs/architecture.md §5): plant distinctive secrets of every kind, use every vault flow
// over HTTP with debug logging, then search every byte Guardian wrote (database, WAL, logs,
// backups, exports) for each of them in clear, base64 and hex. The only place a canary may show
// up is the answer to a reveal the test asked for, which is not a file.

afterAll(cleanUp);

const tag = () => randomBytes(5).toString('hex');
const canary = {
  password: `CANARY-pw-${tag()}`,
  password2: `CANARY-pw2-${tag()}`,
  token: `CANARY-tok-${tag()}${randomBytes(12).toString('base64url')}`,
  deletedToken: `CANARY-deleted-${tag()}`,
  note: `CANARY-note-${tag()}`,
  note2: `CANARY-note2-${tag()}`,
  rejectedNote: `CANARY-rejected-${tag()}`,
  keyPassphrase: `CANARY-keypass-${tag()}`,
  badKeyPassphrase: `CANARY-badkeypass-${tag()}`,
  vaultPassphrase: `CANARY-vaultpass-${tag()}`,
  vaultPassphrase2: `CANARY-vaultpass2-${tag()}`,
  wrongPassphrase: `CANARY-wrongpass-${tag()}`,
  exportPassphrase: `CANARY-exportpass-${tag()}`,
  ownerPassword: `CANARY-ownerpw-${tag()} violet tulips`,
};

/** Real OpenSSH keys, one plain and one encrypted with a canary passphrase. */
function makeKeys(dir: string): { plain: string; encrypted: string } {
  try {
    for (const [name, passphrase] of [
      ['plain', ''],
      ['encrypted', canary.keyPassphrase],
    ] as const) {
      execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', passphrase, '-C', '', '-q', '-f', join(dir, name)], { stdio: 'ignore' });
    }
    return { plain: readFileSync(join(dir, 'plain'), 'utf8'), encrypted: readFileSync(join(dir, 'encrypted'), 'utf8') };
  } catch {
    return {
      plain: ed25519Key().private,
      encrypted: ed25519Key({ passphrase: canary.keyPassphrase, cipher: 'aes256-ctr', rounds: 16 }).private,
    };
  }
}

/** The base64 lines of a PEM-style key, and its whole body, decoded. */
function keyBody(pem: string): { lines: string[]; bytes: Buffer } {
  const lines = pem.split('\n').filter((line) => line.length > 0 && !line.startsWith('-----'));
  return { lines, bytes: Buffer.from(lines.join(''), 'base64') };
}

interface Needle {
  what: string;
  bytes: Buffer;
}

/** `bytes` in base64 wherever it starts in a longer base64 text: the characters that depend on it alone. */
function base64Forms(bytes: Buffer): string[] {
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const inner = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
    forms.push(inner, inner.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/** A value in clear, hex (both cases) and base64 (standard and URL-safe, every alignment). */
function needlesFor(what: string, value: Buffer | string): Needle[] {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const forms = new Map<string, Buffer>([
    ['clear', bytes],
    ['hex', Buffer.from(bytes.toString('hex'))],
    ['HEX', Buffer.from(bytes.toString('hex').toUpperCase())],
  ]);
  base64Forms(bytes).forEach((form, index) => forms.set(`base64#${index}`, Buffer.from(form)));
  return [...forms].map(([encoding, needle]) => ({ what: `${what} (${encoding})`, bytes: needle }));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

/** Every (file, needle) pair where the needle occurs. */
function search(files: string[], needles: Needle[]): string[] {
  const hits: string[] = [];
  for (const file of files) {
    const content = readFileSync(file);
    for (const needle of needles) if (content.includes(needle.bytes)) hits.push(`${needle.what} in ${file}`);
  }
  return hits;
}

/** A browser session: cookie plus CSRF token, no API key. */
interface Session {
  cookie: string;
  csrf: string;
}

async function send<T>(
  guardian: Guardian,
  verb: string,
  path: string,
  options: { session?: Session; body?: unknown; key?: boolean; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = {
    ...options.headers,
    ...(options.key === false ? {} : guardian.auth()),
    ...(options.session ? { cookie: options.session.cookie, 'x-csrf-token': options.session.csrf } : {}),
    ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
  };
  const response = await fetch(guardian.at(path), {
    method: verb,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as T };
}

async function ok<T>(guardian: Guardian, verb: string, path: string, options: Parameters<typeof send>[3] = {}): Promise<{ body: T; text: string }> {
  const answer = await send<T>(guardian, verb, path, options);
  if (answer.status !== 200) throw new Error(`${verb} ${path}: ${answer.status} ${answer.text}`);
  return answer;
}

async function refusal(guardian: Guardian, verb: string, path: string, options: Parameters<typeof send>[3] = {}): Promise<AppErrorShape> {
  const answer = await send<{ error: AppErrorShape }>(guardian, verb, path, options);
  expect(answer.status, answer.text).toBeGreaterThanOrEqual(400);
  return answer.body.error;
}

async function setUpOwner(guardian: Guardian): Promise<Session> {
  const answer = await send<Me>(guardian, 'POST', 'api/v1/auth/setup', {
    key: false,
    headers: { 'x-guardian-setup-token': guardian.setupToken() ?? '' },
    body: { username: 'olivia', password: canary.ownerPassword },
  });
  expect(answer.status, answer.text).toBe(200);
  const cookie = answer.headers
    .getSetCookie()
    .find((line) => line.startsWith('guardian_session='))
    ?.split(';')[0];
  if (!cookie) throw new Error('auth/setup set no session cookie');
  return { cookie, csrf: answer.body.csrfToken };
}

async function finish(guardian: Guardian, job: Job): Promise<Job> {
  const done = await pollUntil(async () => (await ok<Job>(guardian, 'GET', `api/v1/jobs/${job.id}`)).body, isFinished, {
    what: `job ${job.kind} to finish`,
    timeoutMs: 30_000,
  });
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  return done;
}

const reveal = async (guardian: Guardian, session: Session, id: string) =>
  (await ok<{ value: SecretValue }>(guardian, 'POST', `api/v1/secrets/${id}/reveal`, { session, key: false, body: {} })).body.value;

describe('canary secrets', () => {
  it('never reach a file: database, WAL, logs, backups or exports', { timeout: CLI_TEST_TIMEOUT_MS }, async () => {
    const keysDir = tempDir('guardian-canary-keys-');
    const exportDir = tempDir('guardian-canary-exports-');
    const keys = makeKeys(keysDir);
    const keyFileA = join(keysDir, 'a.key');
    const keyFileB = join(keysDir, 'b.key');
    const keyBytesA = randomBytes(64);
    writeFileSync(keyFileA, keyBytesA, { mode: 0o400 });
    writeFileSync(keyFileB, randomBytes(64), { mode: 0o400 });
    const revealed: SecretValue[] = [];
    /** Every answer that is not a deliberate reveal: none of them may carry a canary either. */
    const answers: string[] = [];

    // Both Guardians start side by side; the second is used once the first has exported.
    const [a, b] = await Promise.all([
      startGuardian({ args: ['--vault-key-file', keyFileA, '--log-level', 'debug'] }),
      startGuardian({ args: ['--vault-key-file', keyFileB, '--log-level', 'debug'] }),
    ]);
    const session = await setUpOwner(a);

    // Servers to link the secrets to, by import; then exported as a user would save them.
    const csv =
      'name,host,port,user,environment,tags,notes\nweb-1,web-1.example.net,22,deploy,production,web,front\ndb-1,db-1.example.net,22,postgres,production,db,primary\n';
    await finish(a, (await ok<Job>(a, 'POST', 'api/v1/servers/import', { body: { format: 'csv', content: csv, fileName: 'fleet.csv' } })).body);
    const servers = (await ok<{ items: Server[] }>(a, 'GET', 'api/v1/servers')).body.items;
    const serverIds = servers.map((server) => server.id);
    expect(serverIds).toHaveLength(2);

    // Plant one of every kind (and a second key, encrypted).
    const create = async (input: Record<string, unknown>) => {
      const answer = await ok<Secret>(a, 'POST', 'api/v1/secrets', { body: input });
      answers.push(answer.text);
      return answer.body;
    };
    const pw = await create({ name: 'db root', username: 'postgres', tags: ['prod'], serverIds, value: { kind: 'password', password: canary.password } });
    const plainKey = await create({ name: 'deploy key', serverIds, value: { kind: 'ssh_key', privateKey: keys.plain } });
    const lockedKey = await create({ name: 'break-glass key', value: { kind: 'ssh_key', privateKey: keys.encrypted, passphrase: canary.keyPassphrase } });
    const token = await create({ name: 'ci token', tags: ['ci'], value: { kind: 'api_token', token: canary.token } });
    const note = await create({ name: 'runbook', value: { kind: 'note', text: canary.note } });
    const doomed = await create({ name: 'old token', value: { kind: 'api_token', token: canary.deletedToken } });

    // Refusals that carry canaries in their input.
    const badKey = await refusal(a, 'POST', 'api/v1/secrets', {
      body: { name: 'bad', value: { kind: 'ssh_key', privateKey: keys.encrypted, passphrase: canary.badKeyPassphrase } },
    });
    expect(badKey.code).toBe('VALIDATION_FAILED');
    const rejected = await refusal(a, 'POST', 'api/v1/secrets', {
      body: { name: 'bad', tags: ['Not A Tag!'], value: { kind: 'note', text: canary.rejectedNote } },
    });
    expect(rejected.code).toBe('VALIDATION_FAILED');
    const inspected = await ok<{ fingerprint: string }>(a, 'POST', 'api/v1/secrets/inspect-key', {
      body: { privateKey: keys.encrypted, passphrase: canary.keyPassphrase },
    });
    expect(inspected.body.fingerprint).toBe(lockedKey.fingerprint);

    // Update values and metadata, list and search.
    answers.push(
      (await ok(a, 'PATCH', `api/v1/secrets/${pw.id}`, { body: { name: 'db root (rotated)', value: { kind: 'password', password: canary.password2 } } })).text,
    );
    answers.push((await ok(a, 'PATCH', `api/v1/secrets/${note.id}`, { body: { value: { kind: 'note', text: canary.note2 } } })).text);
    answers.push((await ok(a, 'DELETE', `api/v1/secrets/${doomed.id}`)).text);
    const listed = await ok<{ items: Secret[] }>(a, 'GET', `api/v1/secrets?q=rotated&serverId=${serverIds[0] ?? ''}`);
    expect(listed.body.items.map((s) => s.id)).toEqual([pw.id]);
    answers.push((await ok(a, 'GET', 'api/v1/secrets')).text);

    // Slots: add a passphrase, change it, lock, a wrong guess, unlock with it.
    const withSlot = await ok<VaultStatus>(a, 'POST', 'api/v1/vault/slots', { body: { slot: { kind: 'passphrase', passphrase: canary.vaultPassphrase } } });
    const slot = withSlot.body.slots.find((s) => s.kind === 'passphrase');
    await ok(a, 'POST', `api/v1/vault/slots/${slot?.id ?? ''}/passphrase`, { body: { current: canary.vaultPassphrase, next: canary.vaultPassphrase2 } });
    expect((await ok<VaultStatus>(a, 'POST', 'api/v1/vault/lock', { body: {} })).body.locked).toBe(true);
    expect((await refusal(a, 'POST', 'api/v1/vault/unlock', { body: { with: { kind: 'passphrase', passphrase: canary.wrongPassphrase } } })).code).toBe(
      'VAULT_BAD_PASSPHRASE',
    );
    expect((await refusal(a, 'POST', 'api/v1/vault/unlock', { body: { with: { kind: 'passphrase', passphrase: canary.vaultPassphrase } } })).code).toBe(
      'VAULT_BAD_PASSPHRASE',
    );
    expect(
      (await ok<VaultStatus>(a, 'POST', 'api/v1/vault/unlock', { body: { with: { kind: 'passphrase', passphrase: canary.vaultPassphrase2 } } })).body.locked,
    ).toBe(false);

    // Rotate the data key.
    const rotation = await finish(a, (await ok<Job>(a, 'POST', 'api/v1/vault/rotate', { body: {} })).body);
    expect(rotation.result).toMatchObject({ reSealed: 5, finished: true });

    // Reveal: refused to the API key and before re-authentication, then allowed to the session.
    expect((await refusal(a, 'POST', `api/v1/secrets/${pw.id}/reveal`, { body: {} })).code).toBe('PERMISSION_DENIED');
    expect((await refusal(a, 'POST', `api/v1/secrets/${pw.id}/reveal`, { session, key: false, body: {} })).code).toBe('REAUTH_REQUIRED');
    expect((await refusal(a, 'POST', 'api/v1/auth/reauth', { session, key: false, body: { password: canary.wrongPassphrase } })).code).toBe('SIGN_IN_FAILED');
    await ok(a, 'POST', 'api/v1/auth/reauth', { session, key: false, body: { password: canary.ownerPassword } });
    for (const secret of [pw, plainKey, lockedKey, token, note]) revealed.push(await reveal(a, session, secret.id));
    expect(revealed).toEqual([
      { kind: 'password', password: canary.password2 },
      { kind: 'ssh_key', privateKey: keys.plain },
      { kind: 'ssh_key', privateKey: keys.encrypted, passphrase: canary.keyPassphrase },
      { kind: 'api_token', token: canary.token },
      { kind: 'note', text: canary.note2 },
    ]);

    // Export the vault and the servers to files, as a user would keep them.
    // Like a reveal, an export needs the re-authenticated session, never the API key.
    expect((await refusal(a, 'POST', 'api/v1/vault/export', { body: { passphrase: canary.exportPassphrase } })).code).toBe('PERMISSION_DENIED');
    const vaultExport = await ok<{ fileName: string; count: number; content: string }>(a, 'POST', 'api/v1/vault/export', {
      session,
      key: false,
      body: { passphrase: canary.exportPassphrase },
    });
    expect(vaultExport.body.count).toBe(5);
    writeFileSync(join(exportDir, vaultExport.body.fileName), vaultExport.body.content);
    answers.push(vaultExport.text);
    for (const format of ['csv', 'json']) {
      const exported = await ok<{ fileName: string; content: string }>(a, 'GET', `api/v1/servers/export?format=${format}`);
      writeFileSync(join(exportDir, exported.body.fileName), exported.body.content);
      answers.push(exported.text);
    }

    // The audit log and the reports, exported as an auditor would: files under artifacts/ in the
    // data dir, which the search below covers. The audit export must hold the secret calls (with
    // their inputs redacted), or its silence would prove nothing.
    const artifactFiles: string[] = [];
    const artifactOf = async (path: string, body: Record<string, unknown>) => {
      const job = await finish(a, (await ok<Job>(a, 'POST', path, { body })).body);
      const file = await fetch(a.at(`api/v1/jobs/${job.id}/artifact`), { headers: a.auth() });
      expect(file.status).toBe(200);
      artifactFiles.push(await file.text());
    };
    for (const format of ['csv', 'jsonl']) await artifactOf('api/v1/audit/export', { format });
    for (const type of ['audit-summary', 'inventory']) await artifactOf('api/v1/reports', { type, period: { preset: '7d' }, format: 'html' });
    await artifactOf('api/v1/reports', { type: 'audit-summary', period: { preset: '7d' }, format: 'json' });
    expect(artifactFiles[1]).toContain('"action":"secrets.create"');
    expect(artifactFiles[1]).toContain('"action":"secrets.reveal"');
    answers.push(...artifactFiles);

    // Into a second Guardian: servers from the CSV export, secrets from the vault export.
    const serversCsv = readFileSync(join(exportDir, readdirSync(exportDir).find((name) => name.endsWith('.csv')) ?? ''), 'utf8');
    await finish(b, (await ok<Job>(b, 'POST', 'api/v1/servers/import', { body: { format: 'csv', content: serversCsv } })).body);
    const wrongImport = await refusal(b, 'POST', 'api/v1/vault/import', { body: { passphrase: canary.wrongPassphrase, content: vaultExport.body.content } });
    expect(wrongImport.code).toBe('VAULT_BAD_PASSPHRASE');
    const imported = await ok<{ imported: number; skipped: number; droppedServerLinks: { name: string }[] }>(b, 'POST', 'api/v1/vault/import', {
      body: { passphrase: canary.exportPassphrase, content: vaultExport.body.content },
    });
    // The servers came over by CSV with new ids: the links to A's are dropped, and named.
    expect(imported.body).toMatchObject({ imported: 5, skipped: 0 });
    expect(imported.body.droppedServerLinks.map((dropped) => dropped.name).sort()).toEqual(['db root (rotated)', 'deploy key']);
    const sessionB = await setUpOwner(b);
    await ok(b, 'POST', 'api/v1/auth/reauth', { session: sessionB, key: false, body: { password: canary.ownerPassword } });
    expect(await reveal(b, sessionB, token.id)).toEqual({ kind: 'api_token', token: canary.token });
    expect(await reveal(b, sessionB, lockedKey.id)).toEqual(revealed[2]);

    // What to look for: every canary, the keys' bodies, and the key file's bytes.
    const needles: Needle[] = Object.entries(canary).flatMap(([name, value]) => needlesFor(name, value));
    for (const [name, pem] of Object.entries(keys)) {
      const body = keyBody(pem);
      body.lines.forEach((line, index) => needles.push({ what: `${name} key, line ${index + 1}`, bytes: Buffer.from(line) }));
      needles.push(...needlesFor(`${name} key body`, body.bytes));
    }
    needles.push(...needlesFor('key file A', keyBytesA));
    // The needles must find what they look for, or zero hits would prove nothing.
    const probe = join(exportDir, 'probe.bin');
    writeFileSync(probe, Buffer.concat([Buffer.from('x'), Buffer.from(Buffer.from(`..${canary.token}`).toString('base64')), Buffer.from(canary.note2)]));
    expect(search([probe], needlesFor('probe', canary.token)).length).toBeGreaterThan(0);
    expect(search([probe], needlesFor('probe', canary.note2)).length).toBeGreaterThan(0);
    expect(search([probe], needlesFor('probe', canary.password)).length).toBe(0);

    // While running (the WAL still holds recent pages), then after a clean stop.
    const everywhere = () => [...filesUnder(a.dataDir), ...filesUnder(b.dataDir), ...filesUnder(exportDir).filter((file) => file !== probe)];
    const whileRunning = everywhere();
    expect(whileRunning.some((file) => file.endsWith('guardian.db-wal'))).toBe(true);
    expect(whileRunning.filter((file) => file.includes(join('artifacts', '')))).toHaveLength(artifactFiles.length);
    expect(search(whileRunning, needles)).toEqual([]);

    expect(await a.stop()).toEqual({ code: 0, signal: null });
    expect(await b.stop()).toEqual({ code: 0, signal: null });
    const files = everywhere();
    expect(files.some((file) => file.includes(join('logs', '')))).toBe(true);
    expect(files.filter((file) => file.startsWith(exportDir))).toHaveLength(3);
    expect(search(files, needles)).toEqual([]);

    // Nor in what the services printed, nor in any answer other than a reveal.
    const printed = Buffer.from(a.stderr() + b.stderr());
    expect(needles.filter((needle) => printed.includes(needle.bytes)).map((needle) => needle.what)).toEqual([]);
    const answered = Buffer.from(answers.join('\n'));
    expect(needles.filter((needle) => answered.includes(needle.bytes)).map((needle) => needle.what)).toEqual([]);
    // The debug log was really written, so its silence means something.
    expect(a.stderr()).toContain('"level":"debug"');
  });
});

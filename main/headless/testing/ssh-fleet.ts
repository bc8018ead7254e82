import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_OWNER } from '@shared/permissions';
import { createCore } from '@core/app';
import { silentLogger } from '@core/logging/logger';
import { TestSshd } from '@core/testing/sshd';
import { configuredKeyFile } from '@core/vault/keyfile';
import { tempDir } from './guardian';

/** Two real sshd on 127.0.0.1 and a data dir that reaches them, for the built CLI's operations tests. */
export interface SshFleet {
  /** web-1 (environment prod) and web-2 (staging), both tagged web. */
  web1: TestSshd;
  web2: TestSshd;
  dataDir: string;
  /** The key file the data dir's vault opens with (--vault-key-file). */
  keyFile: string;
  /** The servers' ids by name. */
  ids: Record<'web-1' | 'web-2', string>;
  dispose(): Promise<void>;
}

/**
 * Starts two sshd and makes a data dir whose vault is protected by a key file, with a server for
 * each and one SSH key linked to both; no core holds the data dir open when it returns.
 */
export async function sshFleet(prefix: string): Promise<SshFleet> {
  const [web1, web2] = await Promise.all([TestSshd.start(), TestSshd.start()]);
  const key = web1.clientKey();
  writeFileSync(join(web2.dir, 'authorized_keys'), key.publicKey, { flag: 'a' });
  const dataDir = tempDir(`${prefix}-`);
  const keyFile = join(tempDir(`${prefix}-key-`), 'vault.key');
  writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
  const core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless', vaultKeyFile: configuredKeyFile(keyFile) });
  const ids = { 'web-1': '', 'web-2': '' };
  try {
    await core.vault.init({ kind: 'keyfile' });
    const call = (method: string, input: unknown) => core.router.call(LOCAL_OWNER, method, input, { origin: 'cli' });
    for (const [name, sshd, environment] of [
      ['web-1', web1, 'prod'],
      ['web-2', web2, 'staging'],
    ] as const) {
      const made = await call('servers.create', { name, host: '127.0.0.1', port: sshd.port, user: sshd.user, tags: ['web'], environment, monitor: false });
      if (!made.ok) throw new Error(made.error.message);
      ids[name] = (made.value as { id: string }).id;
    }
    const secret = await call('secrets.create', { name: 'web key', value: { kind: 'ssh_key', privateKey: key.privateKey }, serverIds: Object.values(ids) });
    if (!secret.ok) throw new Error(secret.error.message);
  } finally {
    await core.close();
  }
  return { web1, web2, dataDir, keyFile, ids, dispose: () => Promise.all([web1.dispose(), web2.dispose()]).then(() => undefined) };
}

import { createInterface } from 'node:readline';
import { Command, Option } from 'commander';
import { AppError } from '@shared/api/errors';
import { PERMISSIONS, ROLES, type Permission, type Role } from '@shared/permissions';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '@core/app';
import { printTable } from './cli-output';

type WithCore = <T>(dataDir: string, work: (core: Core) => Promise<T>) => Promise<T>;

const CLI = { origin: 'cli' };

/** The first line of standard input: passwords never go on the command line, where `ps` shows them. */
async function readPasswordFromStdin(): Promise<string> {
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  throw new AppError('VALIDATION_FAILED', 'No password arrived on standard input.', {
    hint: 'Pipe it in: printf "%s\\n" "$PASSWORD" | guardian user add … --password-stdin',
  });
}

function when(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
}

async function findUser(core: Core, username: string) {
  const row = await core.accounts.findByUsername(username);
  if (!row) throw new AppError('NOT_FOUND', `There is no account "${username}".`, { hint: 'See "guardian user list".' });
  return row;
}

/** Parses "7d", "12h", "30m" or an ISO date into an expiry time. */
function parseExpiry(value: string, now: number): number {
  const relative = /^(\d+)([mhd])$/.exec(value);
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'];
    return now + Number(relative[1]) * unit;
  }
  const absolute = Date.parse(value);
  if (Number.isNaN(absolute)) {
    throw new AppError('VALIDATION_FAILED', `"${value}" is not an expiry.`, { hint: 'Use e.g. 30d, 12h, 90m, or an ISO date.' });
  }
  return absolute;
}

/**
 * `guardian user …` and `guardian apikey …`: account administration directly on a data dir, for
 * bootstrapping a headless box. They act as the local system owner and are audited as such.
 */
export function addAccountCommands(program: Command, dataDirOption: () => Option, withCore: WithCore): void {
  const user = program.command('user').description('Accounts: who may sign in, with which role.');

  user
    .command('add')
    .description('Add an account. Its password must be changed at first sign-in.')
    .addOption(dataDirOption())
    .requiredOption('--username <name>', 'sign-in name')
    .addOption(new Option('--role <role>', 'what the account may do').choices(ROLES).makeOptionMandatory())
    .option('--display-name <name>', 'name shown in the app')
    .requiredOption('--password-stdin', 'read the first password from standard input')
    .action(async (options: { dataDir: string; username: string; role: Role; displayName?: string }) => {
      const password = await readPasswordFromStdin();
      await withCore(options.dataDir, async (core) => {
        const created = await core.router.invoke(
          LOCAL_OWNER,
          'users.create',
          { username: options.username, role: options.role, displayName: options.displayName, password },
          CLI,
        );
        process.stdout.write(`added ${created.username} (${created.role}); the password must be changed at first sign-in\n`);
      });
    });

  user
    .command('list')
    .description('List accounts.')
    .addOption(dataDirOption())
    .option('--json', 'print JSON', false)
    .action(async (options: { dataDir: string; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const { items } = await core.router.invoke(LOCAL_OWNER, 'users.list', {}, CLI);
        if (options.json) process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
        else
          printTable(
            ['USERNAME', 'ROLE', 'STATE', 'MFA', 'LAST SIGN-IN'],
            items.map((u) => [
              u.username,
              u.role,
              u.disabled ? 'disabled' : u.mustChangePassword ? 'must change password' : 'active',
              u.totpEnabled ? 'totp' : '-',
              when(u.lastLoginAt),
            ]),
          );
      });
    });

  const byName = (name: string, description: string, method: 'users.disable' | 'users.enable' | 'users.delete', done: string) =>
    user
      .command(name)
      .description(description)
      .addOption(dataDirOption())
      .argument('<username>', 'the account')
      .action(async (username: string, options: { dataDir: string }) => {
        await withCore(options.dataDir, async (core) => {
          const row = await findUser(core, username);
          await core.router.invoke(LOCAL_OWNER, method, { id: row.id }, CLI);
          process.stdout.write(`${done} ${row.username}\n`);
        });
      });
  byName('disable', 'Disable an account and sign out its sessions (never the last owner).', 'users.disable', 'disabled');
  byName('enable', 'Re-enable a disabled account.', 'users.enable', 'enabled');
  byName('delete', 'Delete an account (never the last owner).', 'users.delete', 'deleted');

  user
    .command('reset-password')
    .description('Set a temporary password (read from standard input) that must be changed at next sign-in.')
    .addOption(dataDirOption())
    .argument('<username>', 'the account')
    .requiredOption('--password-stdin', 'read the temporary password from standard input')
    .action(async (username: string, options: { dataDir: string }) => {
      const password = await readPasswordFromStdin();
      await withCore(options.dataDir, async (core) => {
        const row = await findUser(core, username);
        await core.router.invoke(LOCAL_OWNER, 'users.resetPassword', { id: row.id, password }, CLI);
        process.stdout.write(`reset the password of ${row.username}; it must be changed at next sign-in\n`);
      });
    });

  const apikey = program.command('apikey').description('API keys for scripts and monitoring.');

  apikey
    .command('create')
    .description('Create a system API key (it belongs to no account; see docs/security.md). The token is printed once and stored only hashed.')
    .addOption(dataDirOption())
    .requiredOption('--name <name>', 'what the key is for')
    .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES).makeOptionMandatory())
    .addOption(new Option('--permission <permission...>', 'limit the key to these permissions of its role').choices(PERMISSIONS))
    .option('--expires <when>', 'expiry: 30d, 12h, 90m or an ISO date')
    .option('--json', 'print {"id", "token"} only', false)
    .action(async (options: { dataDir: string; name: string; role: Role; permission?: Permission[]; expires?: string; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const expiresAt = options.expires ? parseExpiry(options.expires, Date.now()) : undefined;
        const { key, token } = await core.router.invoke(
          LOCAL_OWNER,
          'apikeys.create',
          { name: options.name, role: options.role, permissions: options.permission, expiresAt },
          CLI,
        );
        if (options.json) process.stdout.write(`${JSON.stringify({ id: key.id, token })}\n`);
        else process.stdout.write(`${token}\n(key ${key.id}; shown once: store it now)\n`);
      });
    });

  apikey
    .command('list')
    .description('List API keys (never their tokens).')
    .addOption(dataDirOption())
    .option('--json', 'print JSON', false)
    .action(async (options: { dataDir: string; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        const { items } = await core.router.invoke(LOCAL_OWNER, 'apikeys.list', {}, CLI);
        if (options.json) process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
        else
          printTable(
            ['ID', 'NAME', 'PREFIX', 'ROLE', 'OWNER', 'EXPIRES', 'LAST USED', 'STATE'],
            items.map((k) => [
              k.id,
              k.name,
              `${k.prefix}…`,
              k.role,
              k.owner?.username ?? 'system',
              when(k.expiresAt),
              when(k.lastUsedAt),
              k.revokedAt ? 'revoked' : 'active',
            ]),
          );
      });
    });

  apikey
    .command('revoke')
    .description('Revoke an API key; it stops working at its next call.')
    .addOption(dataDirOption())
    .argument('<id>', 'the key id (see "guardian apikey list")')
    .action(async (id: string, options: { dataDir: string }) => {
      await withCore(options.dataDir, async (core) => {
        const key = await core.router.invoke(LOCAL_OWNER, 'apikeys.revoke', { id }, CLI);
        process.stdout.write(`revoked ${key.name} (${key.id})\n`);
      });
    });
}

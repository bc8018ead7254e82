import { AppError } from '@shared/api/errors';
import type { User } from '@shared/api/users';
import type { Principal, Role } from '@shared/permissions';
import type { Clock } from '../clock';
import { unlessTaken } from '../db/engine';
import { assertPasswordAcceptable, DEFAULT_ARGON2, hashPassword, type Argon2Cost } from './passwords';
import type { SessionStore } from './sessions';
import type { AuthStore, UserChange } from './store';
import type { UserRow } from './table';

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    role: row.role,
    disabled: row.disabled,
    mustChangePassword: row.mustChangePassword,
    totpEnabled: row.totpEnabled,
    createdAt: row.createdAt,
    lastLoginAt: row.lastLoginAt,
  };
}

/**
 * Owners are beyond an admin's reach: their accounts, sessions and keys. `what` completes
 * "Only an owner may …".
 */
export function assertMayActOn(actor: Pick<Principal, 'role'>, targetRole: Role, what: string): void {
  if (actor.role === 'owner' || targetRole !== 'owner') return;
  throw new AppError('PERMISSION_DENIED', `Only an owner may ${what}.`, { hint: 'Ask an owner to do this.' });
}

const usernameTaken = (username: string) =>
  new AppError('CONFLICT', `The username "${username}" is taken.`, {
    hint: 'Choose another username.',
    issues: [{ path: ['username'], message: 'This username is taken' }],
  });

const lastOwner = (what: string) =>
  new AppError('CONFLICT', `That would ${what} the last owner.`, {
    hint: 'Make another account an owner first; Guardian always keeps one.',
  });

export interface NewUser {
  username: string;
  displayName?: string | undefined;
  role: Role;
  password: string;
  mustChangePassword: boolean;
  /** The first owner: refused if any account exists by the time it is stored. */
  first?: boolean;
}

/** Accounts: who exists, with which role, and the rules that keep at least one owner. */
export class AccountStore {
  constructor(
    private readonly store: AuthStore,
    private readonly clock: Clock,
    private readonly sessions: SessionStore,
    private readonly newId: () => string,
    private readonly passwordCost: Argon2Cost = DEFAULT_ARGON2,
  ) {}

  count(): Promise<number> {
    return this.store.countUsers();
  }

  async list(): Promise<User[]> {
    return (await this.store.listUsers()).map(toUser);
  }

  /** The caller's own account; an API key (or the system) has none. */
  signedIn(principal: Principal): Promise<UserRow> {
    if (principal.kind !== 'user') {
      return Promise.reject(new AppError('PERMISSION_DENIED', 'Only a signed-in person can do this.', { hint: 'Sign in with your account.' }));
    }
    return this.row(principal.id);
  }

  async row(id: string): Promise<UserRow> {
    const row = await this.store.user(id);
    if (!row) throw new AppError('NOT_FOUND', `There is no account ${id}.`, { hint: 'List the accounts to see their ids.' });
    return row;
  }

  findByUsername(username: string): Promise<UserRow | undefined> {
    return this.store.userByName(username.trim());
  }

  private assertMayManage(actor: Principal, target: { role: Role }, newRole?: Role): void {
    assertMayActOn(actor, newRole === 'owner' ? 'owner' : target.role, 'create, change or remove an owner');
  }

  async create(actor: Principal | null, spec: NewUser): Promise<User> {
    if (actor) this.assertMayManage(actor, { role: spec.role });
    if (await this.findByUsername(spec.username)) throw usernameTaken(spec.username);
    assertPasswordAcceptable(spec.password, spec.username);
    const passwordHash = await hashPassword(spec.password, this.passwordCost);
    const now = this.clock.now();
    const row: UserRow = {
      id: this.newId(),
      username: spec.username,
      displayName: spec.displayName?.trim() || spec.username,
      role: spec.role,
      passwordHash,
      mustChangePassword: spec.mustChangePassword,
      disabled: false,
      totpSecret: null,
      totpEnabled: false,
      totpLastStep: null,
      createdAt: now,
      updatedAt: now,
      lastLoginAt: null,
    };
    // The name, or the place of first owner, may have been taken while the hash was computed (or is being taken now: the lock waits for that call to end).
    if (spec.first) await this.store.lockOwners();
    if (spec.first && (await this.count()) > 0) throw new AppError('CONFLICT', 'Guardian already has an owner.', { hint: 'Sign in instead.' });
    if (await this.findByUsername(spec.username)) throw usernameTaken(spec.username);
    await unlessTaken(this.store.insertUser(row), () => usernameTaken(spec.username));
    return toUser(row);
  }

  /**
   * Refuses to `what` the account `row` when it is the last active owner. Counted under the owners'
   * lock, so two such changes at once (two owners demoting each other) cannot each count the
   * other still there.
   */
  private async assertNotLastOwner(row: UserRow, what: string): Promise<void> {
    if (row.role !== 'owner' || row.disabled) return;
    await this.store.lockOwners();
    if ((await this.store.activeOwners()) <= 1) throw lastOwner(what);
  }

  private async save(id: string, fields: UserChange): Promise<User> {
    await this.store.updateUser(id, fields, this.clock.now());
    return toUser(await this.row(id));
  }

  async update(actor: Principal, id: string, fields: { displayName?: string | undefined; role?: Role | undefined }): Promise<User> {
    const row = await this.row(id);
    this.assertMayManage(actor, row, fields.role);
    if (fields.role && fields.role !== 'owner') await this.assertNotLastOwner(row, 'demote');
    const changes: UserChange = {};
    if (fields.displayName !== undefined) changes.displayName = fields.displayName || row.username;
    if (fields.role !== undefined) changes.role = fields.role;
    return this.save(id, changes);
  }

  async setDisabled(actor: Principal, id: string, disabled: boolean): Promise<User> {
    const row = await this.row(id);
    this.assertMayManage(actor, row);
    if (disabled) await this.assertNotLastOwner(row, 'disable');
    const user = await this.save(id, { disabled });
    if (disabled) {
      await this.sessions.revokeAllFor(id);
      // For good: re-enabling the account (say, after a compromise) must not bring its keys back.
      await this.store.revokeApiKeysOf(id, this.clock.now());
    }
    return user;
  }

  async resetPassword(actor: Principal, id: string, password: string): Promise<User> {
    const row = await this.row(id);
    this.assertMayManage(actor, row);
    assertPasswordAcceptable(password, row.username);
    const passwordHash = await hashPassword(password, this.passwordCost);
    const user = await this.save(id, { passwordHash, mustChangePassword: true });
    await this.sessions.revokeAllFor(id);
    return user;
  }

  async resetMfa(actor: Principal, id: string): Promise<User> {
    const row = await this.row(id);
    this.assertMayManage(actor, row);
    await this.store.replaceRecoveryCodes(id, []);
    return this.save(id, { totpEnabled: false, totpSecret: null, totpLastStep: null });
  }

  async delete(actor: Principal, id: string): Promise<{ id: string }> {
    const row = await this.row(id);
    this.assertMayManage(actor, row);
    await this.assertNotLastOwner(row, 'delete');
    await this.store.deleteUser(id);
    return { id };
  }
}

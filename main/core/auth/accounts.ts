import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import { AppError } from '@shared/api/errors';
import type { User } from '@shared/api/users';
import type { Principal, Role } from '@shared/permissions';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import { assertPasswordAcceptable, DEFAULT_ARGON2, hashPassword, type Argon2Cost } from './passwords';
import type { SessionStore } from './sessions';
import { apiKeysTable, recoveryCodesTable, usersTable, type UserRow } from './table';

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
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sessions: SessionStore,
    private readonly newId: () => string,
    private readonly passwordCost: Argon2Cost = DEFAULT_ARGON2,
  ) {}

  count(): number {
    return this.db.select({ n: count() }).from(usersTable).get()?.n ?? 0;
  }

  list(): User[] {
    return this.db
      .select()
      .from(usersTable)
      .orderBy(asc(sql`${usersTable.username} COLLATE NOCASE`))
      .all()
      .map(toUser);
  }

  /** The caller's own account; an API key (or the system) has none. */
  signedIn(principal: Principal): UserRow {
    if (principal.kind !== 'user') {
      throw new AppError('PERMISSION_DENIED', 'Only a signed-in person can do this.', { hint: 'Sign in with your account.' });
    }
    return this.row(principal.id);
  }

  row(id: string): UserRow {
    const row = this.db.select().from(usersTable).where(eq(usersTable.id, id)).get();
    if (!row) throw new AppError('NOT_FOUND', `There is no account ${id}.`, { hint: 'List the accounts to see their ids.' });
    return row;
  }

  findByUsername(username: string): UserRow | undefined {
    return this.db
      .select()
      .from(usersTable)
      .where(sql`${usersTable.username} = ${username.trim()} COLLATE NOCASE`)
      .get();
  }

  private activeOwners(): number {
    return (
      this.db
        .select({ n: count() })
        .from(usersTable)
        .where(and(eq(usersTable.role, 'owner'), eq(usersTable.disabled, false)))
        .get()?.n ?? 0
    );
  }

  private assertMayManage(actor: Principal, target: { role: Role }, newRole?: Role): void {
    assertMayActOn(actor, newRole === 'owner' ? 'owner' : target.role, 'create, change or remove an owner');
  }

  async create(actor: Principal | null, spec: NewUser): Promise<User> {
    if (actor) this.assertMayManage(actor, { role: spec.role });
    if (this.findByUsername(spec.username)) {
      throw new AppError('CONFLICT', `The username "${spec.username}" is taken.`, {
        hint: 'Choose another username.',
        issues: [{ path: ['username'], message: 'This username is taken' }],
      });
    }
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
    // The name, or the place of first owner, may have been taken while the hash was computed.
    if (spec.first && this.count() > 0) throw new AppError('CONFLICT', 'Guardian already has an owner.', { hint: 'Sign in instead.' });
    if (this.findByUsername(spec.username)) throw new AppError('CONFLICT', `The username "${spec.username}" is taken.`, { hint: 'Choose another username.' });
    this.db.insert(usersTable).values(row).run();
    return toUser(row);
  }

  private save(id: string, fields: Partial<UserRow>): User {
    this.db
      .update(usersTable)
      .set({ ...fields, updatedAt: this.clock.now() })
      .where(eq(usersTable.id, id))
      .run();
    return toUser(this.row(id));
  }

  update(actor: Principal, id: string, fields: { displayName?: string | undefined; role?: Role | undefined }): User {
    const row = this.row(id);
    this.assertMayManage(actor, row, fields.role);
    if (row.role === 'owner' && fields.role && fields.role !== 'owner' && !row.disabled && this.activeOwners() <= 1) {
      throw lastOwner('demote');
    }
    const changes: Partial<UserRow> = {};
    if (fields.displayName !== undefined) changes.displayName = fields.displayName || row.username;
    if (fields.role !== undefined) changes.role = fields.role;
    return this.save(id, changes);
  }

  setDisabled(actor: Principal, id: string, disabled: boolean): User {
    const row = this.row(id);
    this.assertMayManage(actor, row);
    if (disabled && row.role === 'owner' && !row.disabled && this.activeOwners() <= 1) throw lastOwner('disable');
    const user = this.save(id, { disabled });
    if (disabled) {
      this.sessions.revokeAllFor(id);
      // For good: re-enabling the account (say, after a compromise) must not bring its keys back.
      this.db
        .update(apiKeysTable)
        .set({ revokedAt: this.clock.now() })
        .where(and(eq(apiKeysTable.ownerId, id), isNull(apiKeysTable.revokedAt)))
        .run();
    }
    return user;
  }

  async resetPassword(actor: Principal, id: string, password: string): Promise<User> {
    const row = this.row(id);
    this.assertMayManage(actor, row);
    assertPasswordAcceptable(password, row.username);
    const passwordHash = await hashPassword(password, this.passwordCost);
    const user = this.save(id, { passwordHash, mustChangePassword: true });
    this.sessions.revokeAllFor(id);
    return user;
  }

  resetMfa(actor: Principal, id: string): User {
    const row = this.row(id);
    this.assertMayManage(actor, row);
    this.db.delete(recoveryCodesTable).where(eq(recoveryCodesTable.userId, id)).run();
    return this.save(id, { totpEnabled: false, totpSecret: null, totpLastStep: null });
  }

  delete(actor: Principal, id: string): { id: string } {
    const row = this.row(id);
    this.assertMayManage(actor, row);
    if (row.role === 'owner' && !row.disabled && this.activeOwners() <= 1) throw lastOwner('delete');
    this.db.delete(usersTable).where(eq(usersTable.id, id)).run();
    return { id };
  }
}

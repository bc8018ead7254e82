import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Role } from '@shared/permissions';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import type { WriterTurns } from '../db/sqlite-engine';
import { sessionsTable, usersTable, type SessionRow, type UserRow } from './table';
import { hashToken, randomToken } from './tokens';

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

export const DEFAULT_SESSIONS: SessionPolicy = { idleMs: 15 * 60_000, absoluteMs: 12 * 60 * 60_000 };

/** Writing last-seen on every call would make reads write; this precision is plenty for a 15-minute idle limit. */
const TOUCH_EVERY_MS = 15_000;

export interface NewSession {
  token: string;
  row: SessionRow;
}

/** Opaque random session tokens, stored only as hashes, with idle and absolute expiry. */
export class SessionStore {
  // Every call from a browser runs it: built once, since building a query costs more than running
  // it. It still reads the row each time, so a revoked session or a disabled user is refused at once.
  private readonly byHash;

  constructor(
    private readonly db: Db,
    private readonly turns: WriterTurns,
    private readonly clock: Clock,
    readonly policy: SessionPolicy,
    private readonly newId: () => string,
  ) {
    this.byHash = db
      .select()
      .from(sessionsTable)
      .innerJoin(usersTable, eq(usersTable.id, sessionsTable.userId))
      .where(eq(sessionsTable.tokenHash, sql.placeholder('tokenHash')))
      .prepare();
  }

  create(userId: string, origin: string, userAgent: string): NewSession {
    const now = this.clock.now();
    const token = randomToken();
    const row: SessionRow = {
      id: this.newId(),
      userId,
      tokenHash: hashToken(token),
      csrfToken: randomToken(),
      origin,
      userAgent: userAgent.slice(0, 300),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.policy.absoluteMs,
      revokedAt: null,
      reauthAt: null,
    };
    this.db.insert(sessionsTable).values(row).run();
    return { token, row };
  }

  /**
   * The live session and its user for a token, or null when unknown, revoked, idle, expired or
   * disabled. `touch: false` looks without counting as activity (e.g. deciding who receives an event).
   */
  resolve(token: string, touch = true): { session: SessionRow; user: UserRow } | null {
    const now = this.clock.now();
    const found = this.byHash.get({ tokenHash: hashToken(token) });
    if (!found) return null;
    const { sessions: session, users: user } = found;
    if (session.revokedAt !== null || user.disabled) return null;
    if (now >= session.expiresAt || now - session.lastSeenAt >= this.policy.idleMs) return null;
    if (touch && now - session.lastSeenAt >= TOUCH_EVERY_MS) {
      this.turns.stamp('session last seen', () => this.db.update(sessionsTable).set({ lastSeenAt: now }).where(eq(sessionsTable.id, session.id)).run());
      session.lastSeenAt = now;
    }
    return { session, user };
  }

  get(id: string): SessionRow | undefined {
    return this.db.select().from(sessionsTable).where(eq(sessionsTable.id, id)).get();
  }

  /** Sessions not revoked and not past their absolute expiry (idle ones included until they expire). */
  listActive(userId?: string): (SessionRow & { username: string; role: Role })[] {
    const now = this.clock.now();
    const conditions = [isNull(sessionsTable.revokedAt), gt(sessionsTable.expiresAt, now)];
    if (userId) conditions.push(eq(sessionsTable.userId, userId));
    return this.db
      .select()
      .from(sessionsTable)
      .innerJoin(usersTable, eq(usersTable.id, sessionsTable.userId))
      .where(and(...conditions))
      .orderBy(desc(sessionsTable.lastSeenAt))
      .all()
      .filter(({ sessions }) => now - sessions.lastSeenAt < this.policy.idleMs)
      .map(({ sessions, users }) => ({ ...sessions, username: users.username, role: users.role }));
  }

  markReauthenticated(id: string): void {
    this.db.update(sessionsTable).set({ reauthAt: this.clock.now() }).where(eq(sessionsTable.id, id)).run();
  }

  revoke(id: string): void {
    this.db.update(sessionsTable).set({ revokedAt: this.clock.now() }).where(eq(sessionsTable.id, id)).run();
  }

  revokeAllFor(userId: string, exceptId?: string): void {
    const rows = this.db
      .select({ id: sessionsTable.id })
      .from(sessionsTable)
      .where(and(eq(sessionsTable.userId, userId), isNull(sessionsTable.revokedAt)))
      .all();
    for (const row of rows) if (row.id !== exceptId) this.revoke(row.id);
  }
}

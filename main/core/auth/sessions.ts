import type { Role } from '@shared/permissions';
import type { Clock } from '../clock';
import type { Stamp } from '../db/engine';
import type { AuthStore, Holder } from './store';
import type { SessionRow } from './table';
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
  /**
   * Last-seen times this process recorded whose write may not have landed yet, by session id.
   * The write stays off the request's path (a stamp nobody waits for), so the next request can
   * read the row before it lands: on PostgreSQL it runs on another pooled connection, on SQLite it
   * waits behind a writer's turn. What this process decides from last-seen (idle or not, the list)
   * reads through this map, so a request right after another never counts idle time from before
   * it; otherwise a use just inside the idle limit and the next one just past it signed out someone
   * who had been active a moment ago. An entry goes once its write has landed or failed; a read
   * takes the entries as they were before it began (see {@link seen}).
   */
  private readonly unwritten = new Map<string, number>();

  constructor(
    private readonly store: AuthStore,
    /** Last-seen times are written outside the caller's transaction, and nobody waits for them. */
    private readonly stamp: Stamp,
    private readonly clock: Clock,
    readonly policy: SessionPolicy,
    private readonly newId: () => string,
  ) {}

  async create(userId: string, origin: string, userAgent: string): Promise<NewSession> {
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
    await this.store.insertSession(row);
    return { token, row };
  }

  /**
   * The live session and its user for a token, or null when unknown, revoked, idle, expired or
   * disabled. `touch: false` looks without counting as activity (e.g. deciding who receives an event).
   * It reads the row each time, so a revoked session or a disabled user is refused at once.
   */
  async resolve(token: string, touch = true): Promise<{ session: SessionRow; user: Holder } | null> {
    const before = new Map(this.unwritten);
    const found = await this.store.sessionByTokenHash(hashToken(token));
    const now = this.clock.now();
    if (!found) return null;
    const session = this.seen(found.session, before);
    const { user } = found;
    if (session.revokedAt !== null || user.disabled) return null;
    if (now >= session.expiresAt || now - session.lastSeenAt >= this.policy.idleMs) return null;
    if (touch && now - session.lastSeenAt >= TOUCH_EVERY_MS) {
      this.recordSeen(session.id, now);
      session.lastSeenAt = now;
    }
    return { session, user };
  }

  private recordSeen(id: string, at: number): void {
    this.unwritten.set(id, at);
    this.stamp('session last seen', async () => {
      try {
        await this.store.touchSession(id, at);
      } finally {
        // A newer time recorded meanwhile stays until its own write ends.
        if (this.unwritten.get(id) === at) this.unwritten.delete(id);
      }
    });
  }

  /**
   * The row with the last-seen time this process recorded, when that is newer than the row's.
   * `before`: the entries as they were when the read began. A write can land while the read is on
   * its way, its entry going with it, and the read still show the row as it was before.
   */
  private seen<T extends SessionRow>(row: T, before: ReadonlyMap<string, number>): T {
    const unwritten = Math.max(before.get(row.id) ?? 0, this.unwritten.get(row.id) ?? 0);
    return unwritten > row.lastSeenAt ? { ...row, lastSeenAt: unwritten } : row;
  }

  async get(id: string): Promise<SessionRow | undefined> {
    const before = new Map(this.unwritten);
    const row = await this.store.session(id);
    return row && this.seen(row, before);
  }

  /** Sessions not revoked and not past their absolute expiry (idle ones included until they expire). */
  async listActive(userId?: string): Promise<(SessionRow & { username: string; role: Role })[]> {
    const now = this.clock.now();
    const before = new Map(this.unwritten);
    const rows = await this.store.unexpiredSessions(now, userId);
    return (
      rows
        .map(({ session, user }) => ({ ...this.seen(session, before), username: user.username, role: user.role }))
        .filter((session) => now - session.lastSeenAt < this.policy.idleMs)
        // The store's order, by last seen, with the times not yet written (a stable sort keeps its ties).
        .sort((a, b) => b.lastSeenAt - a.lastSeenAt)
    );
  }

  markReauthenticated(id: string): Promise<void> {
    return this.store.markReauthenticated(id, this.clock.now());
  }

  revoke(id: string): Promise<void> {
    return this.store.revokeSession(id, this.clock.now());
  }

  revokeAllFor(userId: string, exceptId?: string): Promise<void> {
    return this.store.revokeSessionsOf(userId, this.clock.now(), exceptId);
  }
}

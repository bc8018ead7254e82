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
    const found = await this.store.sessionByTokenHash(hashToken(token));
    const now = this.clock.now();
    if (!found) return null;
    const { session, user } = found;
    if (session.revokedAt !== null || user.disabled) return null;
    if (now >= session.expiresAt || now - session.lastSeenAt >= this.policy.idleMs) return null;
    if (touch && now - session.lastSeenAt >= TOUCH_EVERY_MS) {
      this.stamp('session last seen', () => this.store.touchSession(session.id, now));
      session.lastSeenAt = now;
    }
    return { session, user };
  }

  get(id: string): Promise<SessionRow | undefined> {
    return this.store.session(id);
  }

  /** Sessions not revoked and not past their absolute expiry (idle ones included until they expire). */
  async listActive(userId?: string): Promise<(SessionRow & { username: string; role: Role })[]> {
    const now = this.clock.now();
    const rows = await this.store.unexpiredSessions(now, userId);
    return rows
      .filter(({ session }) => now - session.lastSeenAt < this.policy.idleMs)
      .map(({ session, user }) => ({ ...session, username: user.username, role: user.role }));
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

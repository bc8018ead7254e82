import { eq } from 'drizzle-orm';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import { serverCheckLimitsTable } from './table';

/**
 * Per-server caps on how many checks may run at once against a server's host (docs/monitoring.md,
 * "Concurrency caps"), in the server_check_limits table. The scheduler asks for a cap with every
 * check it starts, so the caps are read once and kept: this store writes them, and `reload()`
 * reads them again after another process (the CLI) wrote to the database.
 */
export class ServerCheckLimits {
  private readonly listeners = new Set<(limits: ReadonlyMap<string, number>) => void>();
  private current: ReadonlyMap<string, number> | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Called after each change, with every cap (the engine puts them in force at once). */
  onChange(listener: (limits: ReadonlyMap<string, number>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Server id → cap, for the servers that have one. */
  all(): ReadonlyMap<string, number> {
    this.current ??= this.read();
    return this.current;
  }

  /** Every cap with when it was set, for the settings page. */
  list(): { serverId: string; maxChecks: number; updatedAt: number }[] {
    return this.db
      .select({ serverId: serverCheckLimitsTable.serverId, maxChecks: serverCheckLimitsTable.maxChecks, updatedAt: serverCheckLimitsTable.updatedAt })
      .from(serverCheckLimitsTable)
      .all();
  }

  /** Sets a server's cap, or removes it (null: the monitoring setting holds again). */
  set(serverId: string, maxChecks: number | null): void {
    if (maxChecks === null) {
      this.db.delete(serverCheckLimitsTable).where(eq(serverCheckLimitsTable.serverId, serverId)).run();
    } else {
      const updatedAt = this.clock.now();
      this.db
        .insert(serverCheckLimitsTable)
        .values({ serverId, maxChecks, updatedAt })
        .onConflictDoUpdate({ target: serverCheckLimitsTable.serverId, set: { maxChecks, updatedAt } })
        .run();
    }
    // Read again on the next all(): the change commits with the call's audit event, or not at all.
    this.current = null;
    this.notify(this.read());
  }

  /** Reads them again after another process wrote (or a server was deleted, taking its cap with it). */
  reload(): void {
    const before = this.current;
    this.current = this.read();
    if (before && !sameLimits(before, this.current)) this.notify(this.current);
  }

  private read(): ReadonlyMap<string, number> {
    return new Map(this.list().map((row) => [row.serverId, row.maxChecks]));
  }

  private notify(limits: ReadonlyMap<string, number>): void {
    for (const listener of this.listeners) listener(limits);
  }
}

function sameLimits(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [serverId, limit] of a) if (b.get(serverId) !== limit) return false;
  return true;
}

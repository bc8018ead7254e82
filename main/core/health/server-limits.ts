import type { Clock } from '../clock';
import type { AsyncDatabase } from '../db/engine';
import type { CheckConfigStore } from './store/checks';
import type { ServerCheckLimitRow } from './table';

/**
 * Per-server caps on how many checks may run at once against a server's host (docs/monitoring.md,
 * "Concurrency caps"), in the server_check_limits table. The scheduler asks for a cap with every
 * check it starts, so the caps are read when the core opens (`load`) and kept: this writes them
 * and changes the copy once the write has committed, and `load()` reads them again after another
 * process (the CLI) wrote to the database.
 */
export class ServerCheckLimits {
  private readonly listeners = new Set<(limits: ReadonlyMap<string, number>) => void>();
  private current: ReadonlyMap<string, number> = new Map();
  /** Changes applied so far: a load that saw one land while it read reads again. */
  private changes = 0;

  constructor(
    private readonly store: CheckConfigStore,
    private readonly data: Pick<AsyncDatabase, 'afterCommit'>,
    private readonly clock: Clock,
  ) {}

  /** Called after each change, with every cap (the engine puts them in force at once). */
  onChange(listener: (limits: ReadonlyMap<string, number>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Server id → cap, for the servers that have one. */
  all(): ReadonlyMap<string, number> {
    return this.current;
  }

  /** Every cap with when it was set, as stored, for the settings page. */
  list(): Promise<ServerCheckLimitRow[]> {
    return this.store.limits();
  }

  /** Sets a server's cap, or removes it (null: the monitoring setting holds again). */
  async set(serverId: string, maxChecks: number | null): Promise<void> {
    if (maxChecks === null) await this.store.removeLimit(serverId);
    else await this.store.setLimit({ serverId, maxChecks, updatedAt: this.clock.now() });
    // The change commits with the call's audit event, or not at all: the caps in force follow only once it has.
    this.data.afterCommit(() => {
      this.changes++;
      const next = new Map(this.current);
      if (maxChecks === null) next.delete(serverId);
      else next.set(serverId, maxChecks);
      this.current = next;
      this.notify(next);
    });
  }

  /** Reads them (when the core opens, after another process wrote, or a server was deleted taking its cap with it). */
  async load(): Promise<void> {
    for (;;) {
      const seen = this.changes;
      const rows = await this.store.limits();
      if (seen !== this.changes) continue;
      const before = this.current;
      this.current = new Map(rows.map((row) => [row.serverId, row.maxChecks]));
      if (!sameLimits(before, this.current)) this.notify(this.current);
      return;
    }
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

import type { Database } from 'better-sqlite3';
import type { Clock } from '../clock';
import type { WriterTurns } from '../db/sqlite-engine';
import type { HostKeyPins } from './check';

/**
 * SSH host keys pinned on first use, by "host:port", in the host_keys table. A pin is written in
 * the writers' next turn; until then it is held here, so a second look at the host meanwhile
 * already finds it.
 */
export class HostKeyStore implements HostKeyPins {
  private readonly read;
  private readonly write;
  private readonly pending = new Map<string, string>();

  constructor(
    sqlite: Database,
    private readonly turns: WriterTurns,
    private readonly clock: Clock,
  ) {
    this.read = sqlite.prepare<[string], { fingerprint: string }>('SELECT fingerprint FROM host_keys WHERE target = ?');
    this.write = sqlite.prepare('INSERT OR IGNORE INTO host_keys (target, fingerprint, pinned_at) VALUES (?, ?, ?)');
  }

  get(target: string): string | null {
    return this.pending.get(target) ?? this.read.get(target)?.fingerprint ?? null;
  }

  /** Pins a first key; a key already pinned stays (a mismatch is the caller's to report). */
  pin(target: string, fingerprint: string): void {
    if (this.pending.has(target)) return;
    this.pending.set(target, fingerprint);
    const pinnedAt = this.clock.now();
    const settled = () => this.pending.delete(target);
    // A pin that could not be written is pinned again at the next look.
    this.turns.apart(() => this.write.run(target, fingerprint, pinnedAt)).then(settled, settled);
  }
}

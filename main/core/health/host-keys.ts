import type { Database } from 'better-sqlite3';
import type { Clock } from '../clock';
import type { HostKeyPins } from './check';

/** SSH host keys pinned on first use, by "host:port", in the host_keys table. */
export class HostKeyStore implements HostKeyPins {
  private readonly read;
  private readonly write;

  constructor(
    sqlite: Database,
    private readonly clock: Clock,
  ) {
    this.read = sqlite.prepare<[string], { fingerprint: string }>('SELECT fingerprint FROM host_keys WHERE target = ?');
    this.write = sqlite.prepare('INSERT OR IGNORE INTO host_keys (target, fingerprint, pinned_at) VALUES (?, ?, ?)');
  }

  get(target: string): string | null {
    return this.read.get(target)?.fingerprint ?? null;
  }

  /** Pins a first key; a key already pinned stays (a mismatch is the caller's to report). */
  pin(target: string, fingerprint: string): void {
    this.write.run(target, fingerprint, this.clock.now());
  }
}

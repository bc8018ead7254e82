import type { Clock } from '../clock';
import type { AsyncDatabase } from '../db/engine';
import type { HostKeyPins } from './check';
import type { CheckConfigStore } from './store/checks';

/**
 * SSH host keys pinned on first use, by "host:port", in the host_keys table. A pin is written
 * outside whatever call saw the key (a Test from the check editor pins too, and its call may
 * fail): until it lands it is held here, so a second look at the host meanwhile already finds it.
 * The first pin written wins: another process or node that pinned the host first keeps its key.
 */
export class HostKeyStore implements HostKeyPins {
  private readonly pending = new Map<string, string>();

  constructor(
    private readonly store: CheckConfigStore,
    private readonly data: Pick<AsyncDatabase, 'detached'>,
    private readonly clock: Clock,
    private readonly failed: (target: string, error: unknown) => void,
  ) {}

  async get(target: string): Promise<string | null> {
    const pending = this.pending.get(target);
    if (pending !== undefined) return pending;
    return (await this.store.hostKey(target))?.fingerprint ?? null;
  }

  /** Pins a first key; a key already pinned stays (a mismatch is the caller's to report). */
  pin(target: string, fingerprint: string): void {
    if (this.pending.has(target)) return;
    this.pending.set(target, fingerprint);
    const pinnedAt = this.clock.now();
    // A pin that could not be written is pinned again at the next look.
    this.data
      .detached(() => this.store.pinHostKey({ target, fingerprint, pinnedAt }))
      .catch((error: unknown) => this.failed(target, error))
      .finally(() => this.pending.delete(target));
  }
}

import { create } from 'zustand';
import type { Me } from '@shared/api/auth';

export type LockReason = 'idle' | 'expired';

interface LockState {
  /** The user whose session is locked, as they were when it locked; null while unlocked. */
  user: Me | null;
  reason: LockReason;
  lock(user: Me, reason: LockReason): void;
  unlock(): void;
}

/**
 * The lock screen's state. While locked the page stays mounted (with this user) under the
 * overlay, whatever the server now says about the session.
 */
export const useLockStore = create<LockState>((set, get) => ({
  user: null,
  reason: 'expired',
  lock(user, reason) {
    if (get().user) return;
    set({ user, reason });
  },
  unlock: () => set({ user: null }),
}));

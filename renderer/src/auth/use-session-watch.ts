import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { Me } from '@shared/api/auth';
import { useClient } from '../api/client-context';
import { methodKey } from '../api/query-keys';
import { useLockStore } from './lock-store';

/** What counts as the person being at the keyboard. */
const ACTIVITY_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const;
/** setTimeout cannot wait longer than this (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Watches the signed-in session and locks the screen when it ends:
 * - any call answered UNAUTHENTICATED (idle-expired, revoked, the server restarted);
 * - no mouse or keyboard activity in the page for the session's idle timeout (the session is
 *   then signed out, so the lock is real and not only drawn);
 * - the session's absolute expiry.
 * While the person is active the session is kept alive by a light `auth.me` now and then, so
 * reading a page without clicking does not end it. A PERMISSION_DENIED re-reads who is signed in:
 * the role may have changed meanwhile, and the page should stop offering what it no longer allows.
 */
export function useSessionWatch(me: Me, locked: boolean): void {
  const client = useClient();
  const queryClient = useQueryClient();
  const lock = useLockStore((state) => state.lock);

  useEffect(() => {
    if (locked) return undefined;
    return client.onFailure((error) => {
      if (error.code === 'UNAUTHENTICATED') lock(me, 'expired');
      else if (error.code === 'PERMISSION_DENIED') void queryClient.invalidateQueries({ queryKey: methodKey('auth.status', {}) });
    });
  }, [client, queryClient, lock, me, locked]);

  useEffect(() => {
    if (locked || me.idleTimeoutMs <= 0) return undefined;
    const idleMs = me.idleTimeoutMs;
    let lastActivity = Date.now();
    let lastKeepAlive = Date.now();
    let timer: ReturnType<typeof setTimeout>;

    const check = () => {
      const idleFor = Date.now() - lastActivity;
      if (idleFor >= idleMs) {
        lock(me, 'idle');
        client.call('auth.logout', {}).catch(() => undefined);
        return;
      }
      timer = setTimeout(check, idleMs - idleFor);
    };
    const onActivity = () => {
      lastActivity = Date.now();
      if (lastActivity - lastKeepAlive < idleMs / 2) return;
      lastKeepAlive = lastActivity;
      // A failure that matters (UNAUTHENTICATED) reaches the lock through onFailure.
      client.call('auth.me', {}).catch(() => undefined);
    };

    timer = setTimeout(check, idleMs);
    for (const name of ACTIVITY_EVENTS) document.addEventListener(name, onActivity, { passive: true, capture: true });
    return () => {
      clearTimeout(timer);
      for (const name of ACTIVITY_EVENTS) document.removeEventListener(name, onActivity, { capture: true });
    };
  }, [client, lock, me, locked]);

  useEffect(() => {
    if (locked || me.sessionExpiresAt <= 0) return undefined;
    const remaining = me.sessionExpiresAt - Date.now();
    if (remaining > MAX_TIMER_MS) return undefined;
    const timer = setTimeout(() => lock(me, 'expired'), Math.max(0, remaining));
    return () => clearTimeout(timer);
  }, [lock, me, locked]);
}

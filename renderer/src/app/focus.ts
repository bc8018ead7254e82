import { useEffect, useRef } from 'react';

/**
 * Where the keyboard goes when a screen or a page changes. The element that had focus (the
 * button that signed in, the link that opened a page) is gone or belongs to the page left
 * behind; without a move, focus falls to the body and the next Tab starts at the top of the
 * window again. The main region (AppFrame's and AuthLayout's `#main`, tabIndex -1) is where
 * the new content starts, and what the skip link moves to.
 */
export function focusMain(): void {
  document.getElementById('main')?.focus({ preventScroll: true });
}

/** Focus is nowhere in particular: on the body, or on an element no longer in the page. */
export function focusLost(): boolean {
  const active = document.activeElement;
  return active === null || active === document.body || !active.isConnected;
}

/**
 * Moves focus to main after `key` changes, never on the first render (a fresh page load starts
 * at the top, where the skip link is). `when(previous)` decides at that moment whether to move:
 * a new page moves unless a dialog opened with it, a new screen only when nothing on it (an
 * autofocused field) has already taken focus.
 */
export function useFocusMainAfterChange(key: string, when: (previous: string) => boolean): void {
  const previous = useRef(key);
  const decide = useRef(when);
  decide.current = when;
  useEffect(() => {
    const before = previous.current;
    if (before === key) return;
    previous.current = key;
    if (decide.current(before)) focusMain();
  }, [key]);
}

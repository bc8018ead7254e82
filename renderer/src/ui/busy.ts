import type { MouseEvent } from 'react';

/**
 * Props for a button whose work is under way. A `disabled` button loses keyboard focus (it falls
 * to the page body, and the next Tab starts from the top), so a busy button stays focusable,
 * says it cannot be used now (aria-disabled) and ignores presses, its own onClick and a form's
 * submit alike. Spread it before onClick: `<button {...busyProps(pending)} onClick={run}>`.
 */
export function busyProps(busy: boolean) {
  return {
    'aria-disabled': busy ? true : undefined,
    onClickCapture: busy
      ? (event: MouseEvent) => {
          event.preventDefault();
          event.stopPropagation();
        }
      : undefined,
  } as const;
}

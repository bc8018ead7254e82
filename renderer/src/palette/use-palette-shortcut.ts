import { useEffect } from 'react';
import { useHealthDialogs } from '../health/health-dialog-store';
import { useDialogStore } from '../state/dialog-store';

/** Ctrl+K, or Cmd+K on a Mac. */
export function isPaletteShortcut(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>): boolean {
  return event.key.toLowerCase() === 'k' && (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey;
}

/** Opens the palette, unless another dialog is open (the palette would land on top of its question). */
export function openPalette(): void {
  if (useDialogStore.getState().dialog !== null || useHealthDialogs.getState().dialog !== null) return;
  useDialogStore.getState().open({ kind: 'palette' });
}

/** Ctrl/Cmd+K anywhere in the app opens the palette, and closes it again (mount once, in the app frame). */
export function usePaletteShortcut(enabled = true): void {
  useEffect(() => {
    if (!enabled) return undefined;
    const onKey = (event: KeyboardEvent) => {
      if (!isPaletteShortcut(event) || event.defaultPrevented) return;
      event.preventDefault();
      const { dialog, close } = useDialogStore.getState();
      if (dialog?.kind === 'palette') close();
      else openPalette();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [enabled]);
}

import { create } from 'zustand';
import type { Server } from '../../../shared/api/servers';

/** The one modal dialog on screen, if any. While one is open the rest of the page is inert. */
export type OpenDialog =
  | { kind: 'server-create' }
  | { kind: 'server-edit'; server: Server }
  | { kind: 'server-delete'; server: Server }
  | { kind: 'server-import' };

interface DialogState {
  dialog: OpenDialog | null;
  open(dialog: OpenDialog): void;
  close(): void;
}

export const useDialogStore = create<DialogState>((set) => ({
  dialog: null,
  open: (dialog) => set({ dialog }),
  close: () => set({ dialog: null }),
}));

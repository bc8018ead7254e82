import { create } from 'zustand';
import type { Server } from '../../../shared/api/servers';
import type { ApiKey, User } from '../../../shared/api/users';

/** What the user-confirmation dialog asks about. */
export type UserAction = 'disable' | 'reset-mfa' | 'delete';

/** The one modal dialog on screen, if any. While one is open the rest of the page is inert. */
export type OpenDialog =
  | { kind: 'server-create' }
  | { kind: 'server-edit'; server: Server }
  | { kind: 'server-delete'; server: Server }
  | { kind: 'server-import' }
  | { kind: 'user-create' }
  | { kind: 'user-role'; user: User }
  | { kind: 'user-reset-password'; user: User }
  | { kind: 'user-confirm'; action: UserAction; user: User }
  | { kind: 'apikey-create' }
  | { kind: 'apikey-revoke'; apiKey: ApiKey };

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

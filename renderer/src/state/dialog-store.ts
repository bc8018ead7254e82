import { create } from 'zustand';
import type { Server } from '@shared/api/servers';
import type { ApiKey, User } from '@shared/api/users';
import type { Secret, SlotKind, VaultStatus } from '@shared/api/vault';

export type VaultSlot = VaultStatus['slots'][number];

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
  | { kind: 'apikey-revoke'; apiKey: ApiKey }
  | { kind: 'secret-create' }
  | { kind: 'secret-edit'; secret: Secret }
  | { kind: 'secret-delete'; secret: Secret }
  /** Reveal a value, or copy it (desktop); `browser`: a copy that fell back to revealing. */
  | { kind: 'secret-access'; secret: Secret; mode: 'reveal' | 'copy'; browser?: boolean }
  | { kind: 'vault-slot-add'; slotKind: SlotKind }
  | { kind: 'vault-slot-passphrase'; slot: VaultSlot }
  | { kind: 'vault-slot-remove'; slot: VaultSlot }
  /** Start (or resume) a rotation, or follow the one already running (`jobId`). */
  | { kind: 'vault-rotate'; resume: boolean; jobId?: string }
  /** A full rotation: new key-encryption key and data key, slots re-wrapped or removed. */
  | { kind: 'vault-rotate-full'; status: VaultStatus }
  | { kind: 'vault-export' }
  | { kind: 'vault-import' }
  /** The command palette (Ctrl/Cmd+K), and the dialogs it starts outside their pages. */
  | { kind: 'palette' }
  | { kind: 'audit-verify' }
  /** "Restart now" for a downloaded update. */
  | { kind: 'update-restart'; version: string };

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

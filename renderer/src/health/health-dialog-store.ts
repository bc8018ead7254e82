import { create } from 'zustand';
import type { Check } from '@shared/api/checks';
import type { Incident } from '@shared/api/incidents';
import type { MaintenanceWindow } from '@shared/api/maintenance';
import type { ServerTarget } from './editor/check-form';

/** The health pages' modal dialogs; while one is open the page behind is inert (AppFrame). */
export type HealthDialog =
  | { kind: 'check-create'; server: ServerTarget }
  | { kind: 'check-edit'; server: ServerTarget; check: Check }
  | { kind: 'check-delete'; check: Check }
  | { kind: 'incident-ack'; incident: Incident }
  | { kind: 'maintenance-create'; server: ServerTarget }
  | { kind: 'maintenance-delete'; window: MaintenanceWindow };

interface HealthDialogState {
  dialog: HealthDialog | null;
  open(dialog: HealthDialog): void;
  close(): void;
}

export const useHealthDialogs = create<HealthDialogState>((set) => ({
  dialog: null,
  open: (dialog) => set({ dialog }),
  close: () => set({ dialog: null }),
}));

import { create } from 'zustand';

/** The servers, tags and environments a run form starts with. */
export interface TargetDraft {
  serverIds: string[];
  tags: string[];
  environments: string[];
}

/**
 * What the Operations page shows, kept across pages: the run open and its target whose output is
 * shown, and the targets "Run on these" (the servers page, a server's page) handed to the run form.
 */
interface OperationsView {
  runId: string | null;
  serverId: string | null;
  draft: TargetDraft | null;
  openRun(runId: string): void;
  openTarget(serverId: string | null): void;
  /** Hands targets to the run form, which takes them once and clears them. */
  runOn(draft: TargetDraft): void;
  clearDraft(): void;
}

export const useOperationsView = create<OperationsView>((set) => ({
  runId: null,
  serverId: null,
  draft: null,
  openRun: (runId) => set({ runId, serverId: null }),
  openTarget: (serverId) => set({ serverId }),
  runOn: (draft) => set({ draft }),
  clearDraft: () => set({ draft: null }),
}));

export const OPERATIONS_HREF = '#/operations';

/** "Run on these": opens the Operations page with these servers as the run's targets. */
export function runOnServers(serverIds: readonly string[]): void {
  useOperationsView.getState().runOn({ serverIds: [...serverIds], tags: [], environments: [] });
  window.location.hash = OPERATIONS_HREF;
}

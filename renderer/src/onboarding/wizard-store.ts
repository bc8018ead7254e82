import { create } from 'zustand';

interface WizardState {
  /**
   * The wizard is on screen. Its last page (the summary) comes after the server has recorded
   * the wizard as done, so this, not the recorded step, keeps it there until "Go to servers".
   */
  active: boolean;
  setActive(active: boolean): void;
}

export const useWizardStore = create<WizardState>((set) => ({
  active: false,
  setActive: (active) => set({ active }),
}));

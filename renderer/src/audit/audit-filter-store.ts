import { create } from 'zustand';
import { EMPTY_FILTER, type AuditFilterForm } from './audit-filter';

/** The audit page's UI state, kept while the person visits other pages: the filter bar and the open event. */
interface AuditView {
  form: AuditFilterForm;
  /** The event shown in the detail drawer. */
  selectedSeq: number | null;
  setField(field: keyof AuditFilterForm, value: string): void;
  clear(): void;
  select(seq: number | null): void;
}

export const useAuditView = create<AuditView>((set) => ({
  form: EMPTY_FILTER,
  selectedSeq: null,
  setField: (field, value) => set((state) => ({ form: { ...state.form, [field]: value } })),
  clear: () => set({ form: EMPTY_FILTER }),
  select: (selectedSeq) => set({ selectedSeq }),
}));

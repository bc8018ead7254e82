import { create } from 'zustand';
import type { AppError } from '@shared/api';
import { asAppError, correlationIdOf } from '../api/app-errors';

export interface Toast {
  id: number;
  tone: 'success' | 'error' | 'info';
  title: string;
  /** For errors: the AppError's hint, what to do next. */
  detail?: string;
  reference?: string;
  /** The next step the toast offers: a link (e.g. to the server just added). */
  action?: ToastAction;
}

export interface ToastAction {
  label: string;
  href: string;
}

interface ToastState {
  toasts: Toast[];
  push(toast: Omit<Toast, 'id'>): number;
  dismiss(id: number): void;
}

const LIFETIME_MS: Record<Toast['tone'], number> = { success: 4_000, info: 6_000, error: 12_000 };
const ACTION_LIFETIME_MS = 12_000;
const MAX_VISIBLE = 5;
let nextId = 1;

export const useToastStore = create<ToastState>((set, get) => ({
  toasts: [],
  push(toast) {
    const id = nextId++;
    set((state) => ({ toasts: [...state.toasts, { ...toast, id }].slice(-MAX_VISIBLE) }));
    // A toast that offers a next step stays long enough to take it.
    setTimeout(() => get().dismiss(id), toast.action ? ACTION_LIFETIME_MS : LIFETIME_MS[toast.tone]);
    return id;
  },
  dismiss(id) {
    set((state) => ({ toasts: state.toasts.filter((toast) => toast.id !== id) }));
  },
}));

export const toast = {
  success(title: string, detail?: string, action?: ToastAction) {
    useToastStore.getState().push({ tone: 'success', title, ...(detail ? { detail } : {}), ...(action ? { action } : {}) });
  },
  info(title: string, detail?: string) {
    useToastStore.getState().push({ tone: 'info', title, ...(detail ? { detail } : {}) });
  },
  /** Shows what failed (message) and what to do (hint). */
  error(error: unknown) {
    const appError: AppError = asAppError(error);
    const reference = correlationIdOf(appError);
    useToastStore.getState().push({
      tone: 'error',
      title: appError.message,
      detail: appError.hint,
      ...(reference ? { reference } : {}),
    });
  },
};

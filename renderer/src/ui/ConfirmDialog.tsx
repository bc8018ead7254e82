import type { ReactNode } from 'react';
import type { AppError } from '@shared/api';
import { toast } from '../state/toast-store';
import { Dialog } from './Dialog';
import { ErrorBanner } from './ErrorBanner';

/** The part of a mutation a confirmation runs. */
interface ConfirmMutation<I> {
  mutate(input: I, options: { onSuccess(): void }): void;
}

/** The confirm handler: runs the mutation, then on success says so and closes the dialog. */
export function confirmAction<I>(mutation: ConfirmMutation<I>, input: I, done: string, onClose: () => void) {
  return () =>
    mutation.mutate(input, {
      onSuccess: () => {
        toast.success(done);
        onClose();
      },
    });
}

interface ConfirmDialogProps {
  title: string;
  testId: string;
  onClose(): void;
  /** What the action does, shown above the buttons. */
  children: ReactNode;
  confirmLabel: string;
  /** The confirm button's text while the action runs. */
  pendingLabel: string;
  pending: boolean;
  onConfirm(): void;
  error: Pick<AppError, 'message' | 'hint'> | null;
  errorTestId?: string;
  tone?: 'danger' | 'primary';
}

/** Asks before an action that cannot be taken back; the safe choice (Cancel) has the focus. */
export function ConfirmDialog({
  title,
  testId,
  onClose,
  children,
  confirmLabel,
  pendingLabel,
  pending,
  onConfirm,
  error,
  errorTestId,
  tone = 'danger',
}: ConfirmDialogProps) {
  return (
    <Dialog title={title} onClose={onClose} size="small" testId={testId}>
      <div className="dialog__body">
        <p>{children}</p>
        <ErrorBanner error={error} testId={errorTestId} />
      </div>
      <footer className="dialog__footer">
        <button type="button" className="button" onClick={onClose} data-autofocus>
          Cancel
        </button>
        <button type="button" className={`button button--${tone}`} onClick={onConfirm} disabled={pending}>
          {pending ? pendingLabel : confirmLabel}
        </button>
      </footer>
    </Dialog>
  );
}

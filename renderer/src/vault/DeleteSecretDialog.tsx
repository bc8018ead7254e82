import type { Secret } from '../../../shared/api/vault';
import { useMethodMutation } from '../api/hooks';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { plural } from '../ui/format';
import { KIND_LABELS } from './vault-labels';

/** Asks before deleting a secret; Cancel has the focus. */
export function DeleteSecretDialog({ secret, onClose }: { secret: Secret; onClose(): void }) {
  const remove = useMethodMutation('secrets.delete');
  const confirm = () =>
    remove.mutate(
      { id: secret.id },
      {
        onSuccess: () => {
          toast.success(`Deleted ${secret.name}`);
          onClose();
        },
      },
    );
  return (
    <Dialog title="Delete secret" onClose={onClose} size="small" testId="delete-secret-dialog">
      <div className="dialog__body">
        <p>
          The {KIND_LABELS[secret.kind].toLowerCase()} <strong>{secret.name}</strong> is deleted for good
          {secret.serverIds.length > 0 ? `, and unlinked from ${plural(secret.serverIds.length, 'server', 'servers')}` : ''}. A
          vault export made earlier still holds it.
        </p>
        <ErrorBanner error={remove.error} testId="delete-secret-error" />
      </div>
      <footer className="dialog__footer">
        <button type="button" className="button" onClick={onClose} data-autofocus>
          Cancel
        </button>
        <button type="button" className="button button--danger" onClick={confirm} disabled={remove.isPending}>
          {remove.isPending ? 'Deleting…' : 'Delete'}
        </button>
      </footer>
    </Dialog>
  );
}

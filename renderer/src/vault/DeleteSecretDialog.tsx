import type { Secret } from '@shared/api/vault';
import { useMethodMutation } from '../api/hooks';
import { ConfirmDialog, confirmAction } from '../ui/ConfirmDialog';
import { plural } from '../ui/format';
import { KIND_LABELS } from './vault-labels';

/** Asks before deleting a secret; Cancel has the focus. */
export function DeleteSecretDialog({ secret, onClose }: { secret: Secret; onClose(): void }) {
  const remove = useMethodMutation('secrets.delete');
  const confirm = confirmAction(remove, { id: secret.id }, `Deleted ${secret.name}`, onClose);
  return (
    <ConfirmDialog
      title="Delete secret"
      testId="delete-secret-dialog"
      onClose={onClose}
      confirmLabel="Delete"
      pendingLabel="Deleting…"
      pending={remove.isPending}
      onConfirm={confirm}
      error={remove.error}
      errorTestId="delete-secret-error"
    >
      The {KIND_LABELS[secret.kind].toLowerCase()} <strong>{secret.name}</strong> is deleted for good
      {secret.serverIds.length > 0 ? `, and unlinked from ${plural(secret.serverIds.length, 'server', 'servers')}` : ''}. A vault export made earlier still
      holds it.
    </ConfirmDialog>
  );
}

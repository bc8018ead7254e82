import type { ApiKey } from '@shared/api/users';
import { useMethodMutation } from '../api/hooks';
import { ConfirmDialog, confirmAction } from '../ui/ConfirmDialog';

/** Asks before revoking a key; scripts using it fail from their next call. Cancel has the focus. */
export function RevokeKeyDialog({ apiKey, onClose }: { apiKey: ApiKey; onClose(): void }) {
  const revoke = useMethodMutation('apikeys.revoke');
  const confirm = confirmAction(revoke, { id: apiKey.id }, `Revoked ${apiKey.name}`, onClose);
  return (
    <ConfirmDialog
      title="Revoke API key"
      testId="revoke-key-dialog"
      onClose={onClose}
      confirmLabel="Revoke"
      pendingLabel="Revoking…"
      pending={revoke.isPending}
      onConfirm={confirm}
      error={revoke.error}
      errorTestId="revoke-key-error"
    >
      <strong>{apiKey.name}</strong> (<span className="mono">{apiKey.prefix}…</span>) stops working at its next call. Whatever uses it needs a new key. This
      cannot be undone.
    </ConfirmDialog>
  );
}

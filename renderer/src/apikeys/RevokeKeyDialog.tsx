import type { ApiKey } from '../../../shared/api/users';
import { useMethodMutation } from '../api/hooks';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';

/** Asks before revoking a key; scripts using it fail from their next call. Cancel has the focus. */
export function RevokeKeyDialog({ apiKey, onClose }: { apiKey: ApiKey; onClose(): void }) {
  const revoke = useMethodMutation('apikeys.revoke');
  const confirm = () =>
    revoke.mutate(
      { id: apiKey.id },
      {
        onSuccess: () => {
          toast.success(`Revoked ${apiKey.name}`);
          onClose();
        },
      },
    );
  return (
    <Dialog title="Revoke API key" onClose={onClose} size="small" testId="revoke-key-dialog">
      <div className="dialog__body">
        <p>
          <strong>{apiKey.name}</strong> (<span className="mono">{apiKey.prefix}…</span>) stops working at its next call.
          Whatever uses it needs a new key. This cannot be undone.
        </p>
        <ErrorBanner error={revoke.error} testId="revoke-key-error" />
      </div>
      <footer className="dialog__footer">
        <button type="button" className="button" onClick={onClose} data-autofocus>
          Cancel
        </button>
        <button type="button" className="button button--danger" onClick={confirm} disabled={revoke.isPending}>
          {revoke.isPending ? 'Revoking…' : 'Revoke'}
        </button>
      </footer>
    </Dialog>
  );
}

import type { Server } from '@shared/api/servers';
import { asAppError } from '../api/app-errors';
import { useMethodMutation } from '../api/hooks';
import { ConfirmDialog, confirmAction } from '../ui/ConfirmDialog';

/** Asks before removing a server; the safe choice (Cancel) has the focus. */
export function DeleteServerDialog({ server, onClose }: { server: Server; onClose(): void }) {
  const remove = useMethodMutation('servers.delete');
  const failure = remove.error ? asAppError(remove.error) : null;

  const confirm = confirmAction(remove, { id: server.id }, `Deleted ${server.name}`, onClose);

  return (
    <ConfirmDialog
      title="Delete server"
      testId="server-delete-dialog"
      onClose={onClose}
      confirmLabel="Delete"
      pendingLabel="Deleting…"
      pending={remove.isPending}
      onConfirm={confirm}
      error={failure}
    >
      <strong>{server.name}</strong> ({server.host}:{server.port}) will be removed from Guardian. This cannot be undone.
    </ConfirmDialog>
  );
}

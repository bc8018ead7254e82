import type { Server } from '../../../shared/api/servers';
import { asAppError } from '../api/app-errors';
import { useMethodMutation } from '../api/hooks';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';

/** Asks before removing a server; the safe choice (Cancel) has the focus. */
export function DeleteServerDialog({ server, onClose }: { server: Server; onClose(): void }) {
  const remove = useMethodMutation('servers.delete');
  const failure = remove.error ? asAppError(remove.error) : null;

  const confirm = () => {
    remove.mutate(
      { id: server.id },
      {
        onSuccess: () => {
          toast.success(`Deleted ${server.name}`);
          onClose();
        },
      },
    );
  };

  return (
    <Dialog title="Delete server" onClose={onClose} size="small" testId="server-delete-dialog">
      <div className="dialog__body">
        <p>
          <strong>{server.name}</strong> ({server.host}:{server.port}) will be removed from Guardian. This cannot be
          undone.
        </p>
        {failure ? (
          <div className="banner banner--error" role="alert">
            <p>{failure.message}</p>
            <p className="banner__hint">{failure.hint}</p>
          </div>
        ) : null}
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

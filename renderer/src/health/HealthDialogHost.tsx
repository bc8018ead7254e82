import type { Check } from '@shared/api/checks';
import type { MaintenanceWindow } from '@shared/api/maintenance';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { CheckEditorDialog } from './editor/CheckEditorDialog';
import { useHealthDialogs } from './health-dialog-store';
import { AcknowledgeDialog } from './incidents/AcknowledgeDialog';
import { MaintenanceDialog } from './server/MaintenanceDialog';
import { toast } from '../state/toast-store';
import { useMethodMutation } from '../api/hooks';

function DeleteCheckDialog({ check, onClose }: { check: Check; onClose(): void }) {
  const remove = useMethodMutation('checks.delete');
  return (
    <ConfirmDialog
      title={`Delete ${check.name}?`}
      testId="check-delete-dialog"
      onClose={onClose}
      confirmLabel="Delete check"
      pendingLabel="Deleting…"
      pending={remove.isPending}
      error={remove.error}
      onConfirm={() =>
        remove.mutate(
          { id: check.id },
          {
            onSuccess: () => {
              toast.success(`Deleted ${check.name}`);
              onClose();
            },
          },
        )
      }
    >
      The check stops, and its results, rollups and chart go with it. Incidents stay in the history.
    </ConfirmDialog>
  );
}

function DeleteWindowDialog({ window, onClose }: { window: MaintenanceWindow; onClose(): void }) {
  const remove = useMethodMutation('maintenance.delete');
  return (
    <ConfirmDialog
      title={`Delete the window ${window.name}?`}
      testId="maintenance-delete-dialog"
      onClose={onClose}
      confirmLabel="Delete window"
      pendingLabel="Deleting…"
      pending={remove.isPending}
      error={remove.error}
      onConfirm={() =>
        remove.mutate(
          { id: window.id },
          {
            onSuccess: () => {
              toast.success(`Deleted the window ${window.name}`);
              onClose();
            },
          },
        )
      }
    >
      Results taken during its time will count again, and incidents will open as usual.
    </ConfirmDialog>
  );
}

/** The health pages' dialogs, rendered beside the app's own (DialogHost) outside the page. */
export function HealthDialogHost() {
  const dialog = useHealthDialogs((state) => state.dialog);
  const close = useHealthDialogs((state) => state.close);
  if (!dialog) return null;
  switch (dialog.kind) {
    case 'check-create':
      return <CheckEditorDialog server={dialog.server} onClose={close} />;
    case 'check-edit':
      return <CheckEditorDialog key={dialog.check.id} server={dialog.server} check={dialog.check} onClose={close} />;
    case 'check-delete':
      return <DeleteCheckDialog check={dialog.check} onClose={close} />;
    case 'incident-ack':
      return <AcknowledgeDialog incident={dialog.incident} onClose={close} />;
    case 'maintenance-create':
      return <MaintenanceDialog server={dialog.server} onClose={close} />;
    case 'maintenance-delete':
      return <DeleteWindowDialog window={dialog.window} onClose={close} />;
    default: {
      const unreachable: never = dialog;
      return unreachable;
    }
  }
}

import { useMethodMutation } from '../api/hooks';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { useStoreUpdateStatus } from './use-update-status';

/** "Restart now": the one way, besides quitting, that a downloaded update is installed. */
export function RestartDialog({ version, onClose }: { version: string; onClose(): void }) {
  const install = useMethodMutation('updates.install');
  const store = useStoreUpdateStatus();
  return (
    <ConfirmDialog
      title={`Restart to install ${version}?`}
      testId="update-restart-dialog"
      onClose={onClose}
      confirmLabel="Restart now"
      pendingLabel="Restarting…"
      pending={install.isPending}
      error={install.error}
      tone="primary"
      onConfirm={() =>
        install.mutate(
          {},
          {
            onSuccess: (status) => {
              store(status);
              onClose();
            },
          },
        )
      }
    >
      Guardian quits, installs version {version} and starts again. Jobs still running stop at a safe point, and you sign in again afterwards.
    </ConfirmDialog>
  );
}

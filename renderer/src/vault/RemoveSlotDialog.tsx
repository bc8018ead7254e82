import { useMethodMutation } from '../api/hooks';
import type { VaultSlot } from '../state/dialog-store';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { SLOT_LABELS } from './vault-labels';

/** Asks before removing a key slot. The server refuses to remove the last one, and says why here. */
export function RemoveSlotDialog({ slot, onClose }: { slot: VaultSlot; onClose(): void }) {
  const remove = useMethodMutation('vault.removeSlot');
  const confirm = () =>
    remove.mutate(
      { id: slot.id },
      {
        onSuccess: () => {
          toast.success(`Removed the key slot ${slot.label}`);
          onClose();
        },
      },
    );
  return (
    <Dialog title="Remove key slot" onClose={onClose} size="small" testId="remove-slot-dialog">
      <div className="dialog__body">
        <p>
          The {SLOT_LABELS[slot.kind].toLowerCase()} slot <strong>{slot.label}</strong> will no longer open the vault. The
          other slots keep working.
        </p>
        <ErrorBanner error={remove.error} testId="remove-slot-error" />
      </div>
      <footer className="dialog__footer">
        <button type="button" className="button" onClick={onClose} data-autofocus>
          Cancel
        </button>
        <button type="button" className="button button--danger" onClick={confirm} disabled={remove.isPending}>
          {remove.isPending ? 'Removing…' : 'Remove slot'}
        </button>
      </footer>
    </Dialog>
  );
}

import { useMethodMutation } from '../api/hooks';
import type { VaultSlot } from '../state/dialog-store';
import { ConfirmDialog, confirmAction } from '../ui/ConfirmDialog';
import { SLOT_LABELS } from './vault-labels';

/** Asks before removing a key slot. The server refuses to remove the last one, and says why here. */
export function RemoveSlotDialog({ slot, onClose }: { slot: VaultSlot; onClose(): void }) {
  const remove = useMethodMutation('vault.removeSlot');
  const confirm = confirmAction(remove, { id: slot.id }, `Removed the key slot ${slot.label}`, onClose);
  return (
    <ConfirmDialog
      title="Remove key slot"
      testId="remove-slot-dialog"
      onClose={onClose}
      confirmLabel="Remove slot"
      pendingLabel="Removing…"
      pending={remove.isPending}
      onConfirm={confirm}
      error={remove.error}
      errorTestId="remove-slot-error"
    >
      The {SLOT_LABELS[slot.kind].toLowerCase()} slot <strong>{slot.label}</strong> will no longer open the vault. The other slots keep working.
    </ConfirmDialog>
  );
}

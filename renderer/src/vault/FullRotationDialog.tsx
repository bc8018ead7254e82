import { useState, type FormEvent } from 'react';
import type { KeyFileAvailability, VaultStatus } from '@shared/api/vault';
import { useDirectCall } from '../api/use-direct-call';
import { useSeedJob } from '../jobs/use-job';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { PasswordField } from '../ui/PasswordField';
import { RotationProgress } from './RotationProgress';
import { SLOT_LABELS } from './vault-labels';

type Slot = VaultStatus['slots'][number];

/** How a kept slot is re-wrapped, in words; passphrase slots ask for theirs instead. */
function rewrapNote(slot: Slot, keyFile: KeyFileAvailability): string {
  if (slot.kind === 'os') return 'Re-wrapped through the OS keychain of this computer.';
  if (keyFile.source === 'configured') return 'Re-wrapped with the key file this service was started with, if it is this slot’s.';
  if (keyFile.source === 'dialog') return 'You choose this slot’s key file when the rotation starts.';
  return 'No key file was given to Guardian here: remove this slot, or start the service with its key file.';
}

/**
 * The full rotation: a new key-encryption key for every slot kept and a new data key for every
 * secret. Each passphrase slot kept needs its passphrase (it cannot be re-wrapped without it);
 * a slot can be removed instead, which is the point after a leak.
 */
export function FullRotationDialog({ status, onClose }: { status: VaultStatus; onClose(): void }) {
  const [passphrases, setPassphrases] = useState<Record<string, string>>({});
  const [dropped, setDropped] = useState<Record<string, boolean>>({});
  const [missing, setMissing] = useState<Record<string, string>>({});
  const [jobId, setJobId] = useState<string | undefined>();
  const rotate = useDirectCall('vault.rotate');
  const seedJob = useSeedJob();
  const kept = status.slots.filter((slot) => !dropped[slot.id]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (rotate.pending) return;
    const problems: Record<string, string> = {};
    for (const slot of kept) {
      if (slot.kind === 'passphrase' && !passphrases[slot.id]) problems[slot.id] = 'Enter this slot’s passphrase, or remove the slot.';
    }
    setMissing(problems);
    if (Object.keys(problems).length > 0 || kept.length === 0) return;
    const result = await rotate.run({
      scope: 'full',
      passphrases: kept.filter((slot) => slot.kind === 'passphrase').map((slot) => ({ slotId: slot.id, passphrase: passphrases[slot.id] ?? '' })),
      dropSlots: status.slots.filter((slot) => dropped[slot.id]).map((slot) => slot.id),
    });
    if (!result.ok) return;
    setPassphrases({});
    seedJob(result.value);
    setJobId(result.value.id);
  };

  return (
    <Dialog title="Rotate all keys" onClose={onClose} testId="full-rotation-dialog">
      {jobId ? (
        <RotationProgress jobId={jobId} onClose={onClose} />
      ) : (
        <form className="dialog__body form" onSubmit={(event) => void submit(event)} noValidate aria-busy={rotate.pending}>
          <p>
            After a passphrase or key file may have leaked: remove its slot here, and every other slot gets a new key to guard, and every secret a new data key.
            An old copy of the database opened with what leaked then opens nothing written from now on.
          </p>
          <ErrorBanner error={rotate.error} testId="full-rotation-error" />
          {status.slots.map((slot) => (
            <fieldset key={slot.id} className="form__group" data-testid="full-rotation-slot">
              <legend>
                {SLOT_LABELS[slot.kind]}: {slot.label}
              </legend>
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={dropped[slot.id] ?? false}
                  onChange={(event) => {
                    setDropped({ ...dropped, [slot.id]: event.target.checked });
                    setMissing({});
                  }}
                />
                Remove this slot
              </label>
              {dropped[slot.id] ? null : slot.kind === 'passphrase' ? (
                <PasswordField
                  label={`Passphrase of ${slot.label}`}
                  error={missing[slot.id]}
                  testId={`full-rotation-passphrase-${slot.id}`}
                  value={passphrases[slot.id] ?? ''}
                  onChange={(value) => {
                    setPassphrases({ ...passphrases, [slot.id]: value });
                    setMissing({});
                  }}
                />
              ) : (
                <p className="muted">{rewrapNote(slot, status.keyFile)}</p>
              )}
            </fieldset>
          ))}
          {kept.length === 0 ? <p role="alert">Keep at least one slot: without one, the vault could never be opened again.</p> : null}
          <footer className="dialog__footer">
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="button button--primary" disabled={rotate.pending || kept.length === 0}>
              {rotate.pending ? 'Starting…' : 'Rotate all keys'}
            </button>
          </footer>
        </form>
      )}
    </Dialog>
  );
}

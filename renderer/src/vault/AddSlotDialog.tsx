import { useState, type FormEvent } from 'react';
import type { SlotKind } from '@shared/api/vault';
import { useDirectCall } from '../api/use-direct-call';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';
import { EMPTY_PASSPHRASES, PassphraseFields, passphraseProblems, type PassphraseErrors } from './PassphraseFields';
import { SLOT_LABELS } from './vault-labels';

const EXPLAIN: Record<SlotKind, string> = {
  passphrase: 'Another passphrase that opens the vault, e.g. a second person’s, or one kept in a safe.',
  keyfile:
    'A file whose contents open the vault: the one the service was started with (--vault-key-file, a systemd credential), or in the desktop app one you choose next. Keep it readable by Guardian only.',
  os: 'The operating system’s keychain holds the key for your login on this computer; the vault then opens without a passphrase.',
};

/** Adds a way to open the vault; no secret is re-encrypted. */
export function AddSlotDialog({ slotKind, onClose }: { slotKind: SlotKind; onClose(): void }) {
  const [label, setLabel] = useState('');
  const [passphrases, setPassphrases] = useState(EMPTY_PASSPHRASES);
  const [errors, setErrors] = useState<PassphraseErrors>({});
  const add = useDirectCall('vault.addSlot');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (add.pending) return;
    const trimmed = label.trim();
    const named = trimmed !== '' ? { label: trimmed } : {};
    let slot: { kind: 'passphrase'; passphrase: string; label?: string } | { kind: 'keyfile'; label?: string } | { kind: 'os'; label?: string };
    if (slotKind === 'passphrase') {
      const problems = passphraseProblems(passphrases);
      setErrors(problems);
      if (Object.keys(problems).length > 0) return;
      slot = { kind: 'passphrase', passphrase: passphrases.passphrase, ...named };
    } else {
      slot = { kind: slotKind, ...named };
    }
    const result = await add.run({ slot });
    if (!result.ok) return;
    toast.success(`Added the ${SLOT_LABELS[slotKind].toLowerCase()} slot`);
    onClose();
  };

  return (
    <Dialog title={`Add ${SLOT_LABELS[slotKind].toLowerCase()} slot`} description={EXPLAIN[slotKind]} onClose={onClose} testId="add-slot-dialog">
      <form className="dialog__body form" onSubmit={(event) => void submit(event)} noValidate aria-busy={add.pending}>
        <ErrorBanner error={add.error} testId="add-slot-error" />
        {slotKind === 'passphrase' ? (
          <PassphraseFields
            values={passphrases}
            onChange={(next) => {
              setPassphrases(next);
              setErrors({});
            }}
            errors={errors}
            labels={{ passphrase: 'New passphrase', confirm: 'Confirm new passphrase' }}
            testId="add-slot"
          />
        ) : null}
        <Field
          label="Label"
          help={`Optional: which one it is, e.g. “${slotKind === 'keyfile' ? 'systemd credential' : slotKind === 'os' ? 'my laptop' : 'paper copy in the safe'}”.`}
          testId="add-slot-label"
        >
          {(control) => <input {...control} className="input" autoComplete="off" value={label} onChange={(event) => setLabel(event.target.value)} />}
        </Field>
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={add.pending}>
            {add.pending ? 'Adding…' : 'Add slot'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}

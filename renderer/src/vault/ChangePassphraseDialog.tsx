import { useState, type FormEvent } from 'react';
import { useDirectCall } from '../api/use-direct-call';
import type { VaultSlot } from '../state/dialog-store';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { PasswordField } from '../ui/PasswordField';
import { EMPTY_PASSPHRASES, PassphraseFields, passphraseProblems, type PassphraseErrors } from './PassphraseFields';

/** A passphrase slot's new passphrase; the current one proves the right to change it. */
export function ChangePassphraseDialog({ slot, onClose }: { slot: VaultSlot; onClose(): void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState(EMPTY_PASSPHRASES);
  const [errors, setErrors] = useState<PassphraseErrors & { current?: string }>({});
  const change = useDirectCall('vault.changePassphrase');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (change.pending) return;
    const problems: typeof errors = passphraseProblems(next);
    if (current === '') problems.current = 'Enter the passphrase this slot has now.';
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;
    const result = await change.run({ id: slot.id, current, next: next.passphrase });
    if (!result.ok) return;
    toast.success(`Changed the passphrase of ${slot.label}`);
    onClose();
  };

  return (
    <Dialog
      title="Change passphrase"
      description={`Slot “${slot.label}”. No secret is re-encrypted; the old passphrase stops working.`}
      onClose={onClose}
      testId="change-passphrase-dialog"
    >
      <form className="dialog__body form" onSubmit={(event) => void submit(event)} noValidate aria-busy={change.pending}>
        <ErrorBanner error={change.error} testId="change-passphrase-error" />
        <PasswordField
          label="Current passphrase"
          error={errors.current}
          testId="change-passphrase-current"
          value={current}
          onChange={(value) => {
            setCurrent(value);
            setErrors({});
          }}
        />
        <PassphraseFields
          values={next}
          onChange={(values) => {
            setNext(values);
            setErrors({});
          }}
          errors={errors}
          labels={{ passphrase: 'New passphrase', confirm: 'Confirm new passphrase' }}
          testId="change-passphrase-new"
        />
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={change.pending}>
            {change.pending ? 'Changing…' : 'Change passphrase'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}

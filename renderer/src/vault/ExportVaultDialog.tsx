import { useState, type FormEvent } from 'react';
import { useDirectCall } from '../api/use-direct-call';
import { downloadText } from '../servers/download';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { plural } from '../ui/format';
import { EMPTY_PASSPHRASES, PassphraseFields, passphraseProblems, type PassphraseErrors } from './PassphraseFields';
import { ReauthForm } from './ReauthForm';

/**
 * Every secret in one file, encrypted with a passphrase chosen for it; the browser downloads it.
 * Like revealing, it asks for the password again when the server wants a fresh re-authentication.
 */
export function ExportVaultDialog({ onClose }: { onClose(): void }) {
  const [values, setValues] = useState(EMPTY_PASSPHRASES);
  const [errors, setErrors] = useState<PassphraseErrors>({});
  const [reauth, setReauth] = useState(false);
  const exporter = useDirectCall('vault.export');

  const exportNow = async () => {
    const result = await exporter.run({ passphrase: values.passphrase });
    if (!result.ok) {
      if (result.error.code === 'REAUTH_REQUIRED') setReauth(true);
      return;
    }
    downloadText(result.value.fileName, 'application/octet-stream', result.value.content);
    toast.success(`Exported ${plural(result.value.count, 'secret', 'secrets')}`, `Saved as ${result.value.fileName}. Keep the passphrase apart from the file.`);
    onClose();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (exporter.pending) return;
    const problems = passphraseProblems(values);
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;
    void exportNow();
  };

  const confirmed = () => {
    setReauth(false);
    exporter.reset();
    void exportNow();
  };

  return (
    <Dialog
      title="Export vault"
      description="A backup of every secret, in a file encrypted with a passphrase you choose now."
      onClose={onClose}
      testId="export-vault-dialog"
    >
      {reauth ? (
        <ReauthForm action="Exporting every secret" onConfirmed={confirmed} onCancel={onClose} />
      ) : (
        <form className="dialog__body form" onSubmit={submit} noValidate aria-busy={exporter.pending}>
          <ErrorBanner error={exporter.error?.code === 'REAUTH_REQUIRED' ? null : exporter.error} testId="export-vault-error" />
          <PassphraseFields
            values={values}
            onChange={(next) => {
              setValues(next);
              setErrors({});
            }}
            errors={errors}
            labels={{ passphrase: 'Export passphrase', confirm: 'Confirm export passphrase' }}
            help="At least 12 characters. The file cannot be opened without it, by anyone, Guardian included."
            testId="export-vault"
          />
          <footer className="dialog__footer">
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="button button--primary" disabled={exporter.pending}>
              {exporter.pending ? 'Exporting…' : 'Export'}
            </button>
          </footer>
        </form>
      )}
    </Dialog>
  );
}

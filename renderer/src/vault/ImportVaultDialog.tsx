import { useState, type FormEvent } from 'react';
import type { Methods, OutputOf } from '@shared/api';
import { useDirectCall } from '../api/use-direct-call';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';
import { PasswordField } from '../ui/PasswordField';
import { formatCount, plural } from '../ui/format';

/** The contract's limit on an import's size. */
const IMPORT_MAX_BYTES = 64 * 1024 * 1024;

type Imported = OutputOf<Methods['vault.import']>;

function ImportResult({ result, onClose }: { result: Imported; onClose(): void }) {
  return (
    <>
      <div className="dialog__body">
        <div className="banner banner--good" role="status" data-testid="vault-import-result">
          <p>Import finished.</p>
          <p className="banner__hint">Secrets already in this vault (the same secret, by its id) were skipped, not overwritten.</p>
        </div>
        <dl className="stats">
          <div className="stat stat--good">
            <dt className="stat__label">Imported</dt>
            <dd className="stat__value" data-testid="vault-import-imported">
              {formatCount(result.imported)}
            </dd>
          </div>
          <div className="stat">
            <dt className="stat__label">Skipped</dt>
            <dd className="stat__value" data-testid="vault-import-skipped">
              {formatCount(result.skipped)}
            </dd>
          </div>
        </dl>
        {result.droppedServerLinks.length > 0 ? (
          <div className="banner banner--warn" role="status" data-testid="vault-import-dropped-links">
            <p>Links to servers this Guardian does not have were left out:</p>
            <ul>
              {result.droppedServerLinks.map((dropped) => (
                <li key={dropped.secretId}>
                  {dropped.name}: {plural(dropped.serverIds.length, 'server', 'servers')}
                </li>
              ))}
            </ul>
            <p className="banner__hint">Link those secrets to the right servers here, on each secret.</p>
          </div>
        ) : null}
      </div>
      <footer className="dialog__footer">
        <button type="button" className="button button--primary" onClick={onClose} autoFocus>
          Done
        </button>
      </footer>
    </>
  );
}

/** Brings back the secrets of a vault export: all of them, or none if the passphrase or file is wrong. */
export function ImportVaultDialog({ onClose }: { onClose(): void }) {
  const [file, setFile] = useState<File | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [errors, setErrors] = useState<{ file?: string; passphrase?: string }>({});
  const [reading, setReading] = useState(false);
  const [result, setResult] = useState<Imported | null>(null);
  const importer = useDirectCall('vault.import');
  const busy = reading || importer.pending;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const problems: typeof errors = {};
    if (!file) problems.file = 'Choose a vault export (.gvault).';
    else if (file.size > IMPORT_MAX_BYTES) problems.file = 'The file is larger than 64 MiB: it is not a vault export.';
    if (passphrase === '') problems.passphrase = 'Enter the passphrase the export was made with.';
    setErrors(problems);
    if (!file || Object.keys(problems).length > 0) return;
    setReading(true);
    let content: string;
    try {
      content = await file.text();
    } catch {
      return setErrors({ file: 'The file could not be read. Check that it still exists and try again.' });
    } finally {
      setReading(false);
    }
    const answer = await importer.run({ passphrase, content });
    if (!answer.ok) return;
    setResult(answer.value);
  };

  return (
    <Dialog
      title="Import vault"
      description="From a file made with “Export vault”, here or on another Guardian."
      onClose={onClose}
      testId="import-vault-dialog"
    >
      {result ? (
        <ImportResult result={result} onClose={onClose} />
      ) : (
        <form className="dialog__body form" onSubmit={(event) => void submit(event)} noValidate aria-busy={busy}>
          <ErrorBanner error={importer.error} testId="import-vault-error" />
          <Field
            label="Vault export file"
            error={errors.file}
            help={file ? `${file.name} · ${formatCount(file.size)} bytes` : 'A .gvault file.'}
            testId="import-vault-file"
          >
            {(control) => (
              <input
                {...control}
                type="file"
                className="input input--file"
                accept=".gvault,application/octet-stream,application/json"
                onChange={(event) => {
                  setFile(event.target.files?.[0] ?? null);
                  setErrors({});
                }}
              />
            )}
          </Field>
          <PasswordField
            label="Export passphrase"
            error={errors.passphrase}
            help="The one chosen when the file was exported."
            testId="import-vault-passphrase"
            autoComplete="off"
            value={passphrase}
            onChange={(value) => {
              setPassphrase(value);
              setErrors({});
            }}
          />
          <footer className="dialog__footer">
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="button button--primary" disabled={busy}>
              {busy ? 'Importing…' : 'Import'}
            </button>
          </footer>
        </form>
      )}
    </Dialog>
  );
}

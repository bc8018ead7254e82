import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { VaultStatus } from '@shared/api/vault';
import { issueOn } from '../api/app-errors';
import { invalidateMethod } from '../api/query-keys';
import { useDirectCall } from '../api/use-direct-call';
import { busyProps } from '../ui/busy';
import { ErrorBanner } from '../ui/ErrorBanner';
import { EMPTY_PASSPHRASES, PassphraseFields, passphraseProblems, type PassphraseErrors } from './PassphraseFields';

export interface ProtectLabels {
  passphrase: string;
  confirm: string;
  submit: string;
}

interface VaultProtectFormProps {
  os: VaultStatus['os'];
  labels: ProtectLabels;
  onCreated(status: VaultStatus): void;
  testId: string;
}

/**
 * Creates the vault: with the OS keychain where it works (recommended, nothing to remember),
 * else, or by choice, with a passphrase. Used by the Vault page and the first-run wizard.
 */
export function VaultProtectForm({ os, labels, onCreated, testId }: VaultProtectFormProps) {
  const [values, setValues] = useState(EMPTY_PASSPHRASES);
  const [errors, setErrors] = useState<PassphraseErrors>({});
  // A direct call: the passphrase must not stay behind in a mutation cache.
  const init = useDirectCall('vault.init');
  const queryClient = useQueryClient();

  const create = async (slot: { kind: 'os' } | { kind: 'passphrase'; passphrase: string }) => {
    if (init.pending) return;
    const result = await init.run({ slot });
    // Created: vault.changed refreshes the status. Someone else created it meanwhile (CONFLICT):
    // read it again, in case that change's event was missed.
    if (!result.ok && result.error.code === 'CONFLICT') void invalidateMethod(queryClient, 'vault.status');
    if (result.ok) onCreated(result.value);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems = passphraseProblems(values);
    setErrors(problems);
    if (Object.keys(problems).length === 0) void create({ kind: 'passphrase', passphrase: values.passphrase });
  };

  return (
    <div className="form" data-testid={testId}>
      <ErrorBanner error={init.error} testId={`${testId}-error`} />
      {os.available ? (
        <div className="vault-option">
          <p>
            <strong>OS keychain (recommended).</strong> Your operating system keeps the vault’s key, tied to your login on this computer: there is nothing to
            remember, and the vault opens when Guardian starts.
          </p>
          <div className="form__inline">
            <button type="button" className="button button--primary" {...busyProps(init.pending)} onClick={() => void create({ kind: 'os' })}>
              Use the OS keychain
            </button>
          </div>
          <p className="muted">Or choose a passphrase instead, for instance to open the vault on another machine:</p>
        </div>
      ) : (
        <div className="banner banner--info" role="note" data-testid={`${testId}-os-reason`}>
          <p>{os.reason}</p>
          <p className="banner__hint">So the vault is protected with a passphrase that you choose. You can add other ways to open it later.</p>
        </div>
      )}
      <form className="form" onSubmit={submit} noValidate aria-busy={init.pending} aria-label={labels.submit}>
        <PassphraseFields
          values={values}
          onChange={(next) => {
            setValues(next);
            setErrors({});
          }}
          errors={{ ...errors, passphrase: errors.passphrase ?? issueOn(init.error, 'slot') }}
          labels={labels}
          help="At least 12 characters. Guardian cannot recover it: without it (or another key slot) the secrets are lost."
          testId={testId}
          autoFocus={!os.available}
        />
        <div className="form__actions">
          <button type="submit" className={`button${os.available ? '' : ' button--primary'}`} {...busyProps(init.pending)}>
            {init.pending ? 'Protecting…' : labels.submit}
          </button>
        </div>
      </form>
    </div>
  );
}

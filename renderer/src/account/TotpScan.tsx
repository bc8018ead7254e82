import { useState, type FormEvent } from 'react';
import type { AppError } from '@shared/api';
import { busyProps } from '../ui/busy';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';
import type { TotpMaterial } from './use-totp-enrolment';

interface TotpScanProps {
  material: TotpMaterial;
  onConfirm(code: string): void;
  onCancel?(): void;
  confirming: boolean;
  error: AppError | null;
}

/** "Scan this, then type the code it shows": the QR code, the key as text, and the code field. */
export function TotpScan({ material, onConfirm, onCancel, confirming, error }: TotpScanProps) {
  const [code, setCode] = useState('');
  const [missing, setMissing] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (confirming) return;
    if (code.trim() === '') return setMissing(true);
    onConfirm(code);
  };

  return (
    <form className="form" onSubmit={submit} noValidate aria-busy={confirming} aria-label="Confirm two-factor">
      <ol className="steps-text">
        <li>Open an authenticator app (Google Authenticator, 1Password, Aegis, …) and add an account.</li>
        <li>Scan this QR code, or type the key below if you cannot scan.</li>
        <li>Enter the 6-digit code the app shows.</li>
      </ol>
      <div className="totp">
        <img className="totp__qr" src={material.qrDataUrl} alt="QR code for your authenticator app" width={180} height={180} />
        <div className="totp__manual">
          <p className="field__label">Key for manual entry</p>
          <code className="secret" data-testid="totp-secret">
            {material.secret}
          </code>
          <p className="field__help">Time-based, 6 digits, every 30 seconds.</p>
        </div>
      </div>
      <ErrorBanner error={error} testId="totp-error" />
      <Field label="Code" error={missing ? 'Enter the 6-digit code from the app.' : undefined} testId="totp-code">
        {(control) => (
          <input
            {...control}
            className="input input--code mono"
            autoFocus
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onChange={(event) => {
              setCode(event.target.value);
              setMissing(false);
            }}
          />
        )}
      </Field>
      <div className="form__actions">
        {onCancel ? (
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
        <button type="submit" className="button button--primary" {...busyProps(confirming)}>
          {confirming ? 'Checking…' : 'Confirm'}
        </button>
      </div>
    </form>
  );
}

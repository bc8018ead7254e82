import { CopyButton } from '../ui/CopyButton';

/** The recovery codes, shown once, with what they are for. */
export function RecoveryCodes({ codes, onContinue }: { codes: readonly string[]; onContinue(): void }) {
  return (
    <div className="form">
      <div className="banner banner--warn" role="status">
        <p>Two-factor is on. Save these recovery codes now: they are shown only this once.</p>
        <p className="banner__hint">
          Each one signs you in once if you lose the phone with the app. Keep them in your password manager or on paper.
        </p>
      </div>
      <ul className="recovery-codes" data-testid="recovery-codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code} className="mono">
            {code}
          </li>
        ))}
      </ul>
      <div className="form__actions form__actions--split">
        <span className="form__inline">
          <CopyButton value={codes.join('\n')} label="Copy codes" />
        </span>
        <button type="button" className="button button--primary" onClick={onContinue}>
          Continue
        </button>
      </div>
    </div>
  );
}

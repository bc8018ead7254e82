import { useEffect, useRef } from 'react';
import { CopyButton } from '../ui/CopyButton';

/**
 * The recovery codes, shown once, with what they are for. They replace the form whose Confirm
 * button had focus, so focus moves to them: read first, then Copy and Continue are next.
 */
export function RecoveryCodes({ codes, onContinue }: { codes: readonly string[]; onContinue(): void }) {
  const notice = useRef<HTMLDivElement>(null);
  useEffect(() => notice.current?.focus(), []);
  return (
    <div className="form">
      <div ref={notice} className="banner banner--warn" role="status" tabIndex={-1} data-testid="recovery-codes-notice">
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

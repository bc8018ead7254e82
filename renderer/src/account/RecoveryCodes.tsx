import { useEffect, useId, useRef, useState } from 'react';
import { downloadText } from '../servers/download';
import { CopyButton } from '../ui/CopyButton';

/** The codes as a file or a sheet of paper says them: what they are, then one a line. */
export function recoveryCodesText(codes: readonly string[]): string {
  return ['Guardian recovery codes', 'Each code signs you in once, instead of a code from your authenticator app.', '', ...codes, ''].join('\n');
}

/**
 * The recovery codes, shown once, with what they are for. They replace the form whose Confirm
 * button had focus, so focus moves to them: read first, then Copy, Download, Print, the "I have
 * saved them" confirmation, and Continue, which waits for that confirmation.
 */
export function RecoveryCodes({ codes, onContinue }: { codes: readonly string[]; onContinue(): void }) {
  const notice = useRef<HTMLDivElement>(null);
  const [saved, setSaved] = useState(false);
  const savedId = useId();
  useEffect(() => notice.current?.focus(), []);
  return (
    <div className="form">
      <div ref={notice} className="banner banner--warn" role="status" tabIndex={-1} data-testid="recovery-codes-notice">
        <p>Two-factor is on. Save these recovery codes now: they are shown only this once.</p>
        <p className="banner__hint">Each one signs you in once if you lose the phone with the app. Keep them in your password manager or on paper.</p>
      </div>
      {/* What a printout shows (base.css, @media print): the codes and what they are for. */}
      <div className="print-only-root">
        <h2 className="print-only">Guardian recovery codes</h2>
        <ul className="recovery-codes" data-testid="recovery-codes" aria-label="Recovery codes">
          {codes.map((code) => (
            <li key={code} className="mono">
              {code}
            </li>
          ))}
        </ul>
      </div>
      <div className="form__inline">
        <CopyButton value={codes.join('\n')} label="Copy codes" />
        <button
          type="button"
          className="button"
          onClick={() => downloadText('guardian-recovery-codes.txt', 'text/plain;charset=utf-8', recoveryCodesText(codes))}
        >
          Download
        </button>
        <button type="button" className="button" onClick={() => window.print()}>
          Print
        </button>
      </div>
      <div className="form__actions form__actions--split">
        <label className="checkbox" htmlFor={savedId}>
          <input id={savedId} type="checkbox" checked={saved} onChange={(event) => setSaved(event.target.checked)} data-testid="recovery-codes-saved" />I have
          saved these codes somewhere safe
        </label>
        <button type="button" className="button button--primary" onClick={onContinue} disabled={!saved}>
          Continue
        </button>
      </div>
    </div>
  );
}

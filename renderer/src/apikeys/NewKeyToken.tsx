import { useEffect, useRef } from 'react';
import type { ApiKey } from '@shared/api/users';
import { CopyButton } from '../ui/CopyButton';

/** The token of a key just created: the one and only time it is shown. */
export function NewKeyToken({ apiKey, token, onDone }: { apiKey: ApiKey; token: string; onDone(): void }) {
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => field.current?.select(), []);
  return (
    <div className="dialog__body form">
      <div className="banner banner--warn" role="status">
        <p>Copy the token of “{apiKey.name}” now: it is shown only once.</p>
        <p className="banner__hint">
          Guardian keeps only a hash of it. If it is lost, revoke this key and create another. Scripts send it as “Authorization: Bearer …”.
        </p>
      </div>
      <label className="field__label" htmlFor="new-api-key-token">
        Token
      </label>
      <div className="input-with-button">
        <input
          ref={field}
          id="new-api-key-token"
          className="input mono"
          readOnly
          value={token}
          data-testid="new-api-key-token"
          onFocus={(event) => event.target.select()}
        />
        <CopyButton value={token} />
      </div>
      <footer className="dialog__footer">
        <button type="button" className="button button--primary" onClick={onDone}>
          Done
        </button>
      </footer>
    </div>
  );
}

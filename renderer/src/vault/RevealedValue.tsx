import { useEffect, useRef, useState } from 'react';
import type { SecretValue } from '@shared/api/vault';
import { CopyButton } from '../ui/CopyButton';

/** How long a revealed value stays on screen. */
export const REVEAL_MS = 30_000;

function ValueText({ value }: { value: SecretValue }) {
  switch (value.kind) {
    case 'password':
      return <code className="secret">{value.password}</code>;
    case 'api_token':
      return <code className="secret">{value.token}</code>;
    case 'note':
      return <pre className="secret secret--block">{value.text}</pre>;
    case 'ssh_key':
      return (
        <>
          <pre className="secret secret--block">{value.privateKey}</pre>
          {value.passphrase ? (
            <p>
              Key passphrase: <code className="secret secret--inline">{value.passphrase}</code>
            </p>
          ) : null}
        </>
      );
    default: {
      const unreachable: never = value;
      return unreachable;
    }
  }
}

const pasteText = (value: SecretValue): string =>
  value.kind === 'password' ? value.password : value.kind === 'api_token' ? value.token : value.kind === 'note' ? value.text : value.privateKey;

interface RevealedValueProps {
  value: SecretValue;
  onHide(): void;
  /** Offer the browser's own copy (the desktop app copies from the main process instead). */
  copyable: boolean;
}

/** A revealed value, set apart, with the seconds until it hides itself. */
export function RevealedValue({ value, onHide, copyable }: RevealedValueProps) {
  const [left, setLeft] = useState(REVEAL_MS / 1000);
  const hide = useRef(onHide);
  hide.current = onHide;

  useEffect(() => {
    const started = Date.now();
    const tick = setInterval(() => setLeft(Math.max(0, Math.ceil((REVEAL_MS - (Date.now() - started)) / 1000))), 1_000);
    const end = setTimeout(() => hide.current(), REVEAL_MS);
    return () => {
      clearInterval(tick);
      clearTimeout(end);
    };
  }, []);

  return (
    <div className="revealed" data-testid="revealed-value">
      <ValueText value={value} />
      <div className="revealed__footer">
        <span className="muted" role="timer" aria-live="off" data-testid="reveal-countdown">
          Hides in {left} s
        </span>
        <span className="revealed__actions">
          {copyable ? <CopyButton value={pasteText(value)} /> : null}
          <button type="button" className="button" onClick={onHide}>
            Hide now
          </button>
        </span>
      </div>
    </div>
  );
}

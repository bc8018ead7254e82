import { useState } from 'react';

/** Copies a value to the clipboard and says so; where the clipboard is refused, says what to do. */
export function CopyButton({ value, label = 'Copy' }: { value: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = () => {
    const clipboard = globalThis.navigator?.clipboard;
    if (!clipboard) return setState('failed');
    clipboard.writeText(value).then(
      () => setState('copied'),
      () => setState('failed'),
    );
  };
  return (
    <>
      <button type="button" className="button" onClick={copy}>
        {label}
      </button>
      <span className="muted" role="status">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copying was refused: select the text and copy it.' : ''}
      </span>
    </>
  );
}

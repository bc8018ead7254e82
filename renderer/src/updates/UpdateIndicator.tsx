import { useEffect, useId, useRef, useState } from 'react';
import type { UpdateState } from '@shared/api/updates';
import { useCan } from '../auth/session';
import { useDialogStore } from '../state/dialog-store';
import { headerText, updateErrorTitle } from './update-text';
import { useUpdateStatus } from './use-update-status';
import './updates.css';

const SETTINGS_HREF = '#/settings';

/** An update error: a short word in the header that opens its hint. */
function UpdateError({ state }: { state: Extract<UpdateState, { kind: 'error' }> }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  useEffect(() => {
    if (!open) return undefined;
    const onPointer = (event: PointerEvent) => {
      if (event.target instanceof Node && !root.current?.contains(event.target)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [open]);

  return (
    <div
      className="menu-anchor"
      ref={root}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && open) {
          event.preventDefault();
          setOpen(false);
          button.current?.focus();
        }
      }}
    >
      <button
        ref={button}
        type="button"
        className="update-pill update-pill--error"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen(!open)}
        data-testid="update-indicator"
      >
        Update failed
      </button>
      {open ? (
        <div id={panelId} className="menu update-note" data-testid="update-error">
          <p className="update-note__title">{updateErrorTitle(state.code)}</p>
          <p className="update-note__hint">{state.hint}</p>
          <a className="update-note__link" href={SETTINGS_HREF} onClick={() => setOpen(false)}>
            Update settings
          </a>
        </div>
      ) : null}
    </div>
  );
}

function Indicator({ state, mayInstall }: { state: UpdateState; mayInstall: boolean }) {
  const openDialog = useDialogStore((store) => store.open);
  const text = headerText(state);
  if (text === null) return null;
  switch (state.kind) {
    case 'error':
      return <UpdateError state={state} />;
    case 'downloaded':
      return mayInstall ? (
        <button
          type="button"
          className="update-pill update-pill--ready"
          title={`Version ${state.version} is downloaded`}
          onClick={() => openDialog({ kind: 'update-restart', version: state.version })}
          data-testid="update-indicator"
        >
          Update ready — Restart now
        </button>
      ) : (
        <span className="update-pill" title="It is installed when Guardian quits." data-testid="update-indicator">
          {text}
        </span>
      );
    default:
      return (
        <a className="update-pill" href={SETTINGS_HREF} data-testid="update-indicator">
          {text}
        </a>
      );
  }
}

/** What an assistive technology announces: only the moments that ask for attention. */
function announcement(state: UpdateState): string {
  switch (state.kind) {
    case 'downloaded':
      return `Update ${state.version} is ready to install.`;
    case 'error':
      return `${updateErrorTitle(state.code)}. ${state.hint}`;
    default:
      return '';
  }
}

/** The updater in the header, unobtrusive: nothing at all while there is nothing to say, or where updates are off. */
export function UpdateIndicator() {
  const status = useUpdateStatus();
  const mayInstall = useCan()('system:admin');
  if (!status?.supported) return null;
  return (
    <>
      <Indicator state={status.state} mayInstall={mayInstall} />
      <span className="visually-hidden" role="status">
        {announcement(status.state)}
      </span>
    </>
  );
}

import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

interface DialogProps {
  title: string;
  /** One line under the title, also read as the dialog's description. */
  description?: ReactNode;
  onClose(): void;
  children: ReactNode;
  size?: 'small' | 'medium' | 'large';
  testId?: string;
}

/**
 * A modal dialog: Esc closes it, Tab stays inside it, focus goes to the element marked
 * `data-autofocus` (else the first field; or, while the dialog still loads, to the marked
 * element when it appears) and returns where it was when the dialog closes.
 * The page behind is made inert by the app shell while a dialog is open.
 */
export function Dialog({ title, description, onClose, children, size = 'medium', testId }: DialogProps) {
  const titleId = useId();
  const descriptionId = useId();
  const panel = useRef<HTMLDivElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const root = panel.current;
    const target = root?.querySelector<HTMLElement>('[data-autofocus]') ?? root?.querySelector<HTMLElement>(FOCUSABLE);
    (target ?? root)?.focus();
    // A dialog that loads its form first (the check editor reads the defaults) has nothing to
    // focus yet: the field marked for focus takes it when it appears, unless the person has moved.
    const late =
      root && !root.querySelector('[data-autofocus]') && typeof MutationObserver !== 'undefined'
        ? new MutationObserver(() => {
            const field = root.querySelector<HTMLElement>('[data-autofocus]');
            if (!field) return;
            late?.disconnect();
            if (document.activeElement === root || document.activeElement === document.body) field.focus();
          })
        : null;
    if (root) late?.observe(root, { childList: true, subtree: true });

    // Esc works even when focus has left the dialog (a click on the backdrop, for instance).
    const onDocumentKey = (event: globalThis.KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented) {
        event.preventDefault();
        closeRef.current();
      }
    };
    document.addEventListener('keydown', onDocumentKey);
    return () => {
      late?.disconnect();
      document.removeEventListener('keydown', onDocumentKey);
      if (previous?.isConnected) previous.focus();
      else document.getElementById('main')?.focus();
    };
  }, []);

  const trapTab = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== 'Tab' || !panel.current) return;
    const focusable = [...panel.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (!first || !last) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <div className="dialog-backdrop">
      <div
        ref={panel}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={description ? descriptionId : undefined}
        className={`dialog dialog--${size}`}
        tabIndex={-1}
        onKeyDown={trapTab}
        data-testid={testId}
      >
        <header className="dialog__header">
          <h2 id={titleId} className="dialog__title">
            {title}
          </h2>
          {description ? (
            <p id={descriptionId} className="dialog__description">
              {description}
            </p>
          ) : null}
        </header>
        {children}
      </div>
    </div>
  );
}

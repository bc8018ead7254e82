import { useToastStore, type Toast } from '../state/toast-store';
import { CloseIcon } from './icons';

function ToastItem({ toast, onDismiss }: { toast: Toast; onDismiss(): void }) {
  return (
    <div className={`toast toast--${toast.tone}`} role={toast.tone === 'error' ? 'alert' : 'status'} data-testid="toast">
      <div className="toast__body">
        <p className="toast__title">{toast.title}</p>
        {toast.detail ? <p className="toast__detail">{toast.detail}</p> : null}
        {toast.reference ? <p className="toast__reference">Reference {toast.reference}</p> : null}
        {toast.action ? (
          <a className="toast__action" href={toast.action.href} onClick={onDismiss}>
            {toast.action.label}
          </a>
        ) : null}
      </div>
      <button type="button" className="icon-button toast__dismiss" aria-label="Dismiss notification" onClick={onDismiss}>
        <CloseIcon />
      </button>
    </div>
  );
}

/** Results and errors of actions, bottom right, newest last. */
export function Toasts() {
  const toasts = useToastStore((state) => state.toasts);
  const dismiss = useToastStore((state) => state.dismiss);
  return (
    <section className="toasts" aria-label="Notifications">
      {toasts.map((item) => (
        <ToastItem key={item.id} toast={item} onDismiss={() => dismiss(item.id)} />
      ))}
    </section>
  );
}

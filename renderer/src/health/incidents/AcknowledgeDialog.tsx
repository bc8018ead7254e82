import { useState, type FormEvent } from 'react';
import type { Incident } from '@shared/api/incidents';
import { toast } from '../../state/toast-store';
import { Dialog } from '../../ui/Dialog';
import { ErrorBanner } from '../../ui/ErrorBanner';
import { Field } from '../../ui/Field';
import { useMethodMutation } from '../../api/hooks';

/** Acknowledge an incident with a note saying who is on it. */
export function AcknowledgeDialog({ incident, onClose }: { incident: Incident; onClose(): void }) {
  const [note, setNote] = useState('');
  const acknowledge = useMethodMutation('incidents.acknowledge');
  const fieldError = acknowledge.error?.issues?.find((issue) => issue.path[0] === 'note')?.message;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (acknowledge.isPending) return;
    acknowledge.mutate(
      { id: incident.id, note },
      {
        onSuccess: () => {
          toast.success(`Acknowledged the incident on ${incident.serverName}`);
          onClose();
        },
      },
    );
  };

  return (
    <Dialog
      title="Acknowledge the incident"
      description={`${incident.serverName}: ${incident.cause}`}
      onClose={onClose}
      size="small"
      testId="acknowledge-dialog"
    >
      <form className="dialog__body form" onSubmit={submit} noValidate aria-busy={acknowledge.isPending}>
        <ErrorBanner error={fieldError ? null : acknowledge.error} />
        <Field label="Note" error={fieldError} help="Who is on it, what is being done; optional" testId="acknowledge-note">
          {(control) => (
            <textarea {...control} className="input textarea" rows={3} value={note} onChange={(event) => setNote(event.target.value)} data-autofocus />
          )}
        </Field>
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={acknowledge.isPending}>
            {acknowledge.isPending ? 'Acknowledging…' : 'Acknowledge'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}

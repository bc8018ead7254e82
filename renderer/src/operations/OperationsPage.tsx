import { useCan } from '../auth/session';
import { PageHeader } from '../ui/PageParts';
import { useOperationsView } from './operations-store';
import { RunForm } from './RunForm';
import { RunHistory } from './RunHistory';
import { RunView } from './RunView';
import { useOperationEvents } from './use-operation-events';
import './operations.css';

/**
 * Commands on many servers (docs/operations.md): the run form for roles that may run them, the
 * open run followed live (its grid of targets, a target's output for roles that may read it), and
 * the history. A role without a control does not see it; the server refuses too.
 */
export function OperationsPage() {
  const can = useCan();
  const runId = useOperationsView((state) => state.runId);
  useOperationEvents();
  return (
    <div className="page page--scroll operations-page">
      <PageHeader title="Operations" />
      {can('operations:run') ? (
        <section className="op-section panel" aria-labelledby="op-form-title">
          <h2 id="op-form-title" className="op-section__title">
            Run a command
          </h2>
          <RunForm />
        </section>
      ) : null}
      {runId ? <RunView key={runId} runId={runId} /> : null}
      <section className="op-section" aria-labelledby="op-history-title">
        <h2 id="op-history-title" className="op-section__title">
          History
        </h2>
        <RunHistory />
      </section>
    </div>
  );
}

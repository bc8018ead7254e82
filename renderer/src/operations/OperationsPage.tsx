import type { ReactNode } from 'react';
import { useCan } from '../auth/session';
import { PageHeader } from '../ui/PageParts';
import { useOperationsView } from './operations-store';
import { OutputSearch } from './OutputSearch';
import { PushForm } from './PushForm';
import { RunbookList } from './RunbookList';
import { RunForm } from './RunForm';
import { RunHistory } from './RunHistory';
import { RunView } from './RunView';
import { useOperationEvents } from './use-operation-events';
import './operations.css';

/** One of the page's parts, named by its heading. */
function Section({ id, title, panel = false, children }: { id: string; title: string; panel?: boolean; children: ReactNode }) {
  return (
    <section className={`op-section${panel ? ' panel' : ''}`} aria-labelledby={id}>
      <h2 id={id} className="op-section__title">
        {title}
      </h2>
      {children}
    </section>
  );
}

/**
 * Commands on many servers (docs/operations.md): the run form, the push form and the runbooks for roles that may run them, the
 * open run followed live (its grid of targets, a target's output for roles that may read it), and
 * the search of what runs printed (for roles that may read output), and the history. A role without a control does not see it; the server refuses too.
 */
export function OperationsPage() {
  const can = useCan();
  const runId = useOperationsView((state) => state.runId);
  useOperationEvents();
  return (
    <div className="page page--scroll operations-page">
      <PageHeader
        title="Operations"
        actions={
          can('terminal:recordings') ? (
            <a className="button" href="#/terminal-recordings" data-testid="terminal-recordings-link">
              Terminal recordings
            </a>
          ) : null
        }
      />
      {can('operations:run') ? (
        <Section id="op-form-title" title="Run a command" panel>
          <RunForm />
        </Section>
      ) : null}
      {can('operations:run') ? (
        <Section id="op-push-title" title="Push a file" panel>
          <PushForm />
        </Section>
      ) : null}
      {can('runbooks:run') || can('runbooks:write') ? (
        <Section id="op-runbooks-title" title="Runbooks" panel>
          <RunbookList />
        </Section>
      ) : null}
      {runId ? <RunView key={runId} runId={runId} /> : null}
      {can('operations:output') ? (
        <Section id="op-search-title" title="Search the output" panel>
          <OutputSearch />
        </Section>
      ) : null}
      <Section id="op-history-title" title="History">
        <RunHistory />
      </Section>
    </div>
  );
}

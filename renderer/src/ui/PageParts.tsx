import type { ReactNode } from 'react';

/** A page's title row: the heading, what stands beside it (a count, a badge), then the page's actions. */
export function PageHeader({ title, children, actions }: { title: string; children?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page__header">
      <div className="page__title-group">
        <h1 className="page__title">{title}</h1>
        {children}
      </div>
      {actions ? <div className="page__actions">{actions}</div> : null}
    </div>
  );
}

/** Content still loading, announced politely; with a spinner unless told otherwise. */
export function LoadingState({ children, spinner = true }: { children: ReactNode; spinner?: boolean }) {
  return (
    <div className="state" role="status">
      {spinner ? (
        <>
          <span className="spinner" aria-hidden="true" />{' '}
        </>
      ) : null}
      {children}
    </div>
  );
}

/** Nothing to list: a title, then what to do about it. */
export function EmptyState({ title, testId, icon, children }: { title: string; testId?: string; icon?: ReactNode; children?: ReactNode }) {
  return (
    <div className="state" data-testid={testId}>
      {icon ? <div className="state__icon">{icon}</div> : null}
      <h2 className="state__title">{title}</h2>
      {children}
    </div>
  );
}

/** A search or filter that matches nothing, with the way back to the whole list. */
export function NoMatchesState({ what, testId, onClear }: { what: string; testId: string; onClear(): void }) {
  return (
    <EmptyState title={`No ${what} match`} testId={testId}>
      <p className="state__text">Nothing matches this search and these filters.</p>
      <button type="button" className="button" onClick={onClear}>
        Clear search and filters
      </button>
    </EmptyState>
  );
}

import { useId } from 'react';
import type { Job } from '@shared/api/jobs';
import { ImportSummary } from '@shared/api/servers';
import { formatCount, plural } from '../../ui/format';

/** How many rejected rows are listed; the count above always tells the whole number. */
export const REJECTED_ROWS_SHOWN = 200;

const HEADLINES: Record<Job['status'], string> = {
  queued: 'Import queued',
  running: 'Import running',
  succeeded: 'Import finished',
  failed: 'Import failed',
  cancelled: 'Import cancelled',
};

function Count({ label, value, tone, testId }: { label: string; value: number; tone?: string; testId: string }) {
  return (
    <div className={`stat${tone ? ` stat--${tone}` : ''}`}>
      <dt className="stat__label">{label}</dt>
      <dd className="stat__value" data-testid={testId}>
        {formatCount(value)}
      </dd>
    </div>
  );
}

/** What an import did: counts, then every row it refused with its line and reason. */
export function ImportSummaryView({ job }: { job: Job }) {
  const headingId = useId();
  const parsed = ImportSummary.safeParse(job.result);
  const summary = parsed.success ? parsed.data : null;
  const rejected = summary?.rejected ?? [];

  return (
    <section className="import-summary" aria-labelledby={headingId} data-testid="import-summary">
      <h3 id={headingId} className={`import-summary__title import-summary__title--${job.status}`}>
        {HEADLINES[job.status]}
      </h3>
      {job.status === 'cancelled' ? <p className="muted">Rows imported before the cancel were kept.</p> : null}
      {job.error ? (
        <div className="banner banner--error" role="alert">
          <p>{job.error.message}</p>
          <p className="banner__hint">{job.error.hint}</p>
        </div>
      ) : null}
      {summary ? (
        <>
          <dl className="stats">
            <Count label="Created" value={summary.created} tone="good" testId="import-created" />
            <Count label="Updated" value={summary.updated} tone="info" testId="import-updated" />
            <Count label="Unchanged" value={summary.unchanged} testId="import-unchanged" />
            <Count label="Rejected" value={rejected.length} tone={rejected.length ? 'bad' : undefined} testId="import-rejected" />
          </dl>
          <p className="muted" data-testid="import-rows">
            {formatCount(summary.rows)} rows read.{' '}
            {summary.created > 0
              ? summary.checks === 0
                ? 'The servers created have no check: nothing watches them until you add one.'
                : `${plural(summary.checks, 'server created is', 'servers created are')} watched by a TCP check.`
              : null}
          </p>
        </>
      ) : null}
      {rejected.length ? (
        <div className="rejected">
          <table className="simple-table" aria-label="Rejected rows">
            <thead>
              <tr>
                <th scope="col" className="simple-table__num">
                  Line
                </th>
                <th scope="col">Name</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {rejected.slice(0, REJECTED_ROWS_SHOWN).map((row, index) => (
                <tr key={`${row.line}-${index}`} data-testid="rejected-row">
                  <td className="simple-table__num">{row.line}</td>
                  <td>{row.name ?? <span className="muted">(no name)</span>}</td>
                  <td>{row.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {rejected.length > REJECTED_ROWS_SHOWN ? (
            <p className="muted">
              Showing the first {REJECTED_ROWS_SHOWN} of {formatCount(rejected.length)} rejected rows.
            </p>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

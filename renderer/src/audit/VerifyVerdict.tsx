import { VerifyReport } from '@shared/api/audit';
import type { Job } from '@shared/api/jobs';
import { CopyButton } from '../ui/CopyButton';
import { ErrorBanner } from '../ui/ErrorBanner';
import { formatCount, plural } from '../ui/format';

const BREAK_KINDS: Record<string, string> = {
  edited: 'its content no longer matches its hash',
  removed: 'sequence numbers are missing',
  reordered: 'an event sits at another event’s number',
  'hash altered': 'its stored hash was changed',
  relinked: 'an earlier event was rewritten and re-hashed',
};

interface VerdictProps {
  report: VerifyReport;
  onOpenEvent(seq: number): void;
}

function ExpectedHead({ expected }: { expected: NonNullable<VerifyReport['expectedHead']> }) {
  if (expected.foundAt !== null) {
    return <p data-testid="verify-expected-head">The head hash you kept is event {expected.foundAt}: nothing up to it changed.</p>;
  }
  return (
    <p className="verdict__bad" data-testid="verify-expected-head">
      The head hash you kept is not in the chain: events up to it were changed or removed, or the log was cut short.
    </p>
  );
}

/** How a verification ended: the chain intact with its head hash, or where it broke and why. */
export function VerifyVerdict({ report, onOpenEvent }: VerdictProps) {
  const { broken } = report;
  return (
    <div className={`verdict verdict--${report.intact ? 'good' : 'bad'}`} data-testid="verify-verdict" role="status">
      {broken ? (
        <>
          <h3 className="verdict__title">Chain broken at event {broken.seq}</h3>
          <p className="verdict__bad" data-testid="verify-broken">
            {broken.message}
            {BREAK_KINDS[broken.kind] ? (
              <span className="muted">
                {' '}
                ({broken.kind}: {BREAK_KINDS[broken.kind]})
              </span>
            ) : null}
          </p>
          <p className="muted">{plural(report.events, 'event', 'events')} verified before it.</p>
          <div>
            <button type="button" className="button button--danger" onClick={() => onOpenEvent(broken.seq)}>
              Open event {broken.seq}
            </button>
          </div>
        </>
      ) : (
        <>
          <h3 className="verdict__title">{report.intact ? 'Chain intact' : 'Chain intact, but the kept head is missing'}</h3>
          <p data-testid="verify-intact">
            {formatCount(report.events)} {report.events === 1 ? 'event' : 'events'}, chain intact, head hash
          </p>
          <div className="audit-hash">
            <code className="mono audit-hash__value" data-testid="verify-head-hash">
              {report.headHash}
            </code>
            <CopyButton value={report.headHash} label="Copy head hash" />
          </div>
          <p className="muted">Keep this hash somewhere else: verifying against it later proves that nothing up to event {report.headSeq} changed.</p>
        </>
      )}
      {report.expectedHead ? <ExpectedHead expected={report.expectedHead} /> : null}
      {report.anchor.checkpoint ? (
        <p className="muted">
          Verified from the retention checkpoint at event {report.anchor.seq} (<span className="mono">{report.anchor.hash.slice(0, 16)}…</span>).
        </p>
      ) : null}
    </div>
  );
}

/** A finished verify job: its verdict, or why there is none. */
export function VerifyOutcome({ job, onOpenEvent }: { job: Job; onOpenEvent(seq: number): void }) {
  if (job.status === 'cancelled') return <p data-testid="verify-verdict">Verification was cancelled before it reached the head of the chain.</p>;
  if (job.status === 'failed')
    return <ErrorBanner error={job.error ?? { message: 'Verification failed.', hint: 'See the Guardian log.' }} testId="verify-verdict" />;
  const report = VerifyReport.safeParse(job.result);
  if (!report.success) {
    return (
      <ErrorBanner
        error={{
          message: 'The verification finished without a report this app can read.',
          hint: 'The app and the server may be different versions: reload the page.',
        }}
        testId="verify-verdict"
      />
    );
  }
  return <VerifyVerdict report={report.data} onOpenEvent={onOpenEvent} />;
}

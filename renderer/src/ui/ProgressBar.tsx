interface ProgressBarProps {
  done: number;
  /** null: the total is not known yet, the bar is indeterminate. */
  total: number | null;
  label: string;
  testId?: string;
}

/** A determinate bar when the total is known, an indeterminate one otherwise. */
export function ProgressBar({ done, total, label, testId }: ProgressBarProps) {
  const known = total !== null && total > 0;
  const percent = known ? Math.min(100, Math.round((done / total) * 100)) : 0;
  return (
    <div
      className={`progress${known ? '' : ' progress--indeterminate'}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={known ? total : undefined}
      aria-valuenow={known ? done : undefined}
      aria-valuetext={known ? `${done} of ${total} (${percent}%)` : 'Starting…'}
      data-testid={testId}
    >
      <div className="progress__fill" style={{ width: known ? `${percent}%` : undefined }} />
    </div>
  );
}

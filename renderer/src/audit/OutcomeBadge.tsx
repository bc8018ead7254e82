import { outcomeTone } from './audit-format';

export function OutcomeBadge({ outcome }: { outcome: string }) {
  return <span className={`badge audit-outcome audit-outcome--${outcomeTone(outcome)}`}>{outcome}</span>;
}

import type { CheckState } from '@shared/api/checks';
import type { FleetOverview } from '@shared/api/health';
import { formatCount } from '../../ui/format';
import { STATUS_GLYPHS, STATUS_LABELS, STATUS_ORDER } from '../status';
import { useOverviewFilters } from './overview-filters-store';

/**
 * Servers by status, worst first; each count narrows the grid to that status when pressed. The
 * button's name is its visible text ("Down 3") and then "servers", so a voice command that says
 * what is on screen finds it (WCAG 2.5.3); aria-pressed says whether the grid is narrowed to it.
 */
export function StatusCounts({ counts }: { counts: FleetOverview['counts'] }) {
  const statuses = useOverviewFilters((state) => state.statuses);
  const toggleStatus = useOverviewFilters((state) => state.toggleStatus);
  return (
    <div className="status-counts" role="group" aria-label="Servers by status">
      {STATUS_ORDER.map((status: CheckState) => {
        const on = statuses.includes(status);
        const count = counts[status] ?? 0;
        return (
          <button
            key={status}
            type="button"
            className={`status-count status-count--${status}${on ? ' status-count--on' : ''}`}
            aria-pressed={on}
            onClick={() => toggleStatus(status)}
            data-testid={`status-count-${status}`}
          >
            <span className="status-count__label">
              <span className={`status-dot status-dot--${status}`} aria-hidden="true">
                {STATUS_GLYPHS[status]}
              </span>
              {STATUS_LABELS[status]}
            </span>{' '}
            <span className="status-count__value">
              {formatCount(count)}
              <span className="visually-hidden"> servers</span>
            </span>
          </button>
        );
      })}
    </div>
  );
}

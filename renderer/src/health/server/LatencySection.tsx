import { keepPreviousData } from '@tanstack/react-query';
import { useState } from 'react';
import { SERIES_RANGES, type SeriesRange } from '@shared/api/health';
import { useMethodQuery } from '../../api/hooks';
import { ErrorBanner } from '../../ui/ErrorBanner';
import { plural } from '../../ui/format';
import { formatLatency } from '../health-format';
import { chartSummary } from './chart-data';
import { LatencyChart } from './LatencyChart';

const RANGE_LABELS: Record<SeriesRange, string> = { '1h': '1 h', '24h': '24 h', '7d': '7 d', '30d': '30 d', '90d': '90 d' };

/** The latency chart of one of the server's checks over a chosen range. */
export function LatencySection({ serverId }: { serverId: string }) {
  const [range, setRange] = useState<SeriesRange>('24h');
  const [chosen, setChosen] = useState<string | null>(null);
  // The last hour shows raw results: it is redrawn as they come; longer ranges move by the hour.
  const series = useMethodQuery('health.series', { serverId, range }, { placeholderData: keepPreviousData, refetchInterval: range === '1h' ? 30_000 : false });
  const all = series.data?.series ?? [];
  const current = all.find((candidate) => candidate.checkId === chosen) ?? all[0];
  const summary = current ? chartSummary(current.points) : null;
  const label =
    current && summary
      ? `Latency of ${current.name} over ${RANGE_LABELS[range]}: average ${formatLatency(summary.avg)}, worst p95 ${formatLatency(summary.worstP95)}, ${plural(summary.failures, 'failure', 'failures')} in ${plural(summary.results, 'result', 'results')}.`
      : '';

  return (
    <section className="panel" aria-labelledby="latency-title" data-testid="latency-section">
      <div className="panel__header">
        <h2 className="panel__title" id="latency-title">
          Latency
        </h2>
        <div className="panel__tools">
          {all.length > 1 ? (
            <select className="input select" aria-label="Check" value={current?.checkId ?? ''} onChange={(event) => setChosen(event.target.value)}>
              {all.map((candidate) => (
                <option key={candidate.checkId} value={candidate.checkId}>
                  {candidate.name}
                </option>
              ))}
            </select>
          ) : null}
          <div className="segmented" role="group" aria-label="Range">
            {SERIES_RANGES.map((value) => (
              <button key={value} type="button" className="segmented__option" aria-pressed={value === range} onClick={() => setRange(value)}>
                {RANGE_LABELS[value]}
              </button>
            ))}
          </div>
          {series.isFetching ? <span className="spinner" role="status" aria-label="Loading the chart" /> : null}
        </div>
      </div>
      <ErrorBanner error={series.error} />
      {series.data && current ? (
        current.points.length === 0 ? (
          <p className="muted">No results in this range yet.</p>
        ) : (
          <LatencyChart points={current.points} from={series.data.from} to={series.data.to} label={label} />
        )
      ) : series.data ? (
        <p className="muted">Add a check to see its latency here.</p>
      ) : null}
    </section>
  );
}

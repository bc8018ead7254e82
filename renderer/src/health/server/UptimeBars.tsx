import type { ServerHealth } from '@shared/api/health';
import { formatUptimeOver, SPAN_MS } from '../health-format';
import { useNow } from '../use-now';

const SPANS = [
  ['24 hours', 'h24'],
  ['7 days', 'd7'],
  ['30 days', 'd30'],
  ['90 days', 'd90'],
] as const;

/** The server's uptime over four spans, each as a figure and a bar. */
export function UptimeBars({ uptime }: { uptime: ServerHealth['uptime'] }) {
  const now = useNow();
  return (
    <section className="panel" aria-labelledby="uptime-title" data-testid="uptime-bars">
      <h2 className="panel__title" id="uptime-title">
        Uptime
      </h2>
      <dl className="uptime-bars">
        {SPANS.map(([label, key]) => {
          const value = uptime[key];
          const tone = value === null ? 'none' : value >= 0.999 ? 'good' : value >= 0.99 ? 'warn' : 'bad';
          return (
            <div key={key} className="uptime-bar">
              <dt>{label}</dt>
              <dd>
                <span className={`uptime-bar__track uptime-bar__track--${tone}`} aria-hidden="true">
                  <span className="uptime-bar__fill" style={{ width: `${(value ?? 0) * 100}%` }} />
                </span>
                <span className="uptime-bar__value" data-testid={`uptime-${key}`}>
                  {formatUptimeOver(value, SPAN_MS[key], uptime.since, now)}
                </span>
              </dd>
            </div>
          );
        })}
      </dl>
    </section>
  );
}

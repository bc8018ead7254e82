import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { SeriesPoint } from '@shared/api/health';
import { useEffectiveTheme } from '../../state/theme-store';
import { formatLatency } from '../health-format';
import { chartColumns } from './chart-data';

const HEIGHT = 220;

/** A theme colour as the canvas needs it: tokens.css holds light-dark() pairs, resolved here. */
function resolveColour(node: HTMLElement, variable: string): string {
  const probe = document.createElement('span');
  probe.style.color = `var(${variable})`;
  probe.style.display = 'none';
  node.appendChild(probe);
  const colour = getComputedStyle(probe).color;
  probe.remove();
  return colour || '#888';
}

function withAlpha(colour: string, alpha: number): string {
  const rgb = /^rgba?\((\d+)[,\s]+(\d+)[,\s]+(\d+)/.exec(colour);
  return rgb ? `rgba(${rgb[1]}, ${rgb[2]}, ${rgb[3]}, ${alpha})` : colour;
}

/** Whether this browser can draw on a canvas (a test DOM cannot). */
function canvasWorks(): boolean {
  try {
    return document.createElement('canvas').getContext('2d') !== null;
  } catch {
    return false;
  }
}

function options(node: HTMLElement, width: number, spanSeconds: number): uPlot.Options {
  const accent = resolveColour(node, '--accent');
  const bad = resolveColour(node, '--bad');
  const muted = resolveColour(node, '--text-muted');
  const grid = resolveColour(node, '--border');
  const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  return {
    width,
    height: HEIGHT,
    cursor: { drag: { x: true, y: false } },
    legend: { show: true },
    scales: { x: { time: true }, ms: { auto: true, range: (_u, min, max) => [0, Math.max(max * 1.1, min + 1)] } },
    axes: [
      { ...axis, space: spanSeconds > 86_400 * 2 ? 70 : 60 },
      { ...axis, scale: 'ms', size: 64, values: (_u, splits) => splits.map((value) => formatLatency(value)) },
    ],
    series: [
      {},
      { label: 'min', scale: 'ms', stroke: withAlpha(accent, 0.35), width: 1, value: (_u, v) => formatLatency(v) },
      { label: 'max', scale: 'ms', stroke: withAlpha(accent, 0.35), width: 1, value: (_u, v) => formatLatency(v) },
      { label: 'avg', scale: 'ms', stroke: accent, width: 2, value: (_u, v) => formatLatency(v) },
      { label: 'p95', scale: 'ms', stroke: muted, width: 1, dash: [4, 4], value: (_u, v) => formatLatency(v) },
      {
        label: 'failures',
        scale: 'ms',
        stroke: bad,
        fill: bad,
        width: 0,
        paths: () => null,
        points: { show: true, size: 7, stroke: bad, fill: bad },
        value: (_u, v) => (v === null ? '—' : 'failed'),
      },
    ],
    bands: [{ series: [2, 1], fill: withAlpha(accent, 0.12) }],
  };
}

/**
 * One check's latency over the range: the average as a line inside its min–max band, the p95
 * dashed, failures marked in red. Drawn on a canvas by uPlot, so 90 days of points stay smooth;
 * drag across to zoom, double-click to zoom out.
 */
export function LatencyChart({ points, from, to, label }: { points: readonly SeriesPoint[]; from: number; to: number; label: string }) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const theme = useEffectiveTheme();
  const [drawable] = useState(canvasWorks);

  useEffect(() => {
    const node = holder.current;
    if (!node || !drawable) return undefined;
    const columns = chartColumns(points);
    const data: uPlot.AlignedData = [columns.x, columns.min, columns.max, columns.avg, columns.p95, columns.failures];
    const width = Math.max(280, node.clientWidth);
    const chart = new uPlot(options(node, width, (to - from) / 1000), data, node);
    chart.setScale('x', { min: from / 1000, max: to / 1000 });
    plot.current = chart;
    const observer =
      typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => chart.setSize({ width: Math.max(280, node.clientWidth), height: HEIGHT }));
    observer?.observe(node);
    return () => {
      observer?.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [points, from, to, theme, drawable]);

  return (
    <figure className="latency-chart" aria-label={label} data-testid="latency-chart">
      {drawable ? <div ref={holder} className="latency-chart__plot" /> : null}
      <figcaption className="latency-chart__caption">{label}</figcaption>
    </figure>
  );
}

import type { ChartBar, ReportDocument, ReportTable } from './document';
import type { FileSink } from './sink';
import { yieldToLoop } from './sink';
import { periodText, timeText } from './words';

/**
 * One self-contained HTML file: inline CSS, inline SVG charts, no script, no remote resource
 * (its own CSP says so to the browser), every value escaped. Prints cleanly: table headers repeat
 * on each page and rows do not break across pages.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

const STYLE = `
  :root { color-scheme: light; }
  body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d2430; margin: 32px; }
  header { border-bottom: 2px solid #1d3557; margin-bottom: 20px; padding-bottom: 12px; }
  h1 { font-size: 22px; margin: 0 0 6px; color: #1d3557; }
  h2 { font-size: 16px; margin: 28px 0 8px; color: #1d3557; }
  .meta { color: #4a5568; margin: 2px 0; }
  dl.facts { display: grid; grid-template-columns: max-content auto; gap: 4px 18px; margin: 0 0 12px; }
  dl.facts dt { color: #4a5568; }
  dl.facts dd { margin: 0; font-weight: 600; }
  table { border-collapse: collapse; width: 100%; }
  th, td { border-bottom: 1px solid #d8dee9; padding: 4px 8px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
  th { background: #edf2f7; font-weight: 600; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  tbody tr:nth-child(even) { background: #f8fafc; }
  tfoot td { font-weight: 700; border-top: 2px solid #1d3557; }
  .empty { color: #4a5568; font-style: italic; }
  .chart { display: inline-block; width: 31%; margin: 0 1% 14px 0; vertical-align: top; break-inside: avoid; }
  .chart h3 { font-size: 12px; margin: 0; overflow-wrap: anywhere; }
  .chart p { font-size: 11px; color: #4a5568; margin: 0 0 4px; }
  footer { margin-top: 28px; color: #718096; font-size: 11px; }
  @page { margin: 14mm; }
  @media print {
    body { margin: 0; font-size: 11px; }
    thead { display: table-header-group; }
    tr { break-inside: avoid; }
    h2 { break-after: avoid; }
  }
`;

async function writeTable(table: ReportTable, out: FileSink, signal: AbortSignal): Promise<void> {
  const cells = (row: readonly string[], tag: 'td' | 'th') =>
    row.map((value, index) => `<${tag}${table.columns[index]?.align === 'right' ? ' class="num"' : ''}>${escapeHtml(value)}</${tag}>`).join('');
  await out.write(`<h2>${escapeHtml(table.title)}</h2>\n`);
  let count = 0;
  for (const row of table.rows()) {
    if (count === 0)
      await out.write(
        `<table>\n<thead><tr>${cells(
          table.columns.map((column) => column.header),
          'th',
        )}</tr></thead>\n<tbody>\n`,
      );
    if (count % 200 === 0) signal.throwIfAborted();
    await out.write(`<tr>${cells(row, 'td')}</tr>\n`);
    count += 1;
  }
  if (count === 0) {
    await out.write(`<p class="empty">${escapeHtml(table.empty)}</p>\n`);
    return;
  }
  await out.write('</tbody>\n');
  if (table.footer) await out.write(`<tfoot><tr>${cells(table.footer, 'td')}</tr></tfoot>\n`);
  await out.write('</table>\n');
}

/** Daily bars as inline SVG: green at or above the target, red below, grey without results. */
export function chartSvg(bars: readonly ChartBar[], target: number): string {
  const width = 300;
  const height = 80;
  const step = width / Math.max(bars.length, 1);
  const floor = bars.some((bar) => bar.uptimePercent !== null && bar.uptimePercent < 90) ? 0 : 90;
  const y = (percent: number) => height - ((percent - floor) / (100 - floor)) * height;
  const rects = bars.map((bar, index) => {
    const x = (index * step + step * 0.1).toFixed(2);
    const w = Math.max(step * 0.8, 0.5).toFixed(2);
    if (bar.uptimePercent === null) return `<rect x="${x}" y="${height - 2}" width="${w}" height="2" fill="#cbd5e0"/>`;
    const top = y(Math.max(bar.uptimePercent, floor));
    const fill = bar.uptimePercent >= target ? '#2f855a' : '#c53030';
    return `<rect x="${x}" y="${top.toFixed(2)}" width="${w}" height="${Math.max(height - top, 1).toFixed(2)}" fill="${fill}"/>`;
  });
  const targetY = y(Math.max(target, floor)).toFixed(2);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="daily uptime from ${floor} to 100 percent">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#f7fafc"/>`,
    ...rects,
    `<line x1="0" x2="${width}" y1="${targetY}" y2="${targetY}" stroke="#1d3557" stroke-dasharray="4 3" stroke-width="1"/>`,
    '</svg>',
  ].join('');
}

export async function writeHtml(doc: ReportDocument, out: FileSink, signal: AbortSignal, step: () => void): Promise<void> {
  await out.write(
    [
      '<!doctype html>',
      '<html lang="en">',
      '<head>',
      '<meta charset="utf-8">',
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      `<title>${escapeHtml(`${doc.title}, ${periodText(doc.period)}`)}</title>`,
      `<style>${STYLE}</style>`,
      '</head>',
      '<body>',
      '<header>',
      `<h1>${escapeHtml(doc.title)}</h1>`,
      `<p class="meta">Period: ${escapeHtml(periodText(doc.period))}</p>`,
      `<p class="meta">Scope: ${escapeHtml(doc.scope)}</p>`,
      `<p class="meta">Generated ${escapeHtml(timeText(doc.generatedAt))} by ${escapeHtml(doc.generatedBy)}</p>`,
      '</header>',
      '<dl class="facts">',
      ...doc.facts.map((fact) => `<dt>${escapeHtml(fact.label)}</dt><dd>${escapeHtml(fact.value)}</dd>`),
      '</dl>',
      '',
    ].join('\n'),
  );
  for (const table of doc.tables) await writeTable(table, out, signal);
  const charts = doc.charts;
  if (charts && charts.count > 0) {
    await out.write(
      `<h2>Daily uptime</h2>\n<p class="meta">One bar per UTC day, from ${charts.target < 90 ? 0 : 90} % (or 0 % when a day fell below 90 %) to 100 %; green at or above the ${escapeHtml(String(charts.target))} % target (dashed line), red below, grey without results.</p>\n`,
    );
    for (let index = 0; index < charts.count; index += 1) {
      signal.throwIfAborted();
      const { title, subtitle } = charts.heading(index);
      await out.write(
        `<div class="chart"><h3>${escapeHtml(title)}</h3><p>${escapeHtml(subtitle)}</p>${chartSvg(await charts.bars(index), charts.target)}</div>\n`,
      );
      step();
      await yieldToLoop();
    }
  }
  await out.write(`<footer>Guardian Server Manager · ${escapeHtml(doc.title)} · ${escapeHtml(timeText(doc.generatedAt))}</footer>\n</body>\n</html>\n`);
}

import { once } from 'node:events';
import { createRequire } from 'node:module';
import { finished } from 'node:stream/promises';
import PDFDocument from 'pdfkit';
import type { ChartBar, ChartSeries, ReportDocument, ReportTable } from './document';
import { yieldToLoop, type FileSink } from './sink';
import { periodText, timeText } from './words';

/**
 * The PDF: a title page (what, when, which servers, by whom, the key facts), the tables with
 * their header repeated on each page, a chart per server drawn as vector graphics, and a page
 * number on every page. Text is real text in an embedded Unicode font (DejaVu Sans), so names
 * in any European script can be selected, searched and extracted. Pages are written out as they
 * fill (no page buffering), and the work yields to the event loop between rows and charts.
 */

// Not named `require`: the bundler declares one of its own in the same chunk.
const fontPath = (name: string) => createRequire(import.meta.url).resolve(name);
const FONTS = {
  body: 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf',
  bold: 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf',
} as const;

const INK = '#1d2430';
const MUTED = '#4a5568';
const ACCENT = '#1d3557';
const RULE = '#d8dee9';
const ZEBRA = '#f5f7fa';
const GOOD = '#2f855a';
const BAD = '#c53030';
const NO_DATA = '#cbd5e0';

const MARGIN = 48;
/** Room under the content for the page footer. */
const FOOTER_SPACE = 30;
const CELL_PAD = 4;
const CHART_BLOCK = 168;
const ROWS_PER_SLICE = 20;

type Doc = PDFKit.PDFDocument;

interface Layout {
  left: number;
  width: number;
  /** The lowest y content may reach on a page. */
  bottom: number;
}

function layoutOf(doc: Doc): Layout {
  return { left: MARGIN, width: doc.page.width - 2 * MARGIN, bottom: doc.page.height - MARGIN - FOOTER_SPACE };
}

/** "Guardian · title · Page n", drawn as each page is added (pages are numbered as they come). */
function numberPages(doc: Doc, title: string): void {
  let page = 0;
  const footer = () => {
    page += 1;
    const { x, y } = doc;
    const margins = doc.page.margins;
    const bottom = margins.bottom;
    // Drawing below the bottom margin would start a new page; lift the margin while drawing.
    margins.bottom = 0;
    const at = doc.page.height - MARGIN + 8;
    doc.save();
    doc
      .moveTo(MARGIN, at - 6)
      .lineTo(doc.page.width - MARGIN, at - 6)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
    doc.font('body').fontSize(8).fillColor(MUTED);
    doc.text(`Guardian Server Manager · ${title}`, MARGIN, at, { lineBreak: false });
    const label = `Page ${page}`;
    doc.text(label, doc.page.width - MARGIN - doc.widthOfString(label), at, { lineBreak: false });
    doc.restore();
    margins.bottom = bottom;
    doc.x = x;
    doc.y = y;
  };
  doc.on('pageAdded', footer);
  footer();
}

/** Waits while the file is behind, so the PDF's pages do not pile up in memory. */
async function breathe(out: FileSink): Promise<void> {
  if (out.stream.writableNeedDrain) await once(out.stream, 'drain');
  await yieldToLoop();
}

function titlePage(doc: Doc, report: ReportDocument): void {
  const { left, width } = layoutOf(doc);
  doc.font('bold').fontSize(9).fillColor(MUTED).text('GUARDIAN SERVER MANAGER', left, 120, { width, characterSpacing: 1.5 });
  doc.moveDown(0.6);
  doc.font('bold').fontSize(28).fillColor(ACCENT).text(report.title, { width });
  doc.moveDown(0.4);
  doc
    .moveTo(left, doc.y)
    .lineTo(left + width, doc.y)
    .lineWidth(2)
    .strokeColor(ACCENT)
    .stroke();
  doc.moveDown(1);
  const line = (label: string, value: string) => {
    doc.font('body').fontSize(11).fillColor(MUTED).text(`${label}  `, left, doc.y, { continued: true, width });
    doc.font('body').fillColor(INK).text(value);
    doc.moveDown(0.3);
  };
  line('Period', periodText(report.period));
  line('Scope', report.scope);
  line('Generated', timeText(report.generatedAt));
  line('By', report.generatedBy);
  doc.moveDown(1.5);
  if (report.facts.length === 0) return;
  doc.font('bold').fontSize(13).fillColor(ACCENT).text('Summary', left, doc.y, { width });
  doc.moveDown(0.5);
  const labelWidth = 190;
  for (const fact of report.facts) {
    const y = doc.y;
    doc
      .font('body')
      .fontSize(11)
      .fillColor(MUTED)
      .text(fact.label, left, y, { width: labelWidth - 10 });
    const labelBottom = doc.y;
    doc
      .font('bold')
      .fillColor(INK)
      .text(fact.value, left + labelWidth, y, { width: width - labelWidth });
    doc.y = Math.max(doc.y, labelBottom) + 4;
  }
}

function columnsOf(doc: Doc, table: ReportTable): { x: number; width: number; align: 'left' | 'right' }[] {
  const { left, width } = layoutOf(doc);
  const total = table.columns.reduce((sum, column) => sum + column.weight, 0);
  let x = left;
  return table.columns.map((column) => {
    const w = (column.weight / total) * width;
    const placed = { x, width: w, align: column.align ?? 'left' };
    x += w;
    return placed;
  });
}

function rowHeight(doc: Doc, cells: readonly string[], columns: ReturnType<typeof columnsOf>): number {
  let height = 0;
  cells.forEach((text, index) => {
    const column = columns[index];
    if (column) height = Math.max(height, doc.heightOfString(text || ' ', { width: column.width - 2 * CELL_PAD }));
  });
  return height + 2 * CELL_PAD;
}

/** Draws a row at the current y and moves below it. */
function drawRow(doc: Doc, cells: readonly string[], columns: ReturnType<typeof columnsOf>, height: number, fill: string | null): void {
  const { left, width } = layoutOf(doc);
  const y = doc.y;
  if (fill) doc.rect(left, y, width, height).fill(fill);
  cells.forEach((text, index) => {
    const column = columns[index];
    if (!column) return;
    doc.fillColor(INK).text(text, column.x + CELL_PAD, y + CELL_PAD, { width: column.width - 2 * CELL_PAD, align: column.align });
  });
  doc.x = left;
  doc.y = y + height;
}

async function drawTable(doc: Doc, table: ReportTable, out: FileSink, signal: AbortSignal): Promise<void> {
  const { left, width, bottom } = layoutOf(doc);
  const columns = columnsOf(doc, table);
  const headers = table.columns.map((column) => column.header);
  const header = () => {
    doc.font('bold').fontSize(8);
    const height = rowHeight(doc, headers, columns);
    drawRow(doc, headers, columns, height, '#e2e8f0');
    doc.font('body').fontSize(8);
  };
  if (doc.y + 80 > bottom) doc.addPage();
  doc.font('bold').fontSize(13).fillColor(ACCENT).text(table.title, left, doc.y, { width });
  doc.moveDown(0.4);
  let count = 0;
  for (const cells of table.rows()) {
    if (count === 0) header();
    const height = rowHeight(doc, cells, columns);
    if (doc.y + height > bottom) {
      doc.addPage();
      doc.y = MARGIN;
      header();
    }
    drawRow(doc, cells, columns, height, count % 2 === 1 ? ZEBRA : null);
    count += 1;
    // Laying out a row's text costs about a millisecond: yield often.
    if (count % ROWS_PER_SLICE === 0) {
      signal.throwIfAborted();
      await breathe(out);
    }
  }
  if (count === 0) {
    doc.font('body').fontSize(10).fillColor(MUTED).text(table.empty, left, doc.y, { width });
  } else if (table.footer) {
    doc.font('bold').fontSize(8);
    const height = rowHeight(doc, table.footer, columns);
    if (doc.y + height > bottom) {
      doc.addPage();
      doc.y = MARGIN;
    }
    doc
      .moveTo(left, doc.y)
      .lineTo(left + width, doc.y)
      .lineWidth(1)
      .strokeColor(ACCENT)
      .stroke();
    drawRow(doc, table.footer, columns, height, null);
  }
  doc.x = left;
  doc.moveDown(1.5);
}

const dayLabel = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Daily uptime bars with the target as a dashed line; the scale starts at 90 % unless a day fell below it. */
function drawChart(doc: Doc, x: number, y: number, width: number, height: number, bars: readonly ChartBar[], target: number): void {
  const floor = bars.some((bar) => bar.uptimePercent !== null && bar.uptimePercent < 90) ? 0 : 90;
  const axis = 34;
  const plotX = x + axis;
  const plotWidth = width - axis;
  const plotY = y;
  const yOf = (percent: number) => plotY + height - ((Math.max(percent, floor) - floor) / (100 - floor)) * height;
  doc.save();
  doc.rect(plotX, plotY, plotWidth, height).fill('#f7fafc');
  doc.font('body').fontSize(7).fillColor(MUTED);
  for (const mark of [floor, (floor + 100) / 2, 100]) {
    const at = yOf(mark);
    doc
      .moveTo(plotX, at)
      .lineTo(plotX + plotWidth, at)
      .lineWidth(0.3)
      .strokeColor(RULE)
      .stroke();
    doc.text(`${mark} %`, x, at - 3.5, { width: axis - 4, align: 'right', lineBreak: false });
  }
  const step = plotWidth / Math.max(bars.length, 1);
  const barWidth = Math.max(step * 0.75, 0.4);
  bars.forEach((bar, index) => {
    const left = plotX + index * step + (step - barWidth) / 2;
    if (bar.uptimePercent === null) {
      doc.rect(left, plotY + height - 2, barWidth, 2).fill(NO_DATA);
      return;
    }
    const top = yOf(bar.uptimePercent);
    doc.rect(left, top, barWidth, Math.max(plotY + height - top, 0.75)).fill(bar.uptimePercent >= target ? GOOD : BAD);
  });
  const targetY = yOf(target);
  doc
    .moveTo(plotX, targetY)
    .lineTo(plotX + plotWidth, targetY)
    .lineWidth(0.8)
    .dash(3, { space: 2 })
    .strokeColor(ACCENT)
    .stroke()
    .undash();
  const first = bars[0];
  const last = bars[bars.length - 1];
  doc.font('body').fontSize(7).fillColor(MUTED);
  if (first) doc.text(dayLabel(first.day), plotX, plotY + height + 3, { lineBreak: false });
  if (last && last !== first) {
    const label = dayLabel(last.day);
    doc.text(label, plotX + plotWidth - doc.widthOfString(label), plotY + height + 3, { lineBreak: false });
  }
  doc.restore();
}

async function drawCharts(doc: Doc, charts: ChartSeries, out: FileSink, signal: AbortSignal, step: () => void): Promise<void> {
  const { left, width, bottom } = layoutOf(doc);
  doc.addPage();
  doc.font('bold').fontSize(13).fillColor(ACCENT).text('Daily uptime', left, MARGIN, { width });
  doc
    .font('body')
    .fontSize(8)
    .fillColor(MUTED)
    .text(`One bar per UTC day; green at or above the ${charts.target} % target (dashed line), red below, grey without results.`, { width });
  doc.moveDown(0.8);
  for (let index = 0; index < charts.count; index += 1) {
    signal.throwIfAborted();
    const { title, subtitle } = charts.heading(index);
    doc.font('bold').fontSize(10);
    const titleHeight = doc.heightOfString(title, { width });
    if (doc.y + titleHeight + CHART_BLOCK - 14 > bottom) {
      doc.addPage();
      doc.y = MARGIN;
    }
    doc.fillColor(INK).text(title, left, doc.y, { width });
    doc
      .font('body')
      .fontSize(8)
      .fillColor(MUTED)
      .text(subtitle, left, doc.y + 1, { width });
    const bars = await charts.bars(index);
    const top = doc.y + 6;
    drawChart(doc, left, top, width, 96, bars, charts.target);
    doc.x = left;
    doc.y = top + 96 + 26;
    step();
    await breathe(out);
  }
}

export async function writePdf(report: ReportDocument, out: FileSink, signal: AbortSignal, step: () => void): Promise<void> {
  const doc: Doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: MARGIN + FOOTER_SPACE },
    info: { Title: report.title, Author: report.generatedBy, Creator: 'Guardian Server Manager', CreationDate: new Date(report.generatedAt) },
    autoFirstPage: false,
  });
  doc.registerFont('body', fontPath(FONTS.body));
  doc.registerFont('bold', fontPath(FONTS.bold));
  doc.pipe(out.stream);
  const written = finished(out.stream);
  // If drawing fails (or is cancelled) the caller destroys the stream (FileSink.abort) and that
  // rejection is nobody's to await: handled here, it is not an unhandled rejection (a crash).
  written.catch(() => undefined);
  doc.addPage();
  numberPages(doc, report.title);
  titlePage(doc, report);
  doc.addPage();
  doc.y = MARGIN;
  for (const table of report.tables) await drawTable(doc, table, out, signal);
  if (report.charts && report.charts.count > 0) await drawCharts(doc, report.charts, out, signal, step);
  doc.end();
  await written;
}

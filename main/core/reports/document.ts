import type { ReportFormat, ReportType } from '@shared/api/reports';
import type { Period } from './period';

/**
 * A report, ready to be written in any format: what it is about (title page), its key facts,
 * its tables as text for people (HTML, PDF), one flat table for spreadsheets (CSV), the typed
 * value for scripts (JSON) and, for the uptime report, a chart per server. Each renderer takes
 * this and nothing else, so a new report type is a new builder, not a change to four renderers.
 */

export interface TableColumn {
  header: string;
  /** Share of the page width in the PDF. */
  weight: number;
  align?: 'left' | 'right';
}

export interface ReportTable {
  title: string;
  columns: readonly TableColumn[];
  /** The cells of each row as people read them. */
  rows: () => Iterable<readonly string[]>;
  /** A closing row (the fleet's totals), set in bold. */
  footer?: readonly string[];
  /** Said instead of an empty table. */
  empty: string;
}

export type CsvCell = string | number | null;

export interface CsvTable {
  columns: readonly string[];
  rows: () => Iterable<readonly CsvCell[]>;
}

/** A bar per day: the share of results up, or null for a day without results. */
export interface ChartBar {
  day: number;
  uptimePercent: number | null;
}

export interface ChartSeries {
  /** How many charts (one per server). */
  count: number;
  /** The chart's heading and one line under it. */
  heading(index: number): { title: string; subtitle: string };
  /** Read when the chart is drawn, one server at a time. */
  bars(index: number): Promise<ChartBar[]>;
  /** A dashed line across each chart (the SLA target). */
  target: number;
}

export interface ReportDocument {
  type: ReportType;
  format: ReportFormat;
  title: string;
  period: Period;
  scope: string;
  generatedAt: number;
  generatedBy: string;
  /** Label and value pairs under the title: the totals a reader looks for first. */
  facts: readonly { label: string; value: string }[];
  tables: readonly ReportTable[];
  csv: CsvTable;
  /** The JSON file's value; arrays at its top level are written element by element. */
  json: Record<string, unknown>;
  charts?: ChartSeries;
}

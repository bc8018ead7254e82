import { stringify } from 'csv-stringify/sync';
import { toCsvCell } from '../csv';
import type { CsvCell, ReportDocument } from './document';
import type { FileSink } from './sink';

/** CSV and JSON: the formats scripts and spreadsheets read, written a row at a time. */

const BATCH = 200;

/** Text cells that a spreadsheet would run as a formula are neutralised (main/core/csv.ts). */
const cell = (value: CsvCell): string | number => (value === null ? '' : typeof value === 'string' ? toCsvCell(value) : value);

export async function writeCsv(doc: ReportDocument, out: FileSink, signal: AbortSignal): Promise<void> {
  await out.write(stringify([doc.csv.columns.map(cell)]));
  let batch: (string | number)[][] = [];
  for (const row of doc.csv.rows()) {
    batch.push(row.map(cell));
    if (batch.length < BATCH) continue;
    signal.throwIfAborted();
    await out.write(stringify(batch));
    batch = [];
  }
  if (batch.length) await out.write(stringify(batch));
}

/** The document's JSON value, pretty-printed, with each top-level array written element by element. */
export async function writeJson(doc: ReportDocument, out: FileSink, signal: AbortSignal): Promise<void> {
  const entries = Object.entries(doc.json);
  await out.write('{\n');
  for (const [index, [key, value]] of entries.entries()) {
    const comma = index < entries.length - 1 ? ',' : '';
    if (!Array.isArray(value) || value.length === 0) {
      await out.write(`  ${JSON.stringify(key)}: ${indent(JSON.stringify(value ?? null, null, 2))}${comma}\n`);
      continue;
    }
    await out.write(`  ${JSON.stringify(key)}: [\n`);
    for (const [at, item] of value.entries()) {
      if (at % BATCH === 0) signal.throwIfAborted();
      await out.write(`    ${indent(JSON.stringify(item, null, 2), 2)}${at < value.length - 1 ? ',' : ''}\n`);
    }
    await out.write(`  ]${comma}\n`);
  }
  await out.write('}\n');
}

const indent = (text: string, levels = 1) => text.replaceAll('\n', `\n${'  '.repeat(levels)}`);

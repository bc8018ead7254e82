import type { z } from 'zod';
import type { ReportInput } from '@shared/api/reports';
import type { Server } from '@shared/api/servers';
import type { DatabaseLocation } from '../db/connect';
import type { Queryable } from '../db/engine';
import { buildAuditSummaryReport } from './audit-summary-report';
import type { BuildContext } from './build';
import type { ReportDocument } from './document';
import { buildInventoryReport, type ServerStatuses } from './inventory-report';
import type { Period } from './period';
import { writeHtml } from './render-html';
import { writeCsv, writeJson } from './render-text';
import { FileSink } from './sink';
import { buildUptimeReport } from './uptime-report';

/**
 * Making a report's file: build the document from the stored history, then write it in its
 * format. Everything here is plain data in and a file out, so it runs in a worker thread
 * (report-worker.ts) with its own database connection; the job around it is in service.ts.
 */

export type ParsedReportInput = z.output<typeof ReportInput>;

/** All a report needs, as plain data that can be handed to a worker thread. */
export interface ReportTask {
  /** The database, read on a snapshot through a connection of the report's own. */
  database: DatabaseLocation;
  /** Where the file is written (the job's artifact draft). */
  path: string;
  input: ParsedReportInput;
  period: Period;
  servers: Server[];
  now: number;
  generatedBy: string;
  /** Steps of the computation (servers, or days for the audit summary); drawing counts on from here. */
  steps: number;
  /** The inventory's status of each server, taken from the health engine when the job started. */
  statuses: ServerStatuses;
}

export async function generateReport(db: Queryable, task: ReportTask, signal: AbortSignal, progress: (done: number) => void): Promise<void> {
  const { input } = task;
  const ctx: BuildContext = {
    db,
    type: input.type,
    format: input.format,
    servers: task.servers,
    period: task.period,
    scope: input.scope,
    slaTarget: input.slaTarget,
    now: task.now,
    generatedBy: task.generatedBy,
    signal,
    progress,
  };
  const doc = await build(ctx, task.statuses);
  const out = new FileSink(task.path);
  try {
    let drawn = task.steps;
    await write(doc, out, signal, () => progress(++drawn));
  } catch (error) {
    out.abort();
    throw error;
  }
}

function build(ctx: BuildContext, statuses: ServerStatuses): Promise<ReportDocument> {
  switch (ctx.type) {
    case 'uptime':
      return buildUptimeReport(ctx);
    case 'inventory':
      return buildInventoryReport(ctx, statuses);
    case 'audit-summary':
      return buildAuditSummaryReport(ctx);
  }
}

async function write(doc: ReportDocument, out: FileSink, signal: AbortSignal, step: () => void): Promise<void> {
  switch (doc.format) {
    case 'csv':
      await writeCsv(doc, out, signal);
      return out.close();
    case 'json':
      await writeJson(doc, out, signal);
      return out.close();
    case 'html':
      await writeHtml(doc, out, signal, step);
      return out.close();
    case 'pdf': {
      // Loaded for a PDF alone: pdfkit takes about half a second to load, which a worker making
      // a CSV, JSON or HTML file would spend for nothing. The PDF document is piped into the file and ends it.
      const { writePdf } = await import('./render-pdf');
      return writePdf(doc, out, signal, step);
    }
  }
}

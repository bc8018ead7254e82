import type { ReportFormat, ReportScope, ReportType } from '@shared/api/reports';
import { REPORT_TITLES } from '@shared/api/reports';
import type { Server } from '@shared/api/servers';
import type { Queryable } from '../db/engine';
import type { Period } from './period';
import { scopeText } from './words';

/** What every report builder is handed: the servers in scope, the period, and how to report progress. */
export interface BuildContext {
  /** The stored history, read on one snapshot: the report's own connection. */
  db: Queryable;
  type: ReportType;
  format: ReportFormat;
  servers: readonly Server[];
  period: Period;
  scope: ReportScope;
  slaTarget: number;
  now: number;
  generatedBy: string;
  signal: AbortSignal;
  /** Steps of the computation done so far (servers, or days for the audit summary). */
  progress(done: number): void;
}

/** The title-page fields and the JSON header every report shares. */
export function headerOf(ctx: BuildContext) {
  const title = REPORT_TITLES[ctx.type];
  return {
    doc: { type: ctx.type, format: ctx.format, title, period: ctx.period, scope: scopeText(ctx.scope), generatedAt: ctx.now, generatedBy: ctx.generatedBy },
    json: {
      title,
      generatedAt: ctx.now,
      generatedBy: ctx.generatedBy,
      period: { from: ctx.period.from, to: ctx.period.to },
      scope: { tags: ctx.scope.tags ?? [], environment: ctx.scope.environment ?? null, serverIds: ctx.scope.serverIds ?? [] },
    },
  };
}

import { who } from '../api/caller';
import type { Handlers } from '../api/router';
import type { ReportService } from './service';

export function createReportHandlers(reports: ReportService): Pick<Handlers, 'reports.generate'> {
  return {
    // The router checked servers:read; the service checks what the report type itself needs.
    'reports.generate': (input, ctx) => reports.generate(input, who(ctx)),
  };
}

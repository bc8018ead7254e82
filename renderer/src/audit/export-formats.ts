import type { AUDIT_EXPORT_FORMATS } from '@shared/api/audit';
import type { FormatText } from '../ui/FormatMenu';

export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

export const EXPORT_FORMAT_TEXT: Record<AuditExportFormat, FormatText> = {
  csv: { label: 'CSV', note: 'opens in a spreadsheet' },
  jsonl: { label: 'JSON Lines', note: 'verifies on its own' },
};

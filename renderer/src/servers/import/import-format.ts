import { IMPORT_FORMATS } from '@shared/api/servers';

export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const FORMAT_LABELS: Record<ImportFormat, string> = {
  json: 'JSON',
  csv: 'CSV',
  ssh_config: 'OpenSSH config',
};

/** .json → json, .csv → csv; anything else ("config", "hosts.conf") is read as an ssh_config. */
export function formatForFileName(fileName: string): ImportFormat {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.csv')) return 'csv';
  return 'ssh_config';
}

export function isImportFormat(value: string): value is ImportFormat {
  return IMPORT_FORMATS.some((format) => format === value);
}

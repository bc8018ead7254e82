import { parse as parseCsv } from 'csv-parse/sync';
import { getNodeValue, parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import SSHConfig from 'ssh-config';
import { AppError } from '../../../shared/api/errors';
import type { IMPORT_FORMATS, ImportRejection } from '../../../shared/api/servers';

/** One candidate server read from a file, not yet validated, with where it came from. */
export interface RawRow {
  line: number;
  fields: Record<string, unknown>;
}

export interface Parsed {
  rows: RawRow[];
  /** Rows that could not even be read as a server (e.g. a JSON array element that is not an object). */
  rejected: ImportRejection[];
}

export const CSV_COLUMNS = ['name', 'host', 'port', 'user', 'environment', 'tags', 'notes'] as const;

function unreadableFile(format: string, detail: string): AppError {
  return new AppError('VALIDATION_FAILED', `The file is not valid ${format}: ${detail}.`, {
    hint: 'Check that the format chosen matches the file, and fix the place named.',
  });
}

function lineAt(text: string, offset: number): number {
  return lineCounter(text)(offset);
}

/** Line numbers for increasing offsets, in one pass over the text. */
function lineCounter(text: string): (offset: number) => number {
  let position = 0;
  let line = 1;
  return (offset) => {
    for (; position < offset && position < text.length; position++) if (text.charCodeAt(position) === 10) line++;
    return line;
  };
}

/** Empty cells mean "use the default", as in a hand-made spreadsheet. */
function csvFields(record: Record<string, string>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(record)) {
    const value = raw.trim();
    if (value === '') continue;
    if (key === 'port') fields.port = /^\d+$/.test(value) ? Number(value) : value;
    else if (key === 'tags') fields.tags = value.split(/[;\s]+/).filter(Boolean);
    else fields[key] = value;
  }
  return fields;
}

export function parseCsvFile(content: string): Parsed {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(content, {
      columns: (header: string[]) => {
        const names = header.map((column) => column.trim().toLowerCase());
        const unknown = names.filter((name) => !(CSV_COLUMNS as readonly string[]).includes(name));
        if (unknown.length) {
          throw unreadableFile('CSV', `unknown column "${unknown[0]}" (known: ${CSV_COLUMNS.join(', ')})`);
        }
        for (const required of ['name', 'host']) {
          if (!names.includes(required)) throw unreadableFile('CSV', `the header has no "${required}" column`);
        }
        return names;
      },
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    });
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw unreadableFile('CSV', cause instanceof Error ? cause.message : String(cause));
  }
  return { rows: records.map(({ record, info }) => ({ line: info.lines, fields: csvFields(record) })), rejected: [] };
}

export function parseJsonFile(content: string): Parsed {
  const errors: ParseError[] = [];
  const tree = parseTree(content, errors, { allowTrailingComma: false, disallowComments: true });
  const first = errors[0];
  if (first || !tree) {
    const where = first ? `${printParseErrorCode(first.error)} at line ${lineAt(content, first.offset)}` : 'empty file';
    throw unreadableFile('JSON', where);
  }
  let list = tree;
  if (tree.type === 'object') {
    const servers = tree.children?.find((prop) => prop.children?.[0]?.value === 'servers')?.children?.[1];
    if (servers) list = servers;
  }
  if (list.type !== 'array') throw unreadableFile('JSON', 'expected an array of servers (or {"servers": [...]})');

  const parsed: Parsed = { rows: [], rejected: [] };
  const lineOf = lineCounter(content);
  for (const node of list.children ?? []) {
    const line = lineOf(node.offset);
    const item: unknown = getNodeValue(node);
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      parsed.rejected.push({ line, name: null, reason: 'Each entry must be an object with name and host' });
    } else {
      parsed.rows.push({ line, fields: item as Record<string, unknown> });
    }
  }
  return parsed;
}

const WILDCARD = /[*?!]/;

/**
 * OpenSSH client config: each concrete `Host` alias becomes a server, with the HostName, Port
 * and User that ssh itself would use for it (later `Host *` defaults included).
 * Wildcard patterns and `Match` blocks are defaults, not servers, and are skipped.
 */
export function parseSshConfigFile(content: string): Parsed {
  let config: SSHConfig;
  try {
    config = SSHConfig.parse(content);
  } catch (cause) {
    throw unreadableFile('ssh_config', cause instanceof Error ? cause.message : String(cause));
  }
  const hostLines: number[] = [];
  content.split('\n').forEach((text, index) => {
    if (/^\s*host(\s|=)/i.test(text)) hostLines.push(index + 1);
  });

  const parsed: Parsed = { rows: [], rejected: [] };
  let hostIndex = 0;
  for (const node of config) {
    if (node.type !== SSHConfig.DIRECTIVE || node.param.toLowerCase() !== 'host') continue;
    const line = hostLines[hostIndex++] ?? 0;
    const patterns = Array.isArray(node.value) ? node.value.map((part) => part.val) : [String(node.value)];
    for (const alias of patterns) {
      if (WILDCARD.test(alias)) continue;
      const computed = config.compute(alias) as Record<string, string | string[] | undefined>;
      const pick = (key: string): string | undefined => {
        const value = computed[key];
        return Array.isArray(value) ? value[0] : value;
      };
      const fields: Record<string, unknown> = { name: alias, host: pick('HostName') ?? alias };
      const port = pick('Port');
      if (port !== undefined) fields.port = /^\d+$/.test(port) ? Number(port) : port;
      const user = pick('User');
      if (user !== undefined) fields.user = user;
      parsed.rows.push({ line, fields });
    }
  }
  return parsed;
}

export function parseImportFile(format: (typeof IMPORT_FORMATS)[number], content: string): Parsed {
  switch (format) {
    case 'csv':
      return parseCsvFile(content);
    case 'json':
      return parseJsonFile(content);
    case 'ssh_config':
      return parseSshConfigFile(content);
  }
}

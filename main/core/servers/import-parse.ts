import { parse as parseCsv, type Info } from 'csv-parse/sync';
import { getNodeValue, parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import SSHConfig from 'ssh-config';
import { AppError } from '@shared/api/errors';
import type { IMPORT_FORMATS, ImportRejection } from '@shared/api/servers';
import { fromCsvCell } from '../csv';

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

/**
 * The columns an export writes. `ssh_port` is the server's SSH port, not a port its checks watch;
 * `jump_host` the name of the server SSH connections to it go through (empty: directly);
 * `depends_on` the name of the server it sits behind (empty: none).
 */
export const CSV_COLUMNS = ['name', 'host', 'ssh_port', 'user', 'environment', 'tags', 'notes', 'jump_host', 'depends_on'] as const;

/**
 * A row's jump host, by name (files carry names, not ids, so they move between installations):
 * null for directly, absent when the file does not say (the server keeps the one it has).
 */
export const JUMP_HOST_FIELD = 'jumpHost';
/** A row's server it depends on, by name, the same way: null for none, absent to keep its own. */
export const DEPENDS_ON_FIELD = 'dependsOn';
/**
 * The columns an import reads: the export's, `port` (what files made before the rename call the
 * SSH port) and `check_port`, the port a new server's TCP check watches, or `none` for no check.
 */
export const CSV_IMPORT_COLUMNS = [...CSV_COLUMNS, 'port', 'check_port'] as const;

const NO_CHECK = /^(none|no|false|off)$/i;
const asPort = (value: string): unknown => (/^\d+$/.test(value) ? Number(value) : value);

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
    const value = fromCsvCell(raw.trim());
    if (value === '') continue;
    if (key === 'port' || key === 'ssh_port') fields.port = asPort(value);
    else if (key === 'check_port') fields.monitor = NO_CHECK.test(value) ? false : { type: 'tcp', port: asPort(value) };
    else if (key === 'tags') fields.tags = value.split(/[;\s]+/).filter(Boolean);
    else if (key === 'jump_host') fields[JUMP_HOST_FIELD] = NO_CHECK.test(value) ? null : value;
    else if (key === 'depends_on') fields[DEPENDS_ON_FIELD] = NO_CHECK.test(value) ? null : value;
    else fields[key] = value;
  }
  return fields;
}

/**
 * The line each record starts on. csv-parse reports the line a record ends on (and counts a CRLF
 * inside quotes as two lines), so lines are counted here from its byte offsets instead.
 */
function recordStartLines(bytes: Buffer, headerEnd: number, recordEnds: number[]): number[] {
  let position = 0;
  let line = 1;
  let previousEnd = headerEnd;
  return recordEnds.map((end) => {
    let start = previousEnd;
    while (start < end && (bytes[start] === 10 || bytes[start] === 13)) start++;
    for (; position < start; position++) if (bytes[position] === 10) line++;
    previousEnd = end;
    return line;
  });
}

export function parseCsvFile(content: string): Parsed {
  let records: { record: Record<string, string>; info: { bytes: number } }[];
  let headerEnd = 0;
  try {
    records = parseCsv(content, {
      columns: (header: string[]) => {
        const names = header.map((column) => column.trim().toLowerCase());
        const unknown = names.filter((name) => !(CSV_IMPORT_COLUMNS as readonly string[]).includes(name));
        if (unknown.length) {
          throw unreadableFile('CSV', `unknown column "${unknown[0]}" (known: ${CSV_IMPORT_COLUMNS.join(', ')})`);
        }
        if (names.includes('port') && names.includes('ssh_port')) {
          throw unreadableFile('CSV', 'the header has both "port" and "ssh_port", which are the same thing (the SSH port): keep one');
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
    // The header alone, for where it ends (csv-parse's types do not model `info` without columns).
    const [header] = parseCsv(content, { bom: true, skip_empty_lines: true, relax_column_count: true, info: true, to: 1 }) as unknown as {
      info: Info;
    }[];
    headerEnd = header?.info.bytes ?? 0;
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw unreadableFile('CSV', cause instanceof Error ? cause.message : String(cause));
  }
  const lines = recordStartLines(
    Buffer.from(content, 'utf8'),
    headerEnd,
    records.map(({ info }) => info.bytes),
  );
  return { rows: records.map(({ record }, index) => ({ line: lines[index] ?? 0, fields: csvFields(record) })), rejected: [] };
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
 * ssh-config's compute() runs `Match exec` commands in a shell and calls nslookup for
 * `CanonicalizeHostname`: an imported file (which may arrive over HTTP) must never make Guardian
 * run a process. Match exec is switched off at the call; canonicalization is removed here.
 */
function withoutCanonicalization(config: SSHConfig): void {
  for (const node of config) {
    if (!('config' in node)) continue;
    for (let index = node.config.length - 1; index >= 0; index--) {
      const line = node.config[index];
      if (line?.type === SSHConfig.DIRECTIVE && /^canonicalizehostname$/i.test(line.param)) node.config.splice(index, 1);
    }
  }
}

/** HostName accepts the tokens %h (the alias typed) and %%. */
const expandHostName = (hostName: string, alias: string) => hostName.replace(/%([%h])/g, (_, token: string) => (token === 'h' ? alias : '%'));

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
  withoutCanonicalization(config);
  const hostLines: number[] = [];
  content.split('\n').forEach((text, index) => {
    if (/^\s*host(\s|=)/i.test(text)) hostLines.push(index + 1);
  });

  const parsed: Parsed = { rows: [], rejected: [] };
  const chains: { line: number; alias: string; hops: string[] }[] = [];
  let hostIndex = 0;
  for (const node of config) {
    if (node.type !== SSHConfig.DIRECTIVE || node.param.toLowerCase() !== 'host') continue;
    const line = hostLines[hostIndex++] ?? 0;
    const patterns = Array.isArray(node.value) ? node.value.map((part) => part.val) : [String(node.value)];
    for (const alias of patterns) {
      if (WILDCARD.test(alias)) continue;
      // Keywords are case-insensitive in ssh_config (`hostname` is as good as `HostName`).
      const computed = config.compute(alias, { ignoreCase: true, matchExec: false }) as Record<string, string | string[] | undefined>;
      const pick = (key: string): string | undefined => {
        const value = computed[key];
        return Array.isArray(value) ? value[0] : value;
      };
      const hostName = pick('hostname');
      const fields: Record<string, unknown> = { name: alias, host: hostName === undefined ? alias : expandHostName(hostName, alias) };
      const port = pick('port');
      if (port !== undefined) fields.port = /^\d+$/.test(port) ? Number(port) : port;
      const user = pick('user');
      if (user !== undefined) fields.user = user;
      const proxyJump = pick('proxyjump');
      const hops = proxyJump === undefined || /^none$/i.test(proxyJump.trim()) ? [] : proxyJump.split(',').map((hop) => hop.trim());
      if (proxyJump !== undefined) fields[JUMP_HOST_FIELD] = hops.at(-1) ?? null;
      parsed.rows.push({ line, fields });
      if (hops.length > 1) chains.push({ line, alias, hops });
    }
  }
  return withChains(parsed, chains);
}

/**
 * ProxyJump a,b: a first, then b, then the host. Guardian keeps one jump host per server, so the
 * host's is b, and b's is a: set on b's own entry when it names none, refused on the host's line
 * when b's entry names another way (ssh would go through a there, and Guardian cannot say both).
 */
function withChains(parsed: Parsed, chains: { line: number; alias: string; hops: string[] }[]): Parsed {
  const byName = new Map(parsed.rows.map((row) => [String(row.fields.name).toLowerCase(), row]));
  const refused = new Set<RawRow>();
  for (const { line, alias, hops } of chains) {
    for (let index = 1; index < hops.length; index++) {
      const [before, hop] = [hops[index - 1] ?? '', hops[index] ?? ''];
      const row = byName.get(hop.toLowerCase());
      if (row && !(JUMP_HOST_FIELD in row.fields)) row.fields[JUMP_HOST_FIELD] = before;
      else if (row && String(row.fields[JUMP_HOST_FIELD]).toLowerCase() !== before.toLowerCase()) {
        const own = byName.get(alias.toLowerCase());
        if (own) refused.add(own);
        parsed.rejected.push({
          line,
          name: alias,
          reason: `ProxyJump ${hops.join(',')} goes through ${before} to ${hop}, whose own entry connects ${row.fields[JUMP_HOST_FIELD] === null ? 'directly' : `through ${String(row.fields[JUMP_HOST_FIELD])}`}: Guardian keeps one way to each server; make them agree`,
        });
        break;
      }
    }
  }
  return { rows: parsed.rows.filter((row) => !refused.has(row)), rejected: parsed.rejected };
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

import { readFileSync, statSync, type Stats } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { z } from 'zod';
import { AppError, type ValidationIssue } from '@shared/api/errors';
import { parseDatabaseUrl, type DatabaseUrlSource } from '@core/db/database-url';
import { LOG_LEVELS, type LogLevel } from '@core/logging/logger';
import { publicName } from './http/request-guard';
import type { ServeOptions } from './serve';

/**
 * `guardian serve`'s configuration file (README "guardian serve", docs/storage.md): one JSON object
 * holding any of serve's settings, named as its flags are, in camelCase (`--tls-cert` is `tlsCert`).
 * It comes from `--config`, else GUARDIAN_CONFIG, else `<data dir>/guardian.json` when that exists.
 * Each setting is taken from its flag, else its environment variable, else the file, else its
 * default. The whole file is read and checked before anything starts: a file that is not JSON, has a
 * setting Guardian does not know or one of the wrong type, or a database URL with a password, stops
 * serve with CONFIG_INVALID (exit code 78, EX_CONFIG), never half applied.
 */

export const CONFIG_FILE_NAME = 'guardian.json';

/** A file larger than this is not a configuration file (and is not read into memory). */
const MAX_CONFIG_BYTES = 1024 * 1024;

const SETTINGS = [
  'dataDir',
  'host',
  'port',
  'ui',
  'logLevel',
  'tlsCert',
  'tlsKey',
  'allowInsecureHttp',
  'trustProxy',
  'publicName',
  'vaultKeyFile',
  'database',
] as const;
export type Setting = (typeof SETTINGS)[number];

/** Where a setting's value came from, as the start-up log reports it. */
export type SettingSource = 'flag' | 'environment' | 'config file' | 'default';

const PATH_SETTINGS = new Set<Setting>(['dataDir', 'tlsCert', 'tlsKey', 'vaultKeyFile']);

/** What each setting must be, as an error says it. */
const EXPECTED: Record<Setting, string> = {
  dataDir: 'a folder path (a string)',
  host: 'the address to listen on (a string such as "127.0.0.1")',
  port: 'a whole number from 0 to 65535',
  ui: 'true or false',
  logLevel: `one of ${LOG_LEVELS.map((level) => `"${level}"`).join(', ')}`,
  tlsCert: 'a file path (a string)',
  tlsKey: 'a file path (a string)',
  allowInsecureHttp: 'true or false',
  trustProxy: 'a list of proxy addresses or CIDRs, such as ["10.0.0.1", "10.1.0.0/16"]',
  publicName: 'a list of host names, such as ["guardian.example.net"]',
  vaultKeyFile: 'a file path (a string)',
  database: 'a string: sqlite:<path> or postgres://user@host:5432/database?sslmode=verify-full',
};

const isLogLevel = (value: string): value is LogLevel => (LOG_LEVELS as readonly string[]).includes(value);
const text = z.string().trim().min(1);
/** proxy-addr's names for whole ranges, as fastify's trustProxy takes them. */
const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyAddress(value: string): boolean {
  if (PROXY_RANGES.has(value)) return true;
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const FileSchema = z.strictObject({
  dataDir: text.optional(),
  host: text.optional(),
  port: z.int().min(0).max(65535).optional(),
  ui: z.boolean().optional(),
  logLevel: z.string().refine(isLogLevel).optional(),
  tlsCert: text.optional(),
  tlsKey: text.optional(),
  allowInsecureHttp: z.boolean().optional(),
  trustProxy: z.array(z.string().trim().refine(isProxyAddress)).optional(),
  publicName: z.array(z.string().refine((name) => publicName(name) !== null)).optional(),
  vaultKeyFile: text.optional(),
  database: z.string().optional(),
});
type FileSettings = z.infer<typeof FileSchema>;

/** The settings a file gave, paths made absolute from the file's folder. */
export interface ServeConfig {
  file: string;
  settings: Partial<Pick<ServeOptions, Setting>>;
}

interface Located {
  message: string;
  hint: string;
  offset: number;
  path: (string | number)[];
}

function lineAndColumn(content: string, offset: number): { line: number; column: number } {
  const before = content.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** The first problem in the file's order, where it is, and how many more there are. */
function configError(file: string, content: string, problems: Located[]): AppError {
  const sorted = [...problems].sort((a, b) => a.offset - b.offset);
  const first = sorted[0];
  if (!first) throw new Error('configError needs a problem');
  const { line, column } = lineAndColumn(content, first.offset);
  const where = ` line ${line}, column ${column}`;
  const more = sorted.length > 1 ? ` (and ${sorted.length - 1} more ${sorted.length === 2 ? 'problem' : 'problems'})` : '';
  const issues: ValidationIssue[] = sorted.map((problem) => ({ path: problem.path, message: problem.message }));
  return new AppError('CONFIG_INVALID', `${file}${where}: ${first.message}${more}`, { hint: first.hint, retryable: false, issues });
}

function fileProblem(file: string, message: string, hint: string, cause?: unknown): AppError {
  return new AppError('CONFIG_INVALID', `${file}: ${message}`, { hint, retryable: false, cause, issues: [{ path: [], message }] });
}

/** What kind of JSON value this is, never the value itself (a string may be a secret). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return Number.isInteger(value) ? `the number ${value}` : 'a fraction';
  return typeof value === 'boolean' ? String(value) : typeof value;
}

const JSON_PROBLEMS: Record<string, string> = {
  InvalidSymbol: 'a character JSON does not allow here',
  InvalidNumberFormat: 'a number JSON cannot read',
  PropertyNameExpected: 'a setting name in double quotes was expected (a comma before "}" is not JSON)',
  ValueExpected: 'a value was expected (a comma before "]" is not JSON)',
  ColonExpected: '":" was expected after the setting name',
  CommaExpected: '"," was expected between two settings',
  CloseBraceExpected: '"}" was expected',
  CloseBracketExpected: '"]" was expected',
  EndOfFileExpected: 'there is more after the end of the JSON object',
  InvalidCommentToken: 'comments are not JSON',
  UnexpectedEndOfComment: 'comments are not JSON',
  UnexpectedEndOfString: 'a string is not closed',
  UnexpectedEndOfNumber: 'a number is cut short',
  InvalidUnicode: 'a \\u escape is not four hex digits',
  InvalidEscapeCharacter: 'a backslash escape JSON does not know',
  InvalidCharacter: 'a control character (a tab or a line break) inside a string',
};

const JSON_HINT =
  'Write one JSON object such as {"port": 7420}: names and strings in double quotes, numbers and true/false without, no comments, no comma after the last item.';

/** jsonc-parser finds where a file stops being JSON (its messages name no part of the content); JSON.parse then reads it. */
function parseJson(file: string, content: string): { value: unknown; tree: Node } {
  const errors: ParseError[] = [];
  const tree = parseTree(content, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (content.trim() === '') throw fileProblem(file, 'the file is empty.', `${JSON_HINT} An empty object, {}, leaves every setting to its flag or default.`);
  const first = errors[0];
  if (first || !tree) {
    const problem = first ? (JSON_PROBLEMS[printParseErrorCode(first.error)] ?? printParseErrorCode(first.error)) : 'no JSON value';
    throw configError(file, content, [{ message: `not valid JSON: ${problem}.`, hint: JSON_HINT, offset: first?.offset ?? 0, path: [] }]);
  }
  return { value: JSON.parse(content) as unknown, tree };
}

/** Where each top-level setting starts; a setting named twice is refused (JSON.parse would keep the last, silently). */
function settingOffsets(file: string, content: string, tree: Node): Map<string, number> {
  const offsets = new Map<string, number>();
  for (const property of tree.type === 'object' ? (tree.children ?? []) : []) {
    const name = property.children?.[0];
    if (typeof name?.value !== 'string') continue;
    if (offsets.has(name.value)) {
      throw configError(file, content, [
        {
          message: `${nameOf(name.value)} is set twice.`,
          hint: 'Keep one of the two: JSON readers disagree on which one wins.',
          offset: name.offset,
          path: looksLikeUrl(name.value) ? [] : [name.value],
        },
      ]);
    }
    offsets.set(name.value, name.offset);
  }
  return offsets;
}

/**
 * A setting's name as a message quotes it: a name that is not one, holding "@" or "://", is a URL
 * pasted in the wrong place, perhaps with its password, and is not repeated.
 */
const looksLikeUrl = (name: string) => /@|:\/\//.test(name);

function nameOf(name: string): string {
  if (looksLikeUrl(name)) return 'a name that looks like a URL';
  return JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);
}

function toKebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** A close spelling of a known setting: the flag's own (`tls-cert`), another case, or one letter off. */
function closest(name: string): Setting | undefined {
  const plain = name.replace(/^-+/, '').replace(/[-_](.)/g, (_m, letter: string) => letter.toUpperCase());
  const exact = SETTINGS.find((setting) => setting.toLowerCase() === plain.toLowerCase());
  if (exact) return exact;
  return SETTINGS.find((setting) => editDistance(setting.toLowerCase(), plain.toLowerCase()) <= 2);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_v, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

function unknownSetting(name: string, offset: number): Located {
  const near = closest(name);
  const known = `The settings are ${SETTINGS.join(', ')} (each flag of guardian serve, in camelCase).`;
  return {
    message: `${nameOf(name)} is not a setting of guardian serve.`,
    hint: near ? `Did you mean "${near}" (--${toKebab(near)})? ${known}` : known,
    offset,
    path: looksLikeUrl(name) ? [] : [name],
  };
}

/** What one item of a list setting must be. */
const ITEM: Partial<Record<Setting, string>> = {
  trustProxy: 'an IP address, a CIDR (10.1.0.0/16), loopback, linklocal or uniquelocal',
  publicName: 'a host name or an IP address (no scheme, port or path)',
};

/** A short quote of a value that is never a secret (a list item, a log level), for the message. */
const quote = (value: string) => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

function schemaProblem(value: Record<string, unknown>, issue: z.core.$ZodIssue, offsets: Map<string, number>): Located | null {
  const [key, index] = issue.path;
  if (typeof key !== 'string' || !(SETTINGS as readonly string[]).includes(key)) return null;
  const setting = key as Setting;
  const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
  const offset = offsets.get(key) ?? 0;
  const defaultHint = `Give ${EXPECTED[setting]}, or leave "${key}" out for its flag's default (guardian serve --help).`;
  if (typeof index === 'number') {
    const item = (value[key] as unknown[])[index];
    const what = typeof item === 'string' ? quote(item) : kindOf(item);
    return { message: `"${key}" item ${index + 1} must be ${ITEM[setting] ?? 'a string'}, not ${what}.`, hint: defaultHint, offset, path };
  }
  const given = value[key];
  if (issue.code === 'invalid_type') {
    const hint = typeof given === 'string' ? 'Write numbers and true/false without quotes, and lists in [ ].' : defaultHint;
    return { message: `"${key}" must be ${EXPECTED[setting]}, not ${kindOf(given)}.`, hint, offset, path };
  }
  // A value of the right type the setting refuses: never quoted but for a log level (a string may be a secret).
  const not = typeof given !== 'string' ? kindOf(given) : given.trim() === '' ? 'an empty string' : setting === 'logLevel' ? quote(given) : null;
  return { message: `"${key}" must be ${EXPECTED[setting]}${not ? `, not ${not}` : ''}.`, hint: defaultHint, offset, path };
}

function schemaProblems(value: Record<string, unknown>, issues: z.core.$ZodIssue[], offsets: Map<string, number>): Located[] {
  const problems: Located[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push(unknownSetting(key, offsets.get(key) ?? 0));
      continue;
    }
    const problem = schemaProblem(value, issue, offsets);
    if (problem) problems.push(problem);
  }
  if (problems.length === 0) problems.push({ message: 'the settings cannot be read.', hint: JSON_HINT, offset: 0, path: [] });
  return problems;
}

/** A path in the file, taken from the file's folder when it is relative (as the service manager's working folder is anyone's guess). */
function fromFile(file: string, path: string): string {
  return isAbsolute(path) ? path : resolve(dirname(file), path);
}

/** sqlite:<relative path> from the file's folder, for the same reason; postgres:// URLs as they are. */
function databaseFromFile(file: string, url: string): string {
  const trimmed = url.trim();
  if (!trimmed.toLowerCase().startsWith('sqlite:')) return trimmed;
  const rest = trimmed.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  return rest === '' ? trimmed : `sqlite:${fromFile(file, rest)}`;
}

export interface LoadOptions {
  /** The data folder the file was looked for in, when it was not named: its own dataDir may not move it elsewhere. */
  foundInDataDir?: string;
  env: NodeJS.ProcessEnv;
}

function statFile(file: string, named: boolean): Stats | null {
  try {
    return statSync(file);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (!named && code === 'ENOENT') return null;
    throw fileProblem(
      file,
      code === 'ENOENT' ? 'there is no such file.' : `the file cannot be read (${code ?? 'error'}).`,
      code === 'ENOENT' ? 'Check the path given to --config or GUARDIAN_CONFIG.' : 'Check that Guardian’s user may read it (and every folder above it).',
      cause,
    );
  }
}

/**
 * Reads and checks the configuration file. Null when `named` is false and there is no such file
 * (the data folder's guardian.json is optional; a file named by --config or GUARDIAN_CONFIG is not).
 */
export function loadServeConfig(file: string, named: boolean, options: LoadOptions): ServeConfig | null {
  const stats = statFile(file, named);
  if (!stats) return null;
  if (!stats.isFile()) throw fileProblem(file, 'this is not a file.', 'Name the JSON file itself, not its folder.');
  if (stats.size > MAX_CONFIG_BYTES)
    throw fileProblem(file, `the file is larger than ${MAX_CONFIG_BYTES / 1024} KiB: not a configuration file.`, 'Name guardian serve’s JSON settings file.');
  if (process.platform !== 'win32' && (stats.mode & 0o002) !== 0) {
    throw fileProblem(
      file,
      'every user of this machine may change this file, and with it the database, TLS key and vault key file Guardian uses.',
      `Run chmod o-w ${file} (and keep it owned by root or Guardian’s user).`,
    );
  }
  let content: string;
  try {
    content = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (cause) {
    throw fileProblem(file, `the file cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'}).`, 'Check that Guardian’s user may read it.', cause);
  }

  const { value, tree } = parseJson(file, content);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw configError(file, content, [
      { message: `the file holds ${kindOf(value)}, not a JSON object of settings.`, hint: JSON_HINT, offset: tree.offset, path: [] },
    ]);
  }
  const offsets = settingOffsets(file, content, tree);
  const record = value as Record<string, unknown>;
  const parsed = FileSchema.safeParse(record);
  if (!parsed.success) throw configError(file, content, schemaProblems(record, parsed.error.issues, offsets));
  return { file, settings: settingsOf(file, content, parsed.data, offsets, options) };
}

function settingsOf(file: string, content: string, data: FileSettings, offsets: Map<string, number>, options: LoadOptions): ServeConfig['settings'] {
  const settings: ServeConfig['settings'] = {};
  const problem = (key: Setting, message: string, hint: string) => configError(file, content, [{ message, hint, offset: offsets.get(key) ?? 0, path: [key] }]);
  for (const key of SETTINGS) {
    const given = data[key];
    if (given === undefined) continue;
    if (PATH_SETTINGS.has(key) && typeof given === 'string') Object.assign(settings, { [key]: fromFile(file, given) });
    else if (key === 'trustProxy' && Array.isArray(given)) settings.trustProxy = given.map((entry) => entry.trim());
    else Object.assign(settings, { [key]: given });
  }
  if (data.logLevel !== undefined && isLogLevel(data.logLevel)) settings.logLevel = data.logLevel;

  if (options.foundInDataDir !== undefined && settings.dataDir !== undefined && resolve(settings.dataDir) !== resolve(options.foundInDataDir)) {
    throw problem(
      'dataDir',
      `"dataDir" names another folder than the one this file was found in.`,
      'A file in the data folder cannot move it: name the folder with --data-dir, or keep the file elsewhere and name it with --config or GUARDIAN_CONFIG.',
    );
  }
  if (data.database !== undefined) {
    const database = databaseFromFile(file, data.database);
    const dataDir = settings.dataDir ?? options.foundInDataDir ?? dirname(file);
    try {
      // Checked now, as the core will read it: a bad URL or a password stops the start before anything is written.
      parseDatabaseUrl(database, { dataDir, cwd: dirname(file), env: options.env, source: 'config file' });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      throw problem('database', `"database": ${error.message}`, error.hint);
    }
    settings.database = database;
  }
  return settings;
}

/** What commander parsed for `serve`: the flags, defaults and environment variables, and `--config`. */
export type ServeFlags = Omit<ServeOptions, 'databaseSource' | 'configFile' | 'sources'> & { config?: string | undefined };

/** commander's word for where an option's value came from. */
export type OptionSource = string | undefined;

export interface ResolveContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

function given(source: OptionSource, value: unknown): 'flag' | 'environment' | null {
  if (source === 'cli') return 'flag';
  // An empty variable (systemd's Environment=NAME=) is taken as not set: it names nothing.
  if (source === 'env' && value !== '' && value !== undefined) return 'environment';
  return null;
}

/**
 * serve's options from its flags, environment variables, configuration file and defaults, in that
 * order, with where each came from. Throws CONFIG_INVALID for a file that cannot be used.
 */
export function resolveServeOptions(flags: ServeFlags, sourceOf: (option: string) => OptionSource, context: ResolveContext): ServeOptions {
  const namedBy = given(sourceOf('config'), flags.config);
  const config = namedBy
    ? loadServeConfig(resolve(context.cwd, flags.config ?? ''), true, { env: context.env })
    : loadServeConfig(join(resolve(context.cwd, flags.dataDir), CONFIG_FILE_NAME), false, {
        env: context.env,
        foundInDataDir: resolve(context.cwd, flags.dataDir),
      });

  const { config: _named, ...options }: ServeFlags = flags;
  const sources: Partial<Record<Setting, SettingSource>> = {};
  for (const key of SETTINGS) {
    const fromCommandLine = given(sourceOf(key), flags[key]);
    const fromFile = config?.settings[key];
    if (fromCommandLine) sources[key] = fromCommandLine;
    else if (fromFile !== undefined) {
      Object.assign(options, { [key]: fromFile });
      sources[key] = 'config file';
    } else sources[key] = 'default';
  }
  const databaseSource: DatabaseUrlSource = sources.database === 'default' ? 'flag' : (sources.database as DatabaseUrlSource);
  return { ...options, databaseSource, configFile: config?.file ?? null, sources };
}

/**
 * For the other commands (`guardian servers list`, `db check`, …), which run beside a serve on the
 * same data: the file GUARDIAN_CONFIG names, else the data folder's guardian.json when there is
 * one. They take its dataDir (unless --data-dir) and database (unless GUARDIAN_DATABASE_URL or
 * --database); the rest is serve's alone. A file that cannot be used stops them as it stops serve.
 */
export function commandConfig(dataDir: string | undefined, context: ResolveContext): ServeConfig | null {
  const named = context.env.GUARDIAN_CONFIG;
  if (named) return loadServeConfig(resolve(context.cwd, named), true, { env: context.env });
  if (dataDir === undefined) return null;
  const folder = resolve(context.cwd, dataDir);
  return loadServeConfig(join(folder, CONFIG_FILE_NAME), false, { env: context.env, foundInDataDir: folder });
}

/** The database a command other than serve opens: GUARDIAN_DATABASE_URL, else the configuration file's, else the data folder's SQLite file. */
export function commandDatabase(dataDir: string, context: ResolveContext): { url: string | undefined; source: DatabaseUrlSource } {
  const fromEnvironment = context.env.GUARDIAN_DATABASE_URL;
  if (fromEnvironment) return { url: fromEnvironment, source: 'environment' };
  const url = commandConfig(dataDir, context)?.settings.database;
  return url === undefined ? { url: undefined, source: 'environment' } : { url, source: 'config file' };
}

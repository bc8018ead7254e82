import type { FieldDef } from './check-fields';

/** How a field's text becomes a config value and back (the check editor's inputs hold text). */

export type Json = Record<string, unknown>;

export function getPath(source: Json, path: string): unknown {
  let value: unknown = source;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Json)[part];
  }
  return value;
}

export function setPath(target: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object') node[part] = {};
    node = node[part] as Json;
  }
  node[parts[parts.length - 1] ?? path] = value;
}

export const NUMBER = /^-?\d+(\.\d+)?$/;

/** A field's text → its config value; undefined leaves it out (the schema's default applies). */
export function fieldValue(field: FieldDef, raw: string | boolean | undefined): unknown {
  if (field.kind === 'bool') return raw === true;
  const text = typeof raw === 'string' ? raw.trim() : '';
  switch (field.kind) {
    case 'text':
    case 'select':
    case 'secret':
      return text === '' ? (field.required ? '' : undefined) : text;
    case 'textarea':
      return typeof raw === 'string' && raw !== '' ? raw : undefined;
    case 'int':
    case 'number':
      return text === '' ? undefined : NUMBER.test(text) ? Number(text) : text;
    case 'list': {
      const items = text.split(/[\s,]+/).filter(Boolean);
      return items.length ? items : undefined;
    }
    case 'json':
      if (text === '') return undefined;
      try {
        const parsed: unknown = JSON.parse(text);
        return parsed === null || ['string', 'number', 'boolean'].includes(typeof parsed) ? parsed : text;
      } catch {
        return text;
      }
    case 'headers': {
      const headers: Record<string, string> = {};
      for (const line of text.split('\n')) {
        const colon = line.indexOf(':');
        if (line.trim() === '') continue;
        if (colon <= 0) headers[line.trim()] = '';
        else headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
      }
      return Object.keys(headers).length ? headers : undefined;
    }
    default: {
      const unreachable: never = field.kind;
      return unreachable;
    }
  }
}

/** A config value → the text its field shows. */
export function fieldText(field: FieldDef, value: unknown): string | boolean {
  if (value === undefined && field.initial !== undefined) return field.initial;
  if (value === undefined && field.kind === 'select') return field.options?.[0] ?? '';
  if (field.kind === 'bool') return value === true;
  if (value === undefined || value === null) return field.kind === 'json' && value === null ? 'null' : '';
  switch (field.kind) {
    case 'list':
      return Array.isArray(value) ? value.join(', ') : String(value);
    case 'json':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'headers':
      return Object.entries(value as Record<string, string>)
        .map(([name, text]) => `${name}: ${text}`)
        .join('\n');
    default:
      return String(value);
  }
}

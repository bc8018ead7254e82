import { describeIssues, type AppError, type ValidationIssue } from '@shared/api';

/** A form's errors by field key: 'name', 'secretId', 'config.url', 'match.tags'. */
export type FieldErrors = Partial<Record<string, string>>;

/** What a failed save shows: messages under their fields, and a banner for the rest (or null). */
export interface PlacedErrors {
  fields: FieldErrors;
  banner: Pick<AppError, 'message' | 'hint'> | null;
}

/**
 * The field an issue belongs to: the longest known key its path starts with. A list's entries
 * land on the list ('match.tags.2' → 'match.tags', with which entry said in the message).
 */
function fieldOf(path: ValidationIssue['path'], known: readonly string[]): { key: string; rest: (string | number)[] } | null {
  for (let length = path.length; length > 0; length--) {
    const key = path.slice(0, length).join('.');
    if (known.includes(key)) return { key, rest: path.slice(length) };
  }
  return null;
}

function messageOf(issue: ValidationIssue, rest: (string | number)[]): string {
  const [index] = rest;
  return typeof index === 'number' ? `Entry ${index + 1}: ${issue.message}` : issue.message;
}

/**
 * Places a failed call's VALIDATION_FAILED issues under the form's fields (`known`); anything
 * else, an issue on no known field, another code or a refusal that explains itself, goes in the
 * banner with its hint.
 */
export function placeErrors(error: AppError, known: readonly string[]): PlacedErrors {
  const fields: FieldErrors = {};
  const other: string[] = [];
  if (error.code === 'VALIDATION_FAILED' && error.issues?.length) {
    for (const issue of error.issues) {
      const field = fieldOf(issue.path, known);
      if (field) fields[field.key] ??= messageOf(issue, field.rest);
      else other.push(issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message);
    }
    // The router's own refusal only lists the issues, now under their fields; a service's says
    // more (a target refused: ask an admin to allow it), which stays in the banner.
    const generic = error.message.endsWith(describeIssues(error.issues));
    if (other.length === 0 && Object.keys(fields).length > 0) return { fields, banner: generic ? null : { message: error.message, hint: error.hint } };
  }
  return { fields, banner: { message: other.length ? other.join(' ') : error.message, hint: error.hint } };
}

/** A comma- or line-separated list as typed, without empty entries. */
export function splitList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

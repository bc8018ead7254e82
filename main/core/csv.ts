/**
 * Spreadsheets run a cell that starts with = + - @ (or tab / carriage return) as a formula, so an
 * exported note like `=HYPERLINK(...)` would execute when an admin opens the file. Exports prefix
 * such cells with an apostrophe (the spreadsheet convention for "this is text"), and imports take
 * that apostrophe off again, so a CSV export still re-imports exactly.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function toCsvCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function fromCsvCell(text: string): string {
  return text.startsWith("'") && FORMULA_START.test(text.slice(1)) ? text.slice(1) : text;
}

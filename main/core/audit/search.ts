import type { AuditFilter } from '@shared/api/audit';

/**
 * The audit log's filters as one FTS5 query over `audit_search` (migration 0005). The view
 * `audit_search_source` writes each filterable field as a token: a letter naming the field and
 * the value's UTF-8 bytes in hex, so any value (spaces, punctuation, any script) is one exact,
 * case-sensitive token. The letters, here and in the view:
 *
 *     a action · p actor (principal, `user:<id>`) · n actor's name · t target
 *     o outcome (failures only) · `ofail` on every failure
 *
 * Hex digits never include the letters of `ofail`, so no value's token can be confused with it.
 */

const hex = (value: string) => Buffer.from(value, 'utf8').toString('hex');

/** A principal (`user:<id>`, `apiKey:…`, `system:…`, `anonymous`), not a name. */
function isPrincipal(actor: string): boolean {
  return /^(user|apiKey|system):/.test(actor) || actor === 'anonymous';
}

/**
 * The words a search must find in the details: split where the tokenizer splits (anything but
 * letters and digits), so no syntax in the input survives (main/core/audit/reads.ts uses them on PostgreSQL).
 */
export function searchWords(q: string): string[] {
  return q.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/** The filterable fields of an event, as the chain stores them. */
export interface FacetFields {
  action: string;
  actor: string;
  actorName: string | null;
  target: string | null;
  outcome: string;
}

/**
 * An event's facets as one text of tokens: what SQLite's view `audit_search_source` writes and
 * PostgreSQL's `guardian_audit_facets` (migrations-pg 0002) computes, here once per event as it is
 * appended, for PostgreSQL's index (migrations-pg 0003).
 */
export function facetText(event: FacetFields): string {
  let text = `a${hex(event.action)} p${hex(event.actor)}`;
  if (event.actorName !== null) text += ` n${hex(event.actorName)}`;
  if (event.target !== null) text += ` t${hex(event.target)}`;
  if (event.outcome !== 'ok') text += ` ofail o${hex(event.outcome)}`;
  return text;
}

/**
 * The words of a text as SQLite's unicode61 tokenizer reads them, for PostgreSQL's full-text index
 * (which folds case itself): a Latin letter's one diacritic removed ("Café" is "cafe"), and every
 * run of characters that are neither letters nor digits a space, so no host name, email or path is
 * read as one token. PostgreSQL's `guardian_search_words` (migrations-pg 0002) does the same for
 * the rows a migration or a copy indexes (`indexCopiedEvents`); a test holds the two together.
 */
export function searchText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/([A-Za-z])[\u0300-\u036f](?![\u0300-\u036f])/g, '$1')
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}]+/gu, ' ');
}

/** The facet tokens a filter's field conditions must all find (`outcome: ok` has none: the caller checks it in SQL). */
export function facetTokens(filter: AuditFilter): string[] {
  const facets: string[] = [];
  if (filter.actor) facets.push(`${isPrincipal(filter.actor) ? 'p' : 'n'}${hex(filter.actor)}`);
  if (filter.action) facets.push(`a${hex(filter.action)}`);
  if (filter.target) facets.push(`t${hex(filter.target)}`);
  if (filter.outcome === 'error') facets.push('ofail');
  else if (filter.outcome && filter.outcome !== 'ok') facets.push(`o${hex(filter.outcome)}`);
  return facets;
}

/**
 * The MATCH expression for a filter's field and word conditions, or null when it has none
 * (a time range alone, or only `outcome: ok`, which the caller checks in SQL). Each word is
 * quoted, so FTS syntax in the input is just text.
 */
export function searchExpression(filter: AuditFilter): string | null {
  const facets = facetTokens(filter);
  const terms = filter.q ? searchWords(filter.q).map((word) => `"${word}"`) : [];
  const parts: string[] = [];
  if (facets.length) parts.push(`facets : (${facets.join(' ')})`);
  if (terms.length) parts.push(`details : (${terms.join(' ')})`);
  return parts.length ? parts.join(' AND ') : null;
}

-- The audit log's search on PostgreSQL (added by hand: drizzle-kit cannot express functions or
-- expression indexes), the counterpart of SQLite's FTS5 index (migration 0005 there); the reads are
-- main/core/audit/reads.ts, which writes the same expressions so the planner uses these indexes.
-- Two GIN indexes, like FTS5's two columns: a field filter must match the facets, a word the details.
--
-- Facets: each filterable field as one token, a letter and the value's UTF-8 in hex, exactly as
-- SQLite's view audit_search_source writes them (main/core/audit/search.ts). convert_to is only
-- STABLE (it looks up a conversion), but to UTF-8 its answer never changes: hence the wrapper.
CREATE FUNCTION guardian_utf8_hex(value text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT pg_catalog.encode(pg_catalog.convert_to(value, 'UTF8'), 'hex') $$;--> statement-breakpoint
CREATE FUNCTION guardian_audit_facets(action text, actor text, actor_name text, target text, outcome text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 10000
  SET search_path FROM CURRENT
  AS $$ SELECT 'a' || guardian_utf8_hex(action) || ' p' || guardian_utf8_hex(actor)
    || coalesce(' n' || guardian_utf8_hex(actor_name), '') || coalesce(' t' || guardian_utf8_hex(target), '')
    || CASE WHEN outcome <> 'ok' THEN ' ofail o' || guardian_utf8_hex(outcome) ELSE '' END $$;--> statement-breakpoint
-- Details: the words SQLite's unicode61 tokenizer finds: runs of letters and digits, a Latin
-- letter's one diacritic removed ("Café" is "cafe"), case folded (by the 'simple' configuration).
-- Everything else becomes a space first, so PostgreSQL's parser never reads a host name, an email
-- or a path as one token where SQLite reads its words.
--
-- Both functions are costly to evaluate row by row, and say so (COST; the SET keeps them whole for
-- the planner): otherwise it walks the primary key backwards through thousands of rows, computing
-- each row's tokens, for a filter its index answers at once.
CREATE FUNCTION guardian_search_words(value text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000
  SET search_path = pg_catalog
  AS $$ SELECT pg_catalog.regexp_replace(
    pg_catalog.normalize(pg_catalog.regexp_replace(pg_catalog.normalize(value, 'NFD'), '([A-Za-z])[\u0300-\u036f](?![\u0300-\u036f])', '\1', 'g'), 'NFC'),
    '[^[:alnum:]]+', ' ', 'g') $$;--> statement-breakpoint
CREATE INDEX "audit_events_facets" ON "audit_events" USING gin (to_tsvector('simple', guardian_audit_facets(action, actor, actor_name, target, outcome)));--> statement-breakpoint
CREATE INDEX "audit_events_details" ON "audit_events" USING gin (to_tsvector('simple', guardian_search_words(details::text)));

-- The audit log's search text, written by Guardian with each event (main/core/audit/search.ts,
-- `facetText` and `searchText`), so PostgreSQL indexes a column instead of evaluating 0002's
-- functions for every row it inserts: those cost 100–300 µs a row (guardian_audit_facets' SET
-- clause alone keeps it from being inlined), which held appends to about 4,500 a second.
-- Added by hand, like 0002: drizzle-kit cannot express expression indexes, and the columns are
-- this engine's alone (SQLite's FTS5 index reads its view), so the drizzle schema leaves them out.
--
-- A row without them (written before this migration, or copied in by `guardian db copy`) is
-- indexed through 0002's functions, which give the same text: the coalesce below, which the
-- reads in main/core/audit/reads.ts write word for word so the planner uses these indexes.
ALTER TABLE "audit_events" ADD COLUMN "search_facets" text, ADD COLUMN "search_words" text;--> statement-breakpoint
DROP INDEX "audit_events_facets";--> statement-breakpoint
DROP INDEX "audit_events_details";--> statement-breakpoint
CREATE INDEX "audit_events_facets" ON "audit_events" USING gin (to_tsvector('simple', coalesce(search_facets, guardian_audit_facets(action, actor, actor_name, target, outcome))));--> statement-breakpoint
CREATE INDEX "audit_events_details" ON "audit_events" USING gin (to_tsvector('simple', coalesce(search_words, guardian_search_words(details::text))));

-- The audit log's search vectors as columns, written by Guardian with each event from text it
-- computes itself (main/core/audit/search.ts, `facetText` and `searchText`), where 0002 indexed
-- expressions of its SQL functions: those cost 100–300 µs for every row inserted
-- (guardian_audit_facets' SET clause alone keeps it from being inlined), which held appends to
-- about 4,500 a second, and a filter that read rows in sequence order recomputed a vector per row.
-- Added by hand, like 0002: the columns are this engine's alone (SQLite's FTS5 index reads its
-- view), so the drizzle schema leaves them out.
--
-- Rows already there get their vectors from 0002's functions, which give the same text (a test
-- holds the two together); so do rows `guardian db copy` writes (main/core/audit/store.ts,
-- indexCopiedEvents).
ALTER TABLE "audit_events" ADD COLUMN "search_facets" tsvector, ADD COLUMN "search_words" tsvector;--> statement-breakpoint
UPDATE "audit_events" SET
  "search_facets" = to_tsvector('simple', guardian_audit_facets(action, actor, actor_name, target, outcome)),
  "search_words" = to_tsvector('simple', guardian_search_words(details::text));--> statement-breakpoint
DROP INDEX "audit_events_facets";--> statement-breakpoint
DROP INDEX "audit_events_details";--> statement-breakpoint
CREATE INDEX "audit_events_facets" ON "audit_events" USING gin ("search_facets");--> statement-breakpoint
CREATE INDEX "audit_events_details" ON "audit_events" USING gin ("search_words");

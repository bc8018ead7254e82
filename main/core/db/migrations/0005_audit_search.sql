DROP INDEX `audit_events_action`;--> statement-breakpoint
DROP INDEX `audit_events_actor`;--> statement-breakpoint
DROP INDEX `audit_events_actor_name`;--> statement-breakpoint
DROP INDEX `audit_events_target`;--> statement-breakpoint
DROP INDEX `audit_events_failures`;--> statement-breakpoint
-- One full-text index serves every audit filter (added by hand: drizzle-kit cannot express FTS5,
-- views or triggers). `facets` holds each filterable field as one exact token, a letter and the
-- value's UTF-8 in hex (main/core/audit/search.ts builds the same tokens for queries);
-- `details` holds the details' words. Contentless: the text stays in audit_events.
DROP TRIGGER `audit_events_fts_insert`;--> statement-breakpoint
DROP TRIGGER `audit_events_fts_delete`;--> statement-breakpoint
DROP TABLE `audit_fts`;--> statement-breakpoint
CREATE VIRTUAL TABLE `audit_search` USING fts5(facets, details, content='', contentless_delete=1, detail='column');--> statement-breakpoint
CREATE VIEW `audit_search_source` AS SELECT seq,
  'a' || lower(hex(action)) || ' p' || lower(hex(actor)) || ifnull(' n' || lower(hex(actor_name)), '') || ifnull(' t' || lower(hex(target)), '')
    || CASE WHEN outcome <> 'ok' THEN ' ofail o' || lower(hex(outcome)) ELSE '' END AS facets,
  details
FROM audit_events;--> statement-breakpoint
INSERT INTO `audit_search` (rowid, facets, details) SELECT seq, facets, details FROM audit_search_source;--> statement-breakpoint
CREATE TRIGGER `audit_events_search_delete` AFTER DELETE ON `audit_events` BEGIN DELETE FROM audit_search WHERE rowid = old.seq; END;

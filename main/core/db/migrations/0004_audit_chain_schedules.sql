CREATE TABLE `audit_checkpoints` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`last_seq` integer NOT NULL,
	`last_hash` text NOT NULL,
	`removed` integer NOT NULL,
	`by` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `schedule_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`schedule_id` text NOT NULL,
	`job_id` text,
	`due_at` integer NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`outcome` text,
	`error_code` text,
	`caught_up` integer NOT NULL,
	`trigger` text NOT NULL,
	FOREIGN KEY (`schedule_id`) REFERENCES `schedules`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `schedule_runs_schedule` ON `schedule_runs` (`schedule_id`,`started_at`);--> statement-breakpoint
CREATE TABLE `schedules` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`task` text NOT NULL,
	`params` text NOT NULL,
	`cron` text NOT NULL,
	`timezone` text NOT NULL,
	`enabled` integer NOT NULL,
	`catch_up` integer NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	`last_due_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `schedules_name_unique` ON `schedules` (`name`);--> statement-breakpoint
DROP INDEX `audit_events_at`;--> statement-breakpoint
DROP INDEX `audit_events_action`;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `actor_name` text;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `prev_hash` text;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `hash` text;--> statement-breakpoint
CREATE INDEX `audit_events_actor` ON `audit_events` (`actor`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_events_actor_name` ON `audit_events` (`actor_name`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_events_target` ON `audit_events` (`target`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_events_failures` ON `audit_events` (`outcome`,`seq`) WHERE "audit_events"."outcome" <> 'ok';--> statement-breakpoint
CREATE INDEX `audit_events_action` ON `audit_events` (`action`,`seq`);--> statement-breakpoint
ALTER TABLE `jobs` ADD `owner` text;--> statement-breakpoint
-- Full-text search over audit details (added by hand: drizzle-kit cannot express FTS5 or triggers).
CREATE VIRTUAL TABLE `audit_fts` USING fts5(details, content='audit_events', content_rowid='seq', detail='none', columnsize=0);--> statement-breakpoint
INSERT INTO `audit_fts` (rowid, details) SELECT seq, details FROM audit_events;--> statement-breakpoint
CREATE TRIGGER `audit_events_fts_insert` AFTER INSERT ON `audit_events` BEGIN INSERT INTO audit_fts (rowid, details) VALUES (new.seq, new.details); END;--> statement-breakpoint
CREATE TRIGGER `audit_events_fts_delete` AFTER DELETE ON `audit_events` BEGIN INSERT INTO audit_fts (audit_fts, rowid, details) VALUES ('delete', old.seq, old.details); END;

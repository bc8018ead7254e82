CREATE TABLE `alert_silences` (
	`id` text PRIMARY KEY NOT NULL,
	`server_ids` text NOT NULL,
	`tags` text NOT NULL,
	`environments` text NOT NULL,
	`severities` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`reason` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`expired_at` integer,
	`expired_by` text,
	`expire_reason` text,
	`released_at` integer
);
--> statement-breakpoint
CREATE INDEX `alert_silences_ends` ON `alert_silences` (`ends_at`);--> statement-breakpoint
ALTER TABLE `alert_outbox` ADD `silence_id` text;
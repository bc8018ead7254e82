CREATE TABLE `runbook_versions` (
	`runbook_id` text NOT NULL,
	`version` integer NOT NULL,
	`spec` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`runbook_id`, `version`),
	FOREIGN KEY (`runbook_id`) REFERENCES `runbooks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `runbooks` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`version` integer NOT NULL,
	`archived_at` integer,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `runbooks_name_key` ON `runbooks` (`name_key`);--> statement-breakpoint
ALTER TABLE `operation_runs` ADD `runbook_id` text;--> statement-breakpoint
ALTER TABLE `operation_runs` ADD `runbook_name` text;--> statement-breakpoint
ALTER TABLE `operation_runs` ADD `runbook_version` integer;--> statement-breakpoint
ALTER TABLE `operation_runs` ADD `params` text;--> statement-breakpoint
ALTER TABLE `operation_runs` ADD `sudo` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `operation_runs` ADD `rerun_of` text;
CREATE TABLE `operation_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`job_id` text NOT NULL,
	`command` text NOT NULL,
	`selector` text NOT NULL,
	`concurrency` integer NOT NULL,
	`timeout_seconds` integer NOT NULL,
	`status` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `operation_runs_created_at` ON `operation_runs` (`created_at`);--> statement-breakpoint
CREATE TABLE `operation_targets` (
	`run_id` text NOT NULL,
	`server_id` text NOT NULL,
	`server_name` text NOT NULL,
	`address` text NOT NULL,
	`state` text NOT NULL,
	`exit_code` integer,
	`message` text,
	`started_at` integer,
	`finished_at` integer,
	`output` text NOT NULL,
	`output_bytes` integer NOT NULL,
	`truncated` integer NOT NULL,
	`output_sha256` text,
	PRIMARY KEY(`run_id`, `server_id`),
	FOREIGN KEY (`run_id`) REFERENCES `operation_runs`(`id`) ON UPDATE no action ON DELETE cascade
);

ALTER TABLE `operation_runs` ADD `rolling` text;--> statement-breakpoint
ALTER TABLE `operation_runs` ADD `stop_reason` text;
ALTER TABLE `alert_rules` ADD `check_types` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `alert_silences` ADD `check_types` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `incidents` ADD `check_types` text DEFAULT '[]' NOT NULL;
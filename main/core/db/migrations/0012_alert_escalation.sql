ALTER TABLE `alert_rules` ADD `escalation` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `alert_rules` ADD `repeat_minutes` integer;
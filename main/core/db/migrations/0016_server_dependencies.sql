ALTER TABLE `alert_outbox` ADD `held_by_incident` text;--> statement-breakpoint
ALTER TABLE `servers` ADD `depends_on_id` text;
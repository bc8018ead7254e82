-- health_results and health_rollups are WITHOUT ROWID (added by hand: drizzle-kit cannot say it).
CREATE TABLE `check_states` (
	`check_seq` integer PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`pending_status` text,
	`pending_count` integer NOT NULL,
	`state_since` integer,
	`last_at` integer,
	`last_status` text,
	`last_latency_ms` real,
	`last_message` text,
	`last_data` text,
	`avg_latency_ms` real,
	FOREIGN KEY (`check_seq`) REFERENCES `checks`(`seq`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `checks` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`server_id` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`config` text NOT NULL,
	`interval_ms` integer NOT NULL,
	`timeout_ms` integer NOT NULL,
	`retries` integer NOT NULL,
	`confirm_after` integer NOT NULL,
	`paused` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`server_id`) REFERENCES `servers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `checks_id_unique` ON `checks` (`id`);--> statement-breakpoint
CREATE INDEX `checks_server` ON `checks` (`server_id`);--> statement-breakpoint
CREATE TABLE `health_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`text` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `health_messages_text_unique` ON `health_messages` (`text`);--> statement-breakpoint
CREATE TABLE `health_results` (
	`check_seq` integer NOT NULL,
	`at` integer NOT NULL,
	`status` integer NOT NULL,
	`latency` integer,
	`message_id` integer,
	`muted` integer,
	PRIMARY KEY(`check_seq`, `at`),
	FOREIGN KEY (`check_seq`) REFERENCES `checks`(`seq`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `health_rollups` (
	`check_seq` integer NOT NULL,
	`period` integer NOT NULL,
	`start` integer NOT NULL,
	`count` integer NOT NULL,
	`failures` integer NOT NULL,
	`degraded` integer NOT NULL,
	`muted` integer NOT NULL,
	`lat_count` integer NOT NULL,
	`lat_min` real,
	`lat_max` real,
	`lat_sum` real NOT NULL,
	`sketch` text NOT NULL,
	PRIMARY KEY(`check_seq`, `period`, `start`),
	FOREIGN KEY (`check_seq`) REFERENCES `checks`(`seq`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `host_keys` (
	`target` text PRIMARY KEY NOT NULL,
	`fingerprint` text NOT NULL,
	`pinned_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `incidents` (
	`id` text PRIMARY KEY NOT NULL,
	`server_id` text NOT NULL,
	`severity` text NOT NULL,
	`started_at` integer NOT NULL,
	`ended_at` integer,
	`cause` text NOT NULL,
	`acknowledged_at` integer,
	`acknowledged_by` text,
	`note` text,
	FOREIGN KEY (`server_id`) REFERENCES `servers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `incidents_server` ON `incidents` (`server_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `incidents_started` ON `incidents` (`started_at`);--> statement-breakpoint
CREATE INDEX `incidents_open` ON `incidents` (`ended_at`);--> statement-breakpoint
CREATE TABLE `maintenance_windows` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`scope` text NOT NULL,
	`schedule` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`updated_at` integer NOT NULL
);

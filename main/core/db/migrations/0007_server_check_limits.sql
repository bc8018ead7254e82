CREATE TABLE `server_check_limits` (
	`server_id` text PRIMARY KEY NOT NULL,
	`max_checks` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`server_id`) REFERENCES `servers`(`id`) ON UPDATE no action ON DELETE cascade
);

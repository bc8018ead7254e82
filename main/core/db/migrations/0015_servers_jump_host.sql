ALTER TABLE `servers` ADD `jump_host_id` text;--> statement-breakpoint
CREATE INDEX `servers_jump_host` ON `servers` (`jump_host_id`);
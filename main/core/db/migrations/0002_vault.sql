CREATE TABLE `secrets` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`tags` text NOT NULL,
	`server_ids` text NOT NULL,
	`username` text,
	`public_key` text,
	`fingerprint` text,
	`sealed` text NOT NULL,
	`key_generation` integer NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text NOT NULL,
	`last_used_at` integer,
	`last_used_by` text
);
--> statement-breakpoint
CREATE INDEX `secrets_generation` ON `secrets` (`key_generation`);--> statement-breakpoint
CREATE INDEX `secrets_name` ON `secrets` (`name`);--> statement-breakpoint
CREATE TABLE `vault_slots` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`label` text NOT NULL,
	`wrapped_kek` text NOT NULL,
	`params` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer
);
--> statement-breakpoint
CREATE TABLE `vault_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`generation` integer NOT NULL,
	`wrapped_dek` text NOT NULL,
	`pending_generation` integer,
	`pending_wrapped_dek` text
);
--> statement-breakpoint
ALTER TABLE `sessions` ADD `reauth_at` integer;
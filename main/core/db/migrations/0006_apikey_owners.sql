-- ON DELETE cascade added by hand: drizzle-kit drops it from ADD COLUMN (the snapshot has it).
ALTER TABLE `api_keys` ADD `owner_id` text REFERENCES users(id) ON DELETE cascade;--> statement-breakpoint
CREATE INDEX `api_keys_owner` ON `api_keys` (`owner_id`);--> statement-breakpoint
-- Existing keys (added by hand): a key belongs to the account that made it, and a key made by
-- another key to that key's owner, followed up the chain. Keys made on the data dir with the CLI
-- (created_by 'system:…') stay system keys. A key whose maker no longer exists is revoked: it
-- would be refused from now on anyway, and this way the list says so.
WITH RECURSIVE `maker`(`key_id`, `created_by`, `depth`) AS (
  SELECT `id`, `created_by`, 0 FROM `api_keys`
  UNION ALL
  SELECT `maker`.`key_id`, `parent`.`created_by`, `maker`.`depth` + 1
  FROM `maker` JOIN `api_keys` AS `parent` ON `maker`.`created_by` = 'apiKey:' || `parent`.`id`
  WHERE `maker`.`depth` < 64
)
UPDATE `api_keys` SET `owner_id` = (
  SELECT `users`.`id` FROM `maker` JOIN `users` ON `maker`.`created_by` = 'user:' || `users`.`id`
  WHERE `maker`.`key_id` = `api_keys`.`id`
);--> statement-breakpoint
WITH RECURSIVE `maker`(`key_id`, `created_by`, `depth`) AS (
  SELECT `id`, `created_by`, 0 FROM `api_keys`
  UNION ALL
  SELECT `maker`.`key_id`, `parent`.`created_by`, `maker`.`depth` + 1
  FROM `maker` JOIN `api_keys` AS `parent` ON `maker`.`created_by` = 'apiKey:' || `parent`.`id`
  WHERE `maker`.`depth` < 64
)
UPDATE `api_keys` SET `revoked_at` = CAST(strftime('%s', 'now') AS INTEGER) * 1000
WHERE `owner_id` IS NULL AND `revoked_at` IS NULL
  AND NOT EXISTS (SELECT 1 FROM `maker` WHERE `maker`.`key_id` = `api_keys`.`id` AND `maker`.`created_by` LIKE 'system:%');

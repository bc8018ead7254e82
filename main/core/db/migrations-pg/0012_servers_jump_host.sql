ALTER TABLE "servers" ADD COLUMN "jump_host_id" text;--> statement-breakpoint
CREATE INDEX "servers_jump_host" ON "servers" USING btree ("jump_host_id");
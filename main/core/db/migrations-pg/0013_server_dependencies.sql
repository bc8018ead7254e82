ALTER TABLE "alert_outbox" ADD COLUMN "held_by_incident" text;--> statement-breakpoint
ALTER TABLE "servers" ADD COLUMN "depends_on_id" text;
CREATE TABLE "alert_silences" (
	"id" text PRIMARY KEY NOT NULL,
	"server_ids" jsonb NOT NULL,
	"tags" jsonb NOT NULL,
	"environments" jsonb NOT NULL,
	"severities" jsonb NOT NULL,
	"starts_at" bigint NOT NULL,
	"ends_at" bigint NOT NULL,
	"reason" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" bigint NOT NULL,
	"expired_at" bigint,
	"expired_by" text,
	"expire_reason" text,
	"released_at" bigint
);
--> statement-breakpoint
ALTER TABLE "alert_outbox" ADD COLUMN "silence_id" text;--> statement-breakpoint
CREATE INDEX "alert_silences_ends" ON "alert_silences" USING btree ("ends_at");
ALTER TABLE "alert_rules" ADD COLUMN "check_types" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "alert_silences" ADD COLUMN "check_types" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "check_types" jsonb DEFAULT '[]'::jsonb NOT NULL;
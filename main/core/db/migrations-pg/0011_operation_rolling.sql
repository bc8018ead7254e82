ALTER TABLE "operation_runs" ADD COLUMN "rolling" jsonb;--> statement-breakpoint
ALTER TABLE "operation_runs" ADD COLUMN "stop_reason" text;
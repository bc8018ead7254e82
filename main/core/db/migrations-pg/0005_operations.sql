CREATE TABLE "operation_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"command" text NOT NULL,
	"selector" jsonb NOT NULL,
	"concurrency" integer NOT NULL,
	"timeout_seconds" integer NOT NULL,
	"status" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" bigint NOT NULL,
	"finished_at" bigint
);
--> statement-breakpoint
CREATE TABLE "operation_targets" (
	"run_id" text NOT NULL,
	"server_id" text NOT NULL,
	"server_name" text NOT NULL,
	"address" text NOT NULL,
	"state" text NOT NULL,
	"exit_code" integer,
	"message" text,
	"started_at" bigint,
	"finished_at" bigint,
	"output" jsonb NOT NULL,
	"output_bytes" bigint NOT NULL,
	"truncated" boolean NOT NULL,
	"output_sha256" text,
	CONSTRAINT "operation_targets_run_id_server_id_pk" PRIMARY KEY("run_id","server_id")
);
--> statement-breakpoint
ALTER TABLE "operation_targets" ADD CONSTRAINT "operation_targets_run_id_operation_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."operation_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "operation_runs_created_at" ON "operation_runs" USING btree ("created_at");
CREATE TABLE "runbook_versions" (
	"runbook_id" text NOT NULL,
	"version" integer NOT NULL,
	"spec" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "runbook_versions_runbook_id_version_pk" PRIMARY KEY("runbook_id","version")
);
--> statement-breakpoint
CREATE TABLE "runbooks" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"name_key" text NOT NULL,
	"version" integer NOT NULL,
	"archived_at" bigint,
	"created_by" text NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "operation_runs" ADD COLUMN "runbook_id" text;--> statement-breakpoint
ALTER TABLE "operation_runs" ADD COLUMN "runbook_name" text;--> statement-breakpoint
ALTER TABLE "operation_runs" ADD COLUMN "runbook_version" integer;--> statement-breakpoint
ALTER TABLE "operation_runs" ADD COLUMN "params" jsonb;--> statement-breakpoint
ALTER TABLE "operation_runs" ADD COLUMN "sudo" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "operation_runs" ADD COLUMN "rerun_of" text;--> statement-breakpoint
ALTER TABLE "runbook_versions" ADD CONSTRAINT "runbook_versions_runbook_id_runbooks_id_fk" FOREIGN KEY ("runbook_id") REFERENCES "public"."runbooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "runbooks_name_key" ON "runbooks" USING btree ("name_key");
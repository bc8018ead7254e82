CREATE TABLE "terminal_recordings" (
	"id" text PRIMARY KEY NOT NULL,
	"server_id" text NOT NULL,
	"server_name" text NOT NULL,
	"address" text NOT NULL,
	"opened_by" text NOT NULL,
	"opened_by_name" text NOT NULL,
	"started_at" bigint NOT NULL,
	"ended_at" bigint NOT NULL,
	"end_reason" text NOT NULL,
	"cols" integer NOT NULL,
	"rows" integer NOT NULL,
	"output_bytes" bigint NOT NULL,
	"truncated" boolean NOT NULL,
	"recording_gz" "bytea" NOT NULL,
	"recording_bytes" integer NOT NULL,
	"sha256" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "terminal_recordings_started_at" ON "terminal_recordings" USING btree ("started_at");--> statement-breakpoint
CREATE INDEX "terminal_recordings_ended_at" ON "terminal_recordings" USING btree ("ended_at");
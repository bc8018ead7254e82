CREATE TABLE "server_check_limits" (
	"server_id" text PRIMARY KEY NOT NULL,
	"max_checks" integer NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "server_check_limits" ADD CONSTRAINT "server_check_limits_server_id_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."servers"("id") ON DELETE cascade ON UPDATE no action;
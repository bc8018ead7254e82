-- What another process changed, told to the processes that keep it in memory
-- (main/core/db/postgres/change-feed.ts): every committed change to the tables the health engine
-- holds (checks, the inventory, maintenance windows, per-server caps, the monitoring settings)
-- sends a notification naming the connection that made it. Each process names its connections
-- apart (application_name), so it counts only the others' and reloads only for them; SQLite's
-- data_version says the same by itself. A notification goes out when its transaction commits,
-- once per transaction for the same name, and never for one that rolls back.
-- Added by hand: triggers are this engine's alone.
CREATE FUNCTION guardian_tell_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('guardian_changes', current_setting('application_name'));
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER checks_told AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "checks" FOR EACH STATEMENT EXECUTE FUNCTION guardian_tell_change();--> statement-breakpoint
CREATE TRIGGER servers_told AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "servers" FOR EACH STATEMENT EXECUTE FUNCTION guardian_tell_change();--> statement-breakpoint
CREATE TRIGGER maintenance_windows_told AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "maintenance_windows" FOR EACH STATEMENT EXECUTE FUNCTION guardian_tell_change();--> statement-breakpoint
CREATE TRIGGER server_check_limits_told AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "server_check_limits" FOR EACH STATEMENT EXECUTE FUNCTION guardian_tell_change();--> statement-breakpoint
CREATE TRIGGER settings_told AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "settings" FOR EACH STATEMENT EXECUTE FUNCTION guardian_tell_change();

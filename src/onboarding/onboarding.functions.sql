-- The current definition of each database function and trigger this module owns, as PostgreSQL
-- spells it (pg_get_functiondef, pg_get_triggerdef). To change one, change it here and write a
-- migration that runs the same statement; migrations keep their own copies, so history replays as
-- it ran. test/db-functions.e2e-spec.ts compares the migrated database with these files
-- (`npm run sql:update` rewrites them from it).

-- function: guard_link_holder_update()
CREATE OR REPLACE FUNCTION public.guard_link_holder_update()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      BEGIN
        IF (NEW.id, NEW.organization_id, NEW.created_by, NEW.template_id, NEW.template_name, NEW.welcome_message,
            NEW.expires_at, NEW.total_steps, NEW.created_at, NEW.revoked_at, NEW.revoked_by, NEW.revoked_reason)
           IS DISTINCT FROM
           (OLD.id, OLD.organization_id, OLD.created_by, OLD.template_id, OLD.template_name, OLD.welcome_message,
            OLD.expires_at, OLD.total_steps, OLD.created_at, OLD.revoked_at, OLD.revoked_by, OLD.revoked_reason)
          OR (NEW.status IS DISTINCT FROM OLD.status AND NOT (OLD.status = 'active' AND NEW.status = 'used')) THEN
          RAISE EXCEPTION 'the link holder may only record progress' USING ERRCODE = '42501';
        END IF;
        RETURN NEW;
      END $function$;

-- function: link_holder_organization_name()
CREATE OR REPLACE FUNCTION public.link_holder_organization_name()
 RETURNS text
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
        SELECT o.name FROM onboarding_link_token t JOIN organization o ON o.id = t.organization_id
         WHERE app_role() = 'link_holder' AND t.link_token = app_link_token()
      $function$;

-- function: link_holder_organization_suspended()
CREATE OR REPLACE FUNCTION public.link_holder_organization_suspended()
 RETURNS boolean
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
        SELECT coalesce((SELECT o.status = 'suspended' FROM onboarding_link_token t JOIN organization o ON o.id = t.organization_id
                          WHERE app_role() = 'link_holder' AND t.link_token = app_link_token()), false)
      $function$;

-- trigger: trg_onboarding_link_holder_guard ON onboarding_link
CREATE TRIGGER trg_onboarding_link_holder_guard BEFORE UPDATE ON onboarding_link FOR EACH ROW WHEN (current_setting('app.user_role'::text, true) = 'link_holder'::text) EXECUTE FUNCTION guard_link_holder_update();

-- The current definition of each database function and trigger this module owns, as PostgreSQL
-- spells it (pg_get_functiondef, pg_get_triggerdef). To change one, change it here and write a
-- migration that runs the same statement; migrations keep their own copies, so history replays as
-- it ran. test/db-functions.e2e-spec.ts compares the migrated database with these files
-- (`npm run sql:update` rewrites them from it).

-- function: guard_user_role()
CREATE OR REPLACE FUNCTION public.guard_user_role()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      BEGIN
        IF app_role() = 'admin' AND ((TG_OP <> 'DELETE' AND NEW.role = 'owner') OR (TG_OP <> 'INSERT' AND OLD.role = 'owner')) THEN
          RAISE EXCEPTION 'only an owner or a platform role may create, change or remove an owner' USING ERRCODE = '42501';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $function$;

-- function: record_removed_user()
CREATE OR REPLACE FUNCTION public.record_removed_user()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
      BEGIN
        INSERT INTO removed_user (user_id, organization_id) VALUES (OLD.id, OLD.organization_id)
          ON CONFLICT (user_id) DO NOTHING;
        RETURN OLD;
      END $function$;

-- function: token_subject_standing(p_org uuid, p_user uuid)
CREATE OR REPLACE FUNCTION public.token_subject_standing(p_org uuid, p_user uuid)
 RETURNS TABLE(organization_status text, user_state text)
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
        SELECT (SELECT o.status::text FROM organization o WHERE o.id = p_org),
               coalesce((SELECT CASE WHEN u.organization_id = p_org THEN u.status::text ELSE 'other_organization' END
                           FROM "user" u WHERE u.id = p_user),
                        (SELECT 'removed' FROM removed_user r WHERE r.user_id = p_user))
      $function$;

-- trigger: trg_user_removed ON user
CREATE TRIGGER trg_user_removed AFTER DELETE ON "user" FOR EACH ROW EXECUTE FUNCTION record_removed_user();

-- trigger: trg_user_role_guard ON user
CREATE TRIGGER trg_user_role_guard BEFORE INSERT OR DELETE OR UPDATE ON "user" FOR EACH ROW EXECUTE FUNCTION guard_user_role();

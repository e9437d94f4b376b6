-- The current definition of each database function and trigger this module owns, as PostgreSQL
-- spells it (pg_get_functiondef, pg_get_triggerdef). To change one, change it here and write a
-- migration that runs the same statement; migrations keep their own copies, so history replays as
-- it ran. test/db-functions.e2e-spec.ts compares the migrated database with these files
-- (`npm run sql:update` rewrites them from it).

-- function: guard_organization_columns()
CREATE OR REPLACE FUNCTION public.guard_organization_columns()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      BEGIN
        IF NOT app_may_route() THEN
          IF NEW.instantly_workspace_id IS DISTINCT FROM OLD.instantly_workspace_id THEN
            RAISE EXCEPTION 'only platform roles may change instantly_workspace_id' USING ERRCODE = '42501';
          END IF;
          IF NEW.status IS DISTINCT FROM OLD.status THEN
            RAISE EXCEPTION 'only platform roles may change an organization status' USING ERRCODE = '42501';
          END IF;
        END IF;
        RETURN NEW;
      END $function$;

-- trigger: trg_organization_guard ON organization
CREATE TRIGGER trg_organization_guard BEFORE UPDATE ON organization FOR EACH ROW EXECUTE FUNCTION guard_organization_columns();

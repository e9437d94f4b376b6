-- The current definition of each database function and trigger this module owns, as PostgreSQL
-- spells it (pg_get_functiondef, pg_get_triggerdef). To change one, change it here and write a
-- migration that runs the same statement; migrations keep their own copies, so history replays as
-- it ran. test/db-functions.e2e-spec.ts compares the migrated database with these files
-- (`npm run sql:update` rewrites them from it).

-- function: guard_campaign_columns()
CREATE OR REPLACE FUNCTION public.guard_campaign_columns()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      BEGIN
        IF NOT app_may_route() AND (
             (TG_OP = 'INSERT' AND (NEW.instantly_campaign_id IS NOT NULL OR NEW.routes_events))
          OR (TG_OP = 'UPDATE' AND (NEW.instantly_campaign_id IS DISTINCT FROM OLD.instantly_campaign_id
                                    OR NEW.routes_events IS DISTINCT FROM OLD.routes_events))) THEN
          RAISE EXCEPTION 'only platform roles may set instantly_campaign_id' USING ERRCODE = '42501';
        END IF;
        RETURN NEW;
      END $function$;

-- trigger: trg_campaign_guard ON campaign
CREATE TRIGGER trg_campaign_guard BEFORE INSERT OR UPDATE ON campaign FOR EACH ROW EXECUTE FUNCTION guard_campaign_columns();

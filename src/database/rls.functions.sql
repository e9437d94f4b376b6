-- The current definition of each database function and trigger this module owns, as PostgreSQL
-- spells it (pg_get_functiondef, pg_get_triggerdef). To change one, change it here and write a
-- migration that runs the same statement; migrations keep their own copies, so history replays as
-- it ran. test/db-functions.e2e-spec.ts compares the migrated database with these files
-- (`npm run sql:update` rewrites them from it).

-- function: app_is_platform()
CREATE OR REPLACE FUNCTION public.app_is_platform()
 RETURNS boolean
 LANGUAGE sql
 STABLE PARALLEL SAFE
AS $function$ SELECT coalesce(app_role() IN ('sb_admin', 'sb_operator', 'system'), false) $function$;

-- function: app_link_id()
CREATE OR REPLACE FUNCTION public.app_link_id()
 RETURNS uuid
 LANGUAGE sql
 STABLE
AS $function$ SELECT link_id FROM onboarding_link_token WHERE link_token = app_link_token() $function$;

-- function: app_link_token()
CREATE OR REPLACE FUNCTION public.app_link_token()
 RETURNS text
 LANGUAGE sql
 STABLE PARALLEL SAFE
AS $function$ SELECT NULLIF(current_setting('app.link_token', true), '') $function$;

-- function: app_may_route()
CREATE OR REPLACE FUNCTION public.app_may_route()
 RETURNS boolean
 LANGUAGE sql
 STABLE
AS $function$
        SELECT app_is_platform()
            OR (app_role() IS NULL AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolsuper OR rolbypassrls)))
      $function$;

-- function: app_org_id()
CREATE OR REPLACE FUNCTION public.app_org_id()
 RETURNS uuid
 LANGUAGE sql
 STABLE PARALLEL SAFE
AS $function$ SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid $function$;

-- function: app_role()
CREATE OR REPLACE FUNCTION public.app_role()
 RETURNS text
 LANGUAGE sql
 STABLE PARALLEL SAFE
AS $function$ SELECT NULLIF(current_setting('app.user_role', true), '') $function$;

-- function: app_user_id()
CREATE OR REPLACE FUNCTION public.app_user_id()
 RETURNS uuid
 LANGUAGE sql
 STABLE PARALLEL SAFE
AS $function$ SELECT NULLIF(current_setting('app.current_user_id', true), '')::uuid $function$;

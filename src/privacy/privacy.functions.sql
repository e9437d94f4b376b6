-- The current definition of each database function and trigger this module owns, as PostgreSQL
-- spells it (pg_get_functiondef, pg_get_triggerdef). To change one, change it here and write a
-- migration that runs the same statement; migrations keep their own copies, so history replays as
-- it ran. test/db-functions.e2e-spec.ts compares the migrated database with these files
-- (`npm run sql:update` rewrites them from it).

-- function: privacy_erase_prepared(p_org uuid, p_email text, p_pattern text)
CREATE OR REPLACE FUNCTION public.privacy_erase_prepared(p_org uuid, p_email text, p_pattern text)
 RETURNS integer
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
      DECLARE
        t record;
        total integer := 0;
        n integer;
      BEGIN
        IF NOT (coalesce((SELECT app_is_platform()), false)
                OR ((SELECT app_role()) IN ('owner', 'admin') AND p_org = (SELECT app_org_id()))) THEN
          RAISE EXCEPTION 'not allowed to erase in this organization' USING ERRCODE = '42501';
        END IF;
        FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
                  WHERE s.nspname = 'webhook_log_prepared' AND c.relkind = 'r' LOOP
          EXECUTE format(
            'UPDATE webhook_log_prepared.%I SET payload = privacy_redact_payload(payload), contact_email = NULL,
                    error_message = regexp_replace(error_message, $3, ''[erased]'', ''gi''),
                    attempt_history = regexp_replace(attempt_history::text, $3, ''[erased]'', ''gi'')::jsonb
              WHERE organization_id = $1 AND contact_email = $2', t.relname)
            USING p_org, p_email, p_pattern;
          GET DIAGNOSTICS n = ROW_COUNT;
          total := total + n;
        END LOOP;
        RETURN total;
      END $function$;

-- function: privacy_redact_payload(p jsonb)
CREATE OR REPLACE FUNCTION public.privacy_redact_payload(p jsonb)
 RETURNS jsonb
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$
        SELECT CASE WHEN jsonb_typeof(p) <> 'object' THEN privacy_redact_value(p) ELSE coalesce((
          SELECT jsonb_object_agg(e.key, CASE WHEN e.key IN ('timestamp', 'event_type', 'workspace', 'campaign_id', 'campaign_name',
                                                             'email_account', 'step', 'variant', 'is_first', 'email_id')
                                              THEN e.value ELSE privacy_redact_value(e.value) END)
            FROM jsonb_each(p) e), '{}'::jsonb) END
      $function$;

-- function: privacy_redact_value(v jsonb)
CREATE OR REPLACE FUNCTION public.privacy_redact_value(v jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 IMMUTABLE PARALLEL SAFE
AS $function$
      BEGIN
        RETURN CASE jsonb_typeof(v)
          WHEN 'object' THEN coalesce((SELECT jsonb_object_agg(e.key, privacy_redact_value(e.value)) FROM jsonb_each(v) e), '{}'::jsonb)
          WHEN 'array' THEN coalesce((SELECT jsonb_agg(privacy_redact_value(e.value)) FROM jsonb_array_elements(v) e), '[]'::jsonb)
          WHEN 'null' THEN v
          WHEN 'boolean' THEN v
          ELSE to_jsonb('[erased]'::text)
        END;
      END $function$;

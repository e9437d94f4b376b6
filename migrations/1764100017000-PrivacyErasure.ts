import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A lead's personal data on request (GDPR Art. 15 and 17), routes under /api/admin/privacy:
 *
 * - privacy_subject: per organization, the keyed hash (HMAC-SHA256, never the email in clear) of
 *   every email erased there, when, and whether it is suppressed. Processing reads it: an event
 *   received before the erasure (still pending while it ran) or of a suppressed email is stored
 *   redacted and creates no contact.
 * - privacy_redact_payload(): a log's payload with the lead's fields replaced by the marker
 *   '[erased]': the event's structural fields (type, time, workspace, campaign, sending account,
 *   step, variant, email id) are kept, every other value (email, names, company, phone, reply text,
 *   the custom variables Instantly forwards at top level), at any depth, becomes the marker;
 *   keys, nulls and booleans keep the log's structure.
 * - webhook_log_org_erase: an organization's owner and admin may update their own organization's
 *   logs (the erasure does; nothing else in the service writes logs as them), so the erasure runs
 *   under the caller's own row-level security and cannot reach another organization's rows.
 * - privacy_erase_prepared(): the same redaction in the copies retention prepares
 *   (schema webhook_log_prepared, which the runtime role cannot use), checked against the
 *   caller's context as the policies would.
 */
export class PrivacyErasure1764100017000 implements MigrationInterface {
  name = 'PrivacyErasure1764100017000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE privacy_subject (
        organization_id uuid NOT NULL,
        email_hash varchar(64) NOT NULL,
        first_erased_at timestamptz NOT NULL DEFAULT now(),
        erased_at timestamptz NOT NULL DEFAULT now(),
        erasures integer NOT NULL DEFAULT 1,
        suppressed boolean NOT NULL DEFAULT false,
        CONSTRAINT pk_privacy_subject PRIMARY KEY (organization_id, email_hash),
        CONSTRAINT fk_privacy_subject_organization FOREIGN KEY (organization_id) REFERENCES organization (id) ON DELETE CASCADE,
        CONSTRAINT ck_privacy_subject_hash CHECK (email_hash ~ '^[0-9a-f]{64}$')
      );
      ALTER TABLE privacy_subject ENABLE ROW LEVEL SECURITY;
      ALTER TABLE privacy_subject FORCE ROW LEVEL SECURITY;
      GRANT SELECT, INSERT, UPDATE ON privacy_subject TO salesbrain_app;
      CREATE POLICY privacy_subject_platform_all ON privacy_subject FOR ALL
        USING ((SELECT app_is_platform())) WITH CHECK ((SELECT app_is_platform()));
      CREATE POLICY privacy_subject_org_manage ON privacy_subject FOR ALL
        USING ((SELECT app_role()) IN ('owner', 'admin') AND organization_id = (SELECT app_org_id()))
        WITH CHECK ((SELECT app_role()) IN ('owner', 'admin') AND organization_id = (SELECT app_org_id()));

      CREATE POLICY webhook_log_org_erase ON webhook_log FOR UPDATE
        USING ((SELECT app_role()) IN ('owner', 'admin') AND organization_id = (SELECT app_org_id()))
        WITH CHECK ((SELECT app_role()) IN ('owner', 'admin') AND organization_id = (SELECT app_org_id()));

      CREATE FUNCTION privacy_redact_value(v jsonb) RETURNS jsonb
        LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
      BEGIN
        RETURN CASE jsonb_typeof(v)
          WHEN 'object' THEN coalesce((SELECT jsonb_object_agg(e.key, privacy_redact_value(e.value)) FROM jsonb_each(v) e), '{}'::jsonb)
          WHEN 'array' THEN coalesce((SELECT jsonb_agg(privacy_redact_value(e.value)) FROM jsonb_array_elements(v) e), '[]'::jsonb)
          WHEN 'null' THEN v
          WHEN 'boolean' THEN v
          ELSE to_jsonb('[erased]'::text)
        END;
      END $fn$;

      CREATE FUNCTION privacy_redact_payload(p jsonb) RETURNS jsonb
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
        SELECT CASE WHEN jsonb_typeof(p) <> 'object' THEN privacy_redact_value(p) ELSE coalesce((
          SELECT jsonb_object_agg(e.key, CASE WHEN e.key IN ('timestamp', 'event_type', 'workspace', 'campaign_id', 'campaign_name',
                                                             'email_account', 'step', 'variant', 'is_first', 'email_id')
                                              THEN e.value ELSE privacy_redact_value(e.value) END)
            FROM jsonb_each(p) e), '{}'::jsonb) END
      $fn$;

      CREATE FUNCTION privacy_erase_prepared(p_org uuid, p_email text, p_pattern text) RETURNS integer
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
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
      END $fn$;
      REVOKE ALL ON FUNCTION privacy_erase_prepared(uuid, text, text) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION privacy_erase_prepared(uuid, text, text) TO salesbrain_app;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION IF EXISTS privacy_erase_prepared(uuid, text, text);
      DROP FUNCTION IF EXISTS privacy_redact_payload(jsonb);
      DROP FUNCTION IF EXISTS privacy_redact_value(jsonb);
      DROP POLICY IF EXISTS webhook_log_org_erase ON webhook_log;
      DROP TABLE IF EXISTS privacy_subject;
    `);
  }
}

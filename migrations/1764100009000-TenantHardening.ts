import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The database enforces what the contract says of who may change what (an outside review found
 * the policies wider than the code):
 *
 * - Routing identifiers (organization.instantly_workspace_id, campaign.instantly_campaign_id) and
 *   an organization's status are written only by platform roles and `system` (webhook processing):
 *   an owner who pointed their organization at another tenant's Instantly workspace would receive
 *   that tenant's events. Policies are per row, so these per-column rules are BEFORE triggers that
 *   read the transaction's context.
 * - An `admin` may not create, promote or edit an `owner`.
 * - User emails are unique per organization: a global rule answered 409 for another tenant's email
 *   and so told an organization which emails exist elsewhere.
 * - Onboarding link tokens move to onboarding_link_token, readable by platform roles, the link's
 *   organization's owner and admin, and the holder of that very token; members and viewers list
 *   links without them. The link holder may update only a link's progress and tracking columns,
 *   and reads its organization's name through a function instead of the whole organization row.
 * - Each organization gets its own Instantly receiver credential (stored as a SHA-256 hash; the
 *   secret is 256 random bits, so a slow hash adds nothing), readable and rotatable by platform
 *   roles and the organization's owner. webhook_log.credential_org_id records which
 *   organization's credential received an event; processing writes such an event into that
 *   organization only.
 *
 * The guards let through a superuser or BYPASSRLS session without any context (an operator
 * at psql); every request and job sets a context, so they are always checked there.
 */
export class TenantHardening1764100009000 implements MigrationInterface {
  name = 'TenantHardening1764100009000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION app_may_route() RETURNS boolean LANGUAGE sql STABLE AS $$
        SELECT app_is_platform()
            OR (app_role() IS NULL AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolsuper OR rolbypassrls)))
      $$;

      CREATE FUNCTION guard_organization_columns() RETURNS trigger LANGUAGE plpgsql AS $$
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
      END $$;
      CREATE TRIGGER trg_organization_guard BEFORE UPDATE ON organization
        FOR EACH ROW EXECUTE FUNCTION guard_organization_columns();

      CREATE FUNCTION guard_campaign_columns() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT app_may_route() AND (
             (TG_OP = 'INSERT' AND NEW.instantly_campaign_id IS NOT NULL)
          OR (TG_OP = 'UPDATE' AND NEW.instantly_campaign_id IS DISTINCT FROM OLD.instantly_campaign_id)) THEN
          RAISE EXCEPTION 'only platform roles may set instantly_campaign_id' USING ERRCODE = '42501';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER trg_campaign_guard BEFORE INSERT OR UPDATE ON campaign
        FOR EACH ROW EXECUTE FUNCTION guard_campaign_columns();

      CREATE FUNCTION guard_user_role() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF app_role() = 'admin' AND ((TG_OP <> 'DELETE' AND NEW.role = 'owner') OR (TG_OP <> 'INSERT' AND OLD.role = 'owner')) THEN
          RAISE EXCEPTION 'only an owner or a platform role may create, change or remove an owner' USING ERRCODE = '42501';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$;
      CREATE TRIGGER trg_user_role_guard BEFORE INSERT OR UPDATE OR DELETE ON "user"
        FOR EACH ROW EXECUTE FUNCTION guard_user_role();

      DROP INDEX uq_user_email;
      CREATE UNIQUE INDEX uq_user_org_email ON "user" (organization_id, lower(email));
    `);

    // Onboarding tokens in a table of their own.
    await q.query(`
      ALTER TABLE onboarding_link ADD CONSTRAINT uq_onboarding_link_id_org UNIQUE (id, organization_id);
      CREATE TABLE onboarding_link_token (
        link_id uuid NOT NULL,
        organization_id uuid NOT NULL,
        link_token varchar(100) NOT NULL,
        link_url text NOT NULL,
        CONSTRAINT pk_onboarding_link_token PRIMARY KEY (link_id),
        -- With the organization: a token row can only name a link of its own organization (the
        -- foreign key is checked without RLS, so link_id alone would accept another tenant's link).
        CONSTRAINT fk_onboarding_link_token_link FOREIGN KEY (link_id, organization_id)
          REFERENCES onboarding_link (id, organization_id) ON DELETE CASCADE,
        CONSTRAINT fk_onboarding_link_token_organization FOREIGN KEY (organization_id) REFERENCES organization (id) ON DELETE CASCADE
      );
      CREATE UNIQUE INDEX uq_onboarding_link_token ON onboarding_link_token (link_token);
      CREATE INDEX idx_onboarding_link_token_org ON onboarding_link_token (organization_id);
      INSERT INTO onboarding_link_token (link_id, organization_id, link_token, link_url)
        SELECT id, organization_id, link_token, link_url FROM onboarding_link;

      ALTER TABLE onboarding_link_token ENABLE ROW LEVEL SECURITY;
      ALTER TABLE onboarding_link_token FORCE ROW LEVEL SECURITY;
      GRANT SELECT, INSERT, DELETE ON onboarding_link_token TO salesbrain_app;
      CREATE POLICY onboarding_link_token_platform_all ON onboarding_link_token FOR ALL
        USING ((SELECT app_is_platform())) WITH CHECK ((SELECT app_is_platform()));
      CREATE POLICY onboarding_link_token_org_manage ON onboarding_link_token FOR ALL
        USING ((SELECT app_role()) IN ('owner', 'admin') AND organization_id = (SELECT app_org_id()))
        WITH CHECK ((SELECT app_role()) IN ('owner', 'admin') AND organization_id = (SELECT app_org_id()));
      CREATE POLICY onboarding_link_token_holder_select ON onboarding_link_token FOR SELECT
        USING ((SELECT app_role()) = 'link_holder' AND link_token = (SELECT app_link_token()));

      DROP POLICY onboarding_link_holder_select ON onboarding_link;
      DROP POLICY onboarding_link_holder_update ON onboarding_link;
      DROP POLICY organization_link_holder_select ON organization;
      DROP POLICY activity_log_link_holder_insert ON activity_log;
      DROP INDEX idx_onboarding_link_token;
      ALTER TABLE onboarding_link DROP COLUMN link_token, DROP COLUMN link_url;

      CREATE FUNCTION app_link_id() RETURNS uuid LANGUAGE sql STABLE AS
        $$ SELECT link_id FROM onboarding_link_token WHERE link_token = app_link_token() $$;
      CREATE POLICY onboarding_link_holder_select ON onboarding_link FOR SELECT
        USING ((SELECT app_role()) = 'link_holder' AND id = (SELECT app_link_id()));
      CREATE POLICY onboarding_link_holder_update ON onboarding_link FOR UPDATE
        USING ((SELECT app_role()) = 'link_holder' AND id = (SELECT app_link_id()))
        WITH CHECK ((SELECT app_role()) = 'link_holder' AND id = (SELECT app_link_id()));
      CREATE POLICY activity_log_link_holder_insert ON activity_log FOR INSERT
        WITH CHECK ((SELECT app_role()) = 'link_holder' AND action = 'onboarding.completed'
                    AND organization_id IN (SELECT organization_id FROM onboarding_link_token WHERE link_token = (SELECT app_link_token())));

      -- The link holder changes progress and access tracking, and may complete an active link.
      -- Every other column is named here (a column added later must be added too): comparing
      -- whole rows as jsonb would copy the 100-entry access histories on every access.
      CREATE FUNCTION guard_link_holder_update() RETURNS trigger LANGUAGE plpgsql AS $$
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
      END $$;
      CREATE TRIGGER trg_onboarding_link_holder_guard BEFORE UPDATE ON onboarding_link
        FOR EACH ROW WHEN (current_setting('app.user_role', true) = 'link_holder') EXECUTE FUNCTION guard_link_holder_update();

      -- The name of the organization whose link the holder presented, and nothing else of it.
      -- SECURITY DEFINER: the holder has no policy on organization. As with the search function,
      -- the owner (who runs the migrations) must bypass RLS for it to answer.
      CREATE FUNCTION link_holder_organization_name() RETURNS text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT o.name FROM onboarding_link_token t JOIN organization o ON o.id = t.organization_id
         WHERE app_role() = 'link_holder' AND t.link_token = app_link_token()
      $$;
      REVOKE ALL ON FUNCTION link_holder_organization_name() FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION link_holder_organization_name() TO salesbrain_app;
    `);

    // Per-organization Instantly receiver credentials.
    await q.query(`
      CREATE TABLE organization_webhook_credential (
        organization_id uuid NOT NULL,
        secret_hash char(64) NOT NULL,
        secret_prefix varchar(16) NOT NULL,
        previous_secret_hash char(64),
        previous_valid_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        rotated_at timestamptz NOT NULL DEFAULT now(),
        rotated_by uuid,
        CONSTRAINT pk_organization_webhook_credential PRIMARY KEY (organization_id),
        CONSTRAINT fk_organization_webhook_credential_organization FOREIGN KEY (organization_id) REFERENCES organization (id) ON DELETE CASCADE
      );
      CREATE UNIQUE INDEX uq_organization_webhook_credential_secret ON organization_webhook_credential (secret_hash);
      CREATE INDEX idx_organization_webhook_credential_previous ON organization_webhook_credential (previous_secret_hash)
        WHERE previous_secret_hash IS NOT NULL;
      ALTER TABLE organization_webhook_credential ENABLE ROW LEVEL SECURITY;
      ALTER TABLE organization_webhook_credential FORCE ROW LEVEL SECURITY;
      GRANT SELECT, INSERT, UPDATE ON organization_webhook_credential TO salesbrain_app;
      CREATE POLICY organization_webhook_credential_platform_all ON organization_webhook_credential FOR ALL
        USING ((SELECT app_is_platform())) WITH CHECK ((SELECT app_is_platform()));
      CREATE POLICY organization_webhook_credential_owner ON organization_webhook_credential FOR ALL
        USING ((SELECT app_role()) = 'owner' AND organization_id = (SELECT app_org_id()))
        WITH CHECK ((SELECT app_role()) = 'owner' AND organization_id = (SELECT app_org_id()));

      ALTER TABLE webhook_log ADD COLUMN credential_org_id uuid;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE webhook_log DROP COLUMN IF EXISTS credential_org_id;
      DROP TABLE IF EXISTS organization_webhook_credential;

      DROP FUNCTION IF EXISTS link_holder_organization_name();
      DROP TRIGGER IF EXISTS trg_onboarding_link_holder_guard ON onboarding_link;
      DROP FUNCTION IF EXISTS guard_link_holder_update();
      DROP POLICY IF EXISTS activity_log_link_holder_insert ON activity_log;
      DROP POLICY IF EXISTS onboarding_link_holder_update ON onboarding_link;
      DROP POLICY IF EXISTS onboarding_link_holder_select ON onboarding_link;
      DROP FUNCTION IF EXISTS app_link_id();
      ALTER TABLE onboarding_link ADD COLUMN link_token varchar(100), ADD COLUMN link_url text;
      UPDATE onboarding_link l SET link_token = t.link_token, link_url = t.link_url FROM onboarding_link_token t WHERE t.link_id = l.id;
      ALTER TABLE onboarding_link ALTER COLUMN link_token SET NOT NULL, ALTER COLUMN link_url SET NOT NULL;
      CREATE UNIQUE INDEX idx_onboarding_link_token ON onboarding_link (link_token);
      DROP TABLE onboarding_link_token;
      ALTER TABLE onboarding_link DROP CONSTRAINT uq_onboarding_link_id_org;
      CREATE POLICY onboarding_link_holder_select ON onboarding_link FOR SELECT
        USING ((SELECT app_role()) = 'link_holder' AND link_token = (SELECT app_link_token()));
      CREATE POLICY onboarding_link_holder_update ON onboarding_link FOR UPDATE
        USING ((SELECT app_role()) = 'link_holder' AND link_token = (SELECT app_link_token()))
        WITH CHECK ((SELECT app_role()) = 'link_holder' AND link_token = (SELECT app_link_token()));
      CREATE POLICY organization_link_holder_select ON organization FOR SELECT
        USING ((SELECT app_role()) = 'link_holder' AND id IN (SELECT organization_id FROM onboarding_link WHERE link_token = (SELECT app_link_token())));
      CREATE POLICY activity_log_link_holder_insert ON activity_log FOR INSERT
        WITH CHECK ((SELECT app_role()) = 'link_holder' AND action = 'onboarding.completed'
                    AND organization_id IN (SELECT organization_id FROM onboarding_link WHERE link_token = (SELECT app_link_token())));

      DROP INDEX IF EXISTS uq_user_org_email;
      CREATE UNIQUE INDEX uq_user_email ON "user" (lower(email));
      DROP TRIGGER IF EXISTS trg_user_role_guard ON "user";
      DROP FUNCTION IF EXISTS guard_user_role();
      DROP TRIGGER IF EXISTS trg_campaign_guard ON campaign;
      DROP FUNCTION IF EXISTS guard_campaign_columns();
      DROP TRIGGER IF EXISTS trg_organization_guard ON organization;
      DROP FUNCTION IF EXISTS guard_organization_columns();
      DROP FUNCTION IF EXISTS app_may_route();
    `);
  }
}

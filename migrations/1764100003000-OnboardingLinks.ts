import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * onboarding_link as in the roadmap (tokens are made in Node from a CSPRNG, so the roadmap's
 * pgcrypto-based token function is not needed), its policies plus WITH CHECK and `system`.
 *
 * Public access by token: the public routes run as the context role `link_holder` with
 * app.link_token set to the presented token. The policies below let that context see and update
 * exactly the one link whose token it holds, read that link's organization name, and record the
 * link's completion; nothing else is visible to it.
 *
 * job_run: one row per scheduled job and time slot, so a job fired on several instances at the
 * same moment runs once.
 */
export class OnboardingLinks1764100003000 implements MigrationInterface {
  name = 'OnboardingLinks1764100003000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION app_link_token() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
        $$ SELECT NULLIF(current_setting('app.link_token', true), '') $$;

      CREATE TABLE onboarding_link (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL,
        created_by uuid,
        link_token varchar(100) NOT NULL,
        link_url text NOT NULL,
        template_id uuid,
        template_name varchar(100),
        welcome_message text,
        status varchar(20) NOT NULL DEFAULT 'active',
        expires_at timestamptz NOT NULL,
        clicks_count integer NOT NULL DEFAULT 0,
        first_accessed_at timestamptz,
        last_accessed_at timestamptz,
        completed_at timestamptz,
        current_step integer NOT NULL DEFAULT 1,
        total_steps integer NOT NULL DEFAULT 5,
        progress_percentage integer NOT NULL DEFAULT 0,
        ip_addresses jsonb NOT NULL DEFAULT '[]'::jsonb,
        user_agents jsonb NOT NULL DEFAULT '[]'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        revoked_by uuid,
        revoked_reason text,
        CONSTRAINT pk_onboarding_link PRIMARY KEY (id),
        CONSTRAINT fk_onboarding_link_organization FOREIGN KEY (organization_id) REFERENCES organization (id) ON DELETE CASCADE,
        CONSTRAINT fk_onboarding_link_created_by FOREIGN KEY (created_by) REFERENCES "user" (id) ON DELETE SET NULL,
        CONSTRAINT fk_onboarding_link_revoked_by FOREIGN KEY (revoked_by) REFERENCES "user" (id) ON DELETE SET NULL,
        CONSTRAINT ck_onboarding_link_status CHECK (status IN ('active', 'expired', 'used', 'revoked')),
        CONSTRAINT ck_onboarding_link_steps CHECK (total_steps BETWEEN 1 AND 50 AND current_step BETWEEN 1 AND total_steps),
        CONSTRAINT ck_onboarding_link_progress CHECK (progress_percentage BETWEEN 0 AND 100)
      ) WITH (fillfactor = 70);
      CREATE UNIQUE INDEX idx_onboarding_link_token ON onboarding_link (link_token);
      -- No index mentions status (the roadmap's status and partial "active" indexes are left out)
      -- or the tracking columns: with free space on each page (fillfactor 70), expiring,
      -- revoking, completing and tracking an access are HOT updates that touch no index. The
      -- daily expiry finds its rows through expires_at.
      CREATE INDEX idx_onboarding_link_org ON onboarding_link (organization_id, created_at DESC);
      CREATE INDEX idx_onboarding_link_expires ON onboarding_link (expires_at);
      CREATE INDEX idx_onboarding_link_creator ON onboarding_link (created_by) WHERE created_by IS NOT NULL;
      CREATE INDEX idx_onboarding_link_created ON onboarding_link (created_at DESC, id DESC);

      ALTER TABLE onboarding_link ENABLE ROW LEVEL SECURITY;
      ALTER TABLE onboarding_link FORCE ROW LEVEL SECURITY;
      GRANT SELECT, INSERT, UPDATE, DELETE ON onboarding_link TO salesbrain_app;

      CREATE POLICY onboarding_link_admin_all ON onboarding_link FOR ALL
        USING (app_is_platform()) WITH CHECK (app_is_platform());
      CREATE POLICY onboarding_link_org_select ON onboarding_link FOR SELECT
        USING (app_role() IN ('owner', 'admin', 'member') AND organization_id = app_org_id());
      CREATE POLICY onboarding_link_admin_manage ON onboarding_link FOR ALL
        USING (app_role() IN ('owner', 'admin') AND organization_id = app_org_id())
        WITH CHECK (app_role() IN ('owner', 'admin') AND organization_id = app_org_id());
      CREATE POLICY onboarding_link_holder_select ON onboarding_link FOR SELECT
        USING (app_role() = 'link_holder' AND link_token = app_link_token());
      CREATE POLICY onboarding_link_holder_update ON onboarding_link FOR UPDATE
        USING (app_role() = 'link_holder' AND link_token = app_link_token())
        WITH CHECK (app_role() = 'link_holder' AND link_token = app_link_token());

      CREATE POLICY organization_link_holder_select ON organization FOR SELECT
        USING (app_role() = 'link_holder' AND id IN (SELECT organization_id FROM onboarding_link WHERE link_token = app_link_token()));

      CREATE POLICY activity_log_link_holder_insert ON activity_log FOR INSERT
        WITH CHECK (app_role() = 'link_holder' AND action = 'onboarding.completed'
                    AND organization_id IN (SELECT organization_id FROM onboarding_link WHERE link_token = app_link_token()));

      CREATE TABLE job_run (
        job varchar(60) NOT NULL,
        slot timestamptz NOT NULL,
        instance varchar(100) NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        result jsonb,
        CONSTRAINT pk_job_run PRIMARY KEY (job, slot)
      );
      ALTER TABLE job_run ENABLE ROW LEVEL SECURITY;
      ALTER TABLE job_run FORCE ROW LEVEL SECURITY;
      GRANT SELECT, INSERT, UPDATE ON job_run TO salesbrain_app;
      CREATE POLICY job_run_system ON job_run FOR ALL
        USING (app_is_platform()) WITH CHECK (app_is_platform());
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS job_run;
      DROP POLICY IF EXISTS activity_log_link_holder_insert ON activity_log;
      DROP POLICY IF EXISTS organization_link_holder_select ON organization;
      DROP TABLE IF EXISTS onboarding_link;
      DROP FUNCTION IF EXISTS app_link_token();
    `);
  }
}

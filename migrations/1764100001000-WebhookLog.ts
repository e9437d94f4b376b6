import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * webhook_log: every received event, stored before the sender gets its 200, then processed by
 * workers. activity_log: the feed of what admins did and what processing noticed.
 *
 * organization_id stays null until processing maps the event to an organization; such rows are
 * visible to platform roles only (the org policies compare against a non-null org id).
 */
export class WebhookLog1764100001000 implements MigrationInterface {
  name = 'WebhookLog1764100001000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_log (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        organization_id uuid,
        event_source varchar(20) NOT NULL,
        event_type varchar(100) NOT NULL,
        raw_event_type varchar(200),
        status varchar(20) NOT NULL DEFAULT 'pending',
        dedup_key varchar(64) NOT NULL,
        payload jsonb NOT NULL,
        workspace_id varchar(100),
        instantly_campaign_id varchar(100),
        campaign_id uuid,
        campaign_name varchar(300),
        contact_email varchar(320),
        error_message text,
        attempt_history jsonb NOT NULL DEFAULT '[]'::jsonb,
        retry_count integer NOT NULL DEFAULT 0,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        last_retry_at timestamptz,
        processed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_webhook_log PRIMARY KEY (id),
        CONSTRAINT uq_webhook_log_dedup UNIQUE (event_source, dedup_key),
        CONSTRAINT fk_webhook_log_organization FOREIGN KEY (organization_id) REFERENCES organization (id) ON DELETE SET NULL,
        CONSTRAINT fk_webhook_log_campaign FOREIGN KEY (campaign_id) REFERENCES campaign (id) ON DELETE SET NULL,
        CONSTRAINT ck_webhook_log_source CHECK (event_source IN ('instantly', 'weconnect', 'n8n', 'zapier', 'make', 'custom', 'manual', 'system')),
        CONSTRAINT ck_webhook_log_status CHECK (status IN ('pending', 'processing', 'processed', 'failed', 'skipped'))
      );
      -- Newest-first lists, overall and per organization, with a stable tie-breaker for cursors.
      CREATE INDEX idx_webhook_log_created ON webhook_log (created_at DESC, id DESC);
      CREATE INDEX idx_webhook_log_org_created ON webhook_log (organization_id, created_at DESC, id DESC);
      CREATE INDEX idx_webhook_log_status_created ON webhook_log (status, created_at DESC, id DESC);
      CREATE INDEX idx_webhook_log_org_status_created ON webhook_log (organization_id, status, created_at DESC, id DESC);
      CREATE INDEX idx_webhook_log_org_type_created ON webhook_log (organization_id, event_type, created_at DESC, id DESC);
      CREATE INDEX idx_webhook_log_type_created ON webhook_log (event_type, created_at DESC, id DESC);
      CREATE INDEX idx_webhook_log_source_created ON webhook_log (event_source, created_at DESC, id DESC);
      CREATE INDEX idx_webhook_log_campaign_created ON webhook_log (campaign_id, created_at DESC) WHERE campaign_id IS NOT NULL;
      CREATE INDEX idx_webhook_log_contact_email ON webhook_log (contact_email, created_at DESC) WHERE contact_email IS NOT NULL;
      -- No trigram index for the substring search: under FORCE ROW LEVEL SECURITY, PostgreSQL may
      -- not evaluate a non-leakproof operator such as ILIKE inside an index scan before the policy,
      -- so such an index would never be used and would only slow every write. The exact
      -- contact_email filter (plain equality, leakproof) uses idx_webhook_log_contact_email.
      -- What the workers claim: due pending logs, and processing logs whose lease ran out.
      CREATE INDEX idx_webhook_log_due ON webhook_log (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX idx_webhook_log_leased ON webhook_log (locked_until) WHERE status = 'processing';

      ALTER TABLE webhook_log ENABLE ROW LEVEL SECURITY;
      ALTER TABLE webhook_log FORCE ROW LEVEL SECURITY;
      GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_log TO salesbrain_app;

      CREATE POLICY webhook_log_platform_all ON webhook_log FOR ALL
        USING (app_is_platform()) WITH CHECK (app_is_platform());
      -- Viewers do not see webhook logs (contract section 1); nobody in an organization writes them.
      CREATE POLICY webhook_log_org_select ON webhook_log FOR SELECT
        USING (app_role() IN ('owner', 'admin', 'member') AND organization_id = app_org_id());

      CREATE TABLE activity_log (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        organization_id uuid,
        actor_id uuid,
        actor_role varchar(20) NOT NULL,
        action varchar(60) NOT NULL,
        target_type varchar(40),
        target_id uuid,
        item_count integer NOT NULL DEFAULT 1,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_activity_log PRIMARY KEY (id),
        CONSTRAINT fk_activity_log_organization FOREIGN KEY (organization_id) REFERENCES organization (id) ON DELETE CASCADE
      );
      CREATE INDEX idx_activity_log_created ON activity_log (created_at DESC, id DESC);
      CREATE INDEX idx_activity_log_org_created ON activity_log (organization_id, created_at DESC, id DESC);

      ALTER TABLE activity_log ENABLE ROW LEVEL SECURITY;
      ALTER TABLE activity_log FORCE ROW LEVEL SECURITY;
      GRANT SELECT, INSERT ON activity_log TO salesbrain_app;
      CREATE POLICY activity_log_platform_all ON activity_log FOR ALL
        USING (app_is_platform()) WITH CHECK (app_is_platform());
      CREATE POLICY activity_log_org_select ON activity_log FOR SELECT
        USING (app_role() IN ('owner', 'admin') AND organization_id = app_org_id());
      -- An organization's managers record their own actions, in their own organization only.
      CREATE POLICY activity_log_org_insert ON activity_log FOR INSERT
        WITH CHECK (app_role() IN ('owner', 'admin') AND organization_id = app_org_id());
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS activity_log; DROP TABLE IF EXISTS webhook_log;`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The roadmap's assignment tables, with its policies plus WITH CHECK and a `system` policy
 * (webhook processing auto-assigns new contacts). One change from the roadmap: a contact has at
 * most one active owner (partial unique index), so auto-assignment can never give it twice.
 * The roadmap's per-row count functions are left out: the user list counts in one grouped query.
 */
export class Assignments1764100002000 implements MigrationInterface {
  name = 'Assignments1764100002000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE user_campaign_assignment (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        campaign_id uuid NOT NULL,
        organization_id uuid NOT NULL,
        assigned_by uuid,
        assigned_at timestamptz NOT NULL DEFAULT now(),
        role varchar(50) NOT NULL DEFAULT 'member',
        can_edit boolean NOT NULL DEFAULT false,
        can_view_stats boolean NOT NULL DEFAULT true,
        can_manage_contacts boolean NOT NULL DEFAULT false,
        status varchar(20) NOT NULL DEFAULT 'active',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_user_campaign_assignment PRIMARY KEY (id),
        CONSTRAINT uq_user_campaign UNIQUE (user_id, campaign_id),
        CONSTRAINT fk_uca_user FOREIGN KEY (user_id) REFERENCES "user" (id) ON DELETE CASCADE,
        CONSTRAINT fk_uca_campaign FOREIGN KEY (campaign_id) REFERENCES campaign (id) ON DELETE CASCADE,
        CONSTRAINT fk_uca_organization FOREIGN KEY (organization_id) REFERENCES organization (id) ON DELETE CASCADE,
        CONSTRAINT fk_uca_assigned_by FOREIGN KEY (assigned_by) REFERENCES "user" (id) ON DELETE SET NULL,
        CONSTRAINT ck_uca_role CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
        CONSTRAINT ck_uca_status CHECK (status IN ('active', 'inactive', 'revoked'))
      );
      CREATE INDEX idx_user_campaign_user ON user_campaign_assignment (user_id);
      CREATE INDEX idx_user_campaign_campaign ON user_campaign_assignment (campaign_id);
      CREATE INDEX idx_user_campaign_org ON user_campaign_assignment (organization_id);
      CREATE INDEX idx_user_campaign_status ON user_campaign_assignment (status) WHERE status = 'active';

      CREATE TABLE user_contact_assignment (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        contact_id uuid NOT NULL,
        organization_id uuid NOT NULL,
        assigned_by uuid,
        assigned_at timestamptz NOT NULL DEFAULT now(),
        assignment_type varchar(50) NOT NULL DEFAULT 'manual',
        is_primary_owner boolean NOT NULL DEFAULT true,
        ownership_percentage integer NOT NULL DEFAULT 100,
        status varchar(20) NOT NULL DEFAULT 'active',
        last_contacted_at timestamptz,
        next_followup_at timestamptz,
        interactions_count integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_user_contact_assignment PRIMARY KEY (id),
        CONSTRAINT uq_user_contact UNIQUE (user_id, contact_id),
        CONSTRAINT fk_ucoa_user FOREIGN KEY (user_id) REFERENCES "user" (id) ON DELETE CASCADE,
        CONSTRAINT fk_ucoa_contact FOREIGN KEY (contact_id) REFERENCES contact (id) ON DELETE CASCADE,
        CONSTRAINT fk_ucoa_organization FOREIGN KEY (organization_id) REFERENCES organization (id) ON DELETE CASCADE,
        CONSTRAINT fk_ucoa_assigned_by FOREIGN KEY (assigned_by) REFERENCES "user" (id) ON DELETE SET NULL,
        CONSTRAINT ck_ucoa_type CHECK (assignment_type IN ('manual', 'round_robin', 'lead_score', 'territory')),
        CONSTRAINT ck_ucoa_status CHECK (status IN ('active', 'inactive', 'transferred')),
        CONSTRAINT ck_ucoa_percentage CHECK (ownership_percentage BETWEEN 0 AND 100)
      );
      CREATE INDEX idx_user_contact_user ON user_contact_assignment (user_id);
      CREATE INDEX idx_user_contact_contact ON user_contact_assignment (contact_id);
      CREATE INDEX idx_user_contact_org ON user_contact_assignment (organization_id);
      CREATE INDEX idx_user_contact_status ON user_contact_assignment (status) WHERE status = 'active';
      CREATE INDEX idx_user_contact_next_followup ON user_contact_assignment (next_followup_at) WHERE next_followup_at IS NOT NULL;
      CREATE UNIQUE INDEX uq_user_contact_one_active_owner ON user_contact_assignment (contact_id) WHERE status = 'active';
      CREATE INDEX idx_user_contact_user_active ON user_contact_assignment (user_id) WHERE status = 'active';
    `);

    for (const [table, short] of [
      ['user_campaign_assignment', 'user_campaign'],
      ['user_contact_assignment', 'user_contact'],
    ]) {
      await q.query(`
        ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
        ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO salesbrain_app;
        CREATE POLICY ${short}_admin_all ON ${table} FOR ALL
          USING (app_is_platform()) WITH CHECK (app_is_platform());
        CREATE POLICY ${short}_org_select ON ${table} FOR SELECT
          USING (app_role() IN ('owner', 'admin', 'member') AND organization_id = app_org_id());
        CREATE POLICY ${short}_admin_manage ON ${table} FOR ALL
          USING (app_role() IN ('owner', 'admin') AND organization_id = app_org_id())
          WITH CHECK (app_role() IN ('owner', 'admin') AND organization_id = app_org_id());
      `);
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS user_contact_assignment; DROP TABLE IF EXISTS user_campaign_assignment;`);
  }
}

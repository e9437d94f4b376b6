import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Core tenant tables, the runtime role and row-level security.
 *
 * Policies read the request's context through app_role() / app_org_id(), which wrap
 * current_setting(..., true) with NULLIF: a pooled connection that once ran a transaction with
 * set_config(..., true) returns '' rather than NULL afterwards, and ''::uuid would raise.
 *
 * The runtime role is NOLOGIN, NOSUPERUSER, NOBYPASSRLS: every request and job switches to it
 * inside its own transaction, so RLS applies even when the pool itself connected as the owner.
 * Roles are cluster-wide, so it is created only when missing and never dropped on revert.
 */
export class Foundation1764100000000 implements MigrationInterface {
  name = 'Foundation1764100000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'salesbrain_app') THEN
          CREATE ROLE salesbrain_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
        END IF;
      END
      $$;
    `);
    await q.query(`GRANT USAGE ON SCHEMA public TO salesbrain_app`);

    await q.query(`
      CREATE FUNCTION app_role() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
        $$ SELECT NULLIF(current_setting('app.user_role', true), '') $$;
      CREATE FUNCTION app_org_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
        $$ SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid $$;
      CREATE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
        $$ SELECT NULLIF(current_setting('app.current_user_id', true), '')::uuid $$;
      CREATE FUNCTION app_is_platform() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS
        $$ SELECT coalesce(app_role() IN ('sb_admin', 'sb_operator', 'system'), false) $$;
    `);

    await q.query(`
      CREATE TABLE organization (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        instantly_workspace_id varchar(100),
        auto_assign_strategy varchar(20),
        status varchar(20) NOT NULL DEFAULT 'active',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_organization PRIMARY KEY (id),
        CONSTRAINT uq_organization_instantly_workspace UNIQUE (instantly_workspace_id),
        CONSTRAINT ck_organization_auto_assign CHECK (auto_assign_strategy IN ('round_robin', 'lead_score')),
        CONSTRAINT ck_organization_status CHECK (status IN ('active', 'inactive', 'suspended'))
      );
      CREATE INDEX idx_organization_name ON organization (lower(name));

      CREATE TABLE "user" (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL,
        email varchar(320) NOT NULL,
        first_name varchar(100),
        last_name varchar(100),
        role varchar(20) NOT NULL DEFAULT 'member',
        status varchar(20) NOT NULL DEFAULT 'active',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_user PRIMARY KEY (id),
        CONSTRAINT fk_user_organization FOREIGN KEY (organization_id) REFERENCES organization (id) ON DELETE CASCADE,
        CONSTRAINT ck_user_role CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
        CONSTRAINT ck_user_status CHECK (status IN ('active', 'inactive'))
      );
      CREATE UNIQUE INDEX uq_user_email ON "user" (lower(email));
      CREATE INDEX idx_user_organization ON "user" (organization_id, created_at DESC);

      CREATE TABLE campaign (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL,
        name varchar(300) NOT NULL,
        status varchar(20) NOT NULL DEFAULT 'active',
        instantly_campaign_id varchar(100),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_campaign PRIMARY KEY (id),
        CONSTRAINT fk_campaign_organization FOREIGN KEY (organization_id) REFERENCES organization (id) ON DELETE CASCADE,
        CONSTRAINT uq_campaign_instantly UNIQUE (organization_id, instantly_campaign_id),
        CONSTRAINT ck_campaign_status CHECK (status IN ('draft', 'active', 'paused', 'completed', 'archived'))
      );
      CREATE INDEX idx_campaign_org_name ON campaign (organization_id, name);
      CREATE INDEX idx_campaign_name ON campaign (name);
      CREATE INDEX idx_campaign_instantly ON campaign (instantly_campaign_id) WHERE instantly_campaign_id IS NOT NULL;

      CREATE TABLE contact (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL,
        email varchar(320) NOT NULL,
        first_name varchar(100),
        last_name varchar(100),
        company varchar(200),
        campaign_id uuid,
        lead_score integer NOT NULL DEFAULT 0,
        lead_status varchar(40),
        emails_sent integer NOT NULL DEFAULT 0,
        opens integer NOT NULL DEFAULT 0,
        clicks integer NOT NULL DEFAULT 0,
        replies integer NOT NULL DEFAULT 0,
        bounced boolean NOT NULL DEFAULT false,
        unsubscribed boolean NOT NULL DEFAULT false,
        last_event_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_contact PRIMARY KEY (id),
        CONSTRAINT fk_contact_organization FOREIGN KEY (organization_id) REFERENCES organization (id) ON DELETE CASCADE,
        CONSTRAINT fk_contact_campaign FOREIGN KEY (campaign_id) REFERENCES campaign (id) ON DELETE SET NULL
      );
      CREATE UNIQUE INDEX uq_contact_org_email ON contact (organization_id, lower(email));
      CREATE INDEX idx_contact_campaign ON contact (campaign_id) WHERE campaign_id IS NOT NULL;
      CREATE INDEX idx_contact_org_score ON contact (organization_id, lead_score DESC);
    `);

    for (const table of ['organization', '"user"', 'campaign', 'contact']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO salesbrain_app`);
    }

    await q.query(`
      CREATE POLICY organization_platform_all ON organization FOR ALL
        USING (app_is_platform()) WITH CHECK (app_is_platform());
      CREATE POLICY organization_org_select ON organization FOR SELECT
        USING (app_role() IN ('owner', 'admin', 'member', 'viewer') AND id = app_org_id());
      CREATE POLICY organization_org_update ON organization FOR UPDATE
        USING (app_role() IN ('owner', 'admin') AND id = app_org_id())
        WITH CHECK (app_role() IN ('owner', 'admin') AND id = app_org_id());
    `);

    for (const table of ['user', 'campaign', 'contact']) {
      const t = table === 'user' ? '"user"' : table;
      await q.query(`
        CREATE POLICY ${table}_platform_all ON ${t} FOR ALL
          USING (app_is_platform()) WITH CHECK (app_is_platform());
        CREATE POLICY ${table}_org_select ON ${t} FOR SELECT
          USING (app_role() IN ('owner', 'admin', 'member', 'viewer') AND organization_id = app_org_id());
        CREATE POLICY ${table}_org_manage ON ${t} FOR ALL
          USING (app_role() IN ('owner', 'admin') AND organization_id = app_org_id())
          WITH CHECK (app_role() IN ('owner', 'admin') AND organization_id = app_org_id());
      `);
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS contact;
      DROP TABLE IF EXISTS campaign;
      DROP TABLE IF EXISTS "user";
      DROP TABLE IF EXISTS organization;
      DROP FUNCTION IF EXISTS app_is_platform();
      DROP FUNCTION IF EXISTS app_user_id();
      DROP FUNCTION IF EXISTS app_org_id();
      DROP FUNCTION IF EXISTS app_role();
    `);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Routing by an Instantly campaign id trusts only mappings a platform role set or that
 * workspace-routed processing created (campaign.routes_events). Events received with an
 * organization's own credential still create and update that organization's campaigns, but those
 * rows never route anyone else's events: an organization can neither take a campaign id another one
 * is routed by (making its events ambiguous, so they failed) nor pre-create one that another
 * organization's events would then be routed to. The column is set only by platform roles and
 * processing (the campaign guard trigger).
 *
 * Existing mappings stay trusted, except those of organizations that hold a credential of their
 * own (their campaign ids may have come from its events): a platform role re-creates a mapping it
 * vouches for (POST /api/admin/campaigns with instantly_campaign_id).
 */
export class CampaignRouting1764100018000 implements MigrationInterface {
  name = 'CampaignRouting1764100018000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE campaign ADD COLUMN routes_events boolean NOT NULL DEFAULT false;
      UPDATE campaign c SET routes_events = true
       WHERE instantly_campaign_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM organization_webhook_credential w WHERE w.organization_id = c.organization_id);
      DROP INDEX idx_campaign_instantly;
      CREATE INDEX idx_campaign_instantly ON campaign (instantly_campaign_id) WHERE instantly_campaign_id IS NOT NULL AND routes_events;

      CREATE OR REPLACE FUNCTION guard_campaign_columns() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT app_may_route() AND (
             (TG_OP = 'INSERT' AND (NEW.instantly_campaign_id IS NOT NULL OR NEW.routes_events))
          OR (TG_OP = 'UPDATE' AND (NEW.instantly_campaign_id IS DISTINCT FROM OLD.instantly_campaign_id
                                    OR NEW.routes_events IS DISTINCT FROM OLD.routes_events))) THEN
          RAISE EXCEPTION 'only platform roles may set instantly_campaign_id' USING ERRCODE = '42501';
        END IF;
        RETURN NEW;
      END $$;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION guard_campaign_columns() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT app_may_route() AND (
             (TG_OP = 'INSERT' AND NEW.instantly_campaign_id IS NOT NULL)
          OR (TG_OP = 'UPDATE' AND NEW.instantly_campaign_id IS DISTINCT FROM OLD.instantly_campaign_id)) THEN
          RAISE EXCEPTION 'only platform roles may set instantly_campaign_id' USING ERRCODE = '42501';
        END IF;
        RETURN NEW;
      END $$;
      DROP INDEX idx_campaign_instantly;
      CREATE INDEX idx_campaign_instantly ON campaign (instantly_campaign_id) WHERE instantly_campaign_id IS NOT NULL;
      ALTER TABLE campaign DROP COLUMN routes_events;
    `);
  }
}

import { Db } from './db.service';
import { sql } from './sql';
import { SYSTEM_CONTEXT } from './rls-context';

export const DEMO_ORG_ID = '00000000-0000-4000-8000-00000000d001';
export const DEMO_OWNER_ID = '00000000-0000-4000-8000-00000000a001';
export const DEMO_WORKSPACE_ID = '00000000-0000-4000-8000-00000000e001';
export const PLATFORM_ADMIN_ID = '00000000-0000-4000-8000-0000000050a0';

/**
 * A demo organization with a user of every role, campaigns and contacts, so a newcomer has
 * something to look at. Idempotent: a second start finds the organization and leaves it.
 */
export async function seedDemo(db: Db): Promise<boolean> {
  return db.runAs(SYSTEM_CONTEXT, async () => {
    const inserted = await db.execute(sql`INSERT INTO organization (id, name, instantly_workspace_id, auto_assign_strategy)
       VALUES (${DEMO_ORG_ID}, 'Demo Organization', ${DEMO_WORKSPACE_ID}, 'round_robin') ON CONFLICT (id) DO NOTHING RETURNING id`);
    if (!inserted.rows.length) return false;
    await db.query(sql`INSERT INTO "user" (id, organization_id, email, first_name, last_name, role)
       SELECT CASE WHEN r.role = 'owner' THEN ${DEMO_OWNER_ID}::uuid ELSE gen_random_uuid() END, ${DEMO_ORG_ID}, r.role || '@demo.salesbrain.test',
              initcap(r.role), 'Demo', r.role
         FROM unnest(ARRAY['owner', 'admin', 'member', 'viewer']) AS r(role)`);
    await db.query(sql`INSERT INTO "user" (organization_id, email, first_name, last_name, role)
       SELECT ${DEMO_ORG_ID}, 'rep' || g || '@demo.salesbrain.test', 'Rep', g::text, 'member' FROM generate_series(1, 3) g`);
    await db.query(sql`INSERT INTO campaign (organization_id, name, status, instantly_campaign_id, routes_events)
       SELECT ${DEMO_ORG_ID}, name, status, 'demo-campaign-' || ord, true
         FROM unnest(ARRAY['Q1 Outreach DACH', 'SaaS Founders 2026', 'Agency Partners', 'Re-engagement', 'Webinar Invite'],
                     ARRAY['active', 'active', 'paused', 'completed', 'draft']) WITH ORDINALITY AS t(name, status, ord)`);
    await db.query(sql`INSERT INTO contact (organization_id, email, first_name, last_name, company, campaign_id, lead_score, lead_status,
                            emails_sent, opens, clicks, replies, last_event_at)
       SELECT ${DEMO_ORG_ID}, 'lead' || g || '@prospect' || (g % 7) || '.example', 'Lead', g::text, 'Prospect ' || (g % 7),
              (SELECT id FROM campaign WHERE organization_id = ${DEMO_ORG_ID} ORDER BY name OFFSET (g % 5) LIMIT 1),
              (g * 37) % 60, CASE WHEN g % 9 = 0 THEN 'interested' END, 1 + g % 3, g % 4, g % 2, CASE WHEN g % 9 = 0 THEN 1 ELSE 0 END,
              now() - (g || ' hours')::interval
         FROM generate_series(1, 40) g`);
    return true;
  });
}

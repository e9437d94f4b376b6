-- The statements of src/dashboard/dashboard.repository.ts, one section per method and branch, as test/sql-files.e2e-spec.ts
-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).

-- DashboardRepository.counts
SELECT
(SELECT count(*) FROM organization WHERE $1::uuid IS NULL OR id = $2)::int AS organizations,
(SELECT count(*) FROM "user" WHERE $3::uuid IS NULL OR organization_id = $4)::int AS users,
(SELECT count(*) FROM campaign WHERE $5::uuid IS NULL OR organization_id = $6)::int AS campaigns,
(SELECT count(*) FROM contact WHERE $7::uuid IS NULL OR organization_id = $8)::int AS contacts,
(SELECT count(*) FROM webhook_log WHERE ($9::uuid IS NULL OR organization_id = $10) AND created_at >= now() - interval '24 hours')::int AS webhooks_24h,
(SELECT count(*) FROM webhook_log WHERE ($11::uuid IS NULL OR organization_id = $12) AND created_at >= now() - interval '7 days')::int AS webhooks_7d,
(SELECT count(*) FROM webhook_log WHERE ($13::uuid IS NULL OR organization_id = $14) AND status = 'failed')::int AS webhooks_failed,
(SELECT count(*) FROM webhook_log WHERE ($15::uuid IS NULL OR organization_id = $16) AND status = 'pending')::int AS webhooks_pending,
(SELECT count(*) FROM user_campaign_assignment WHERE ($17::uuid IS NULL OR organization_id = $18) AND status = 'active')::int AS campaign_assignments,
(SELECT count(*) FROM user_contact_assignment WHERE ($19::uuid IS NULL OR organization_id = $20) AND status = 'active')::int AS contact_assignments,
(SELECT count(*) FROM contact c WHERE ($21::uuid IS NULL OR c.organization_id = $22)
    AND NOT EXISTS (SELECT 1 FROM user_contact_assignment a WHERE a.contact_id = c.id AND a.status = 'active'))::int AS unassigned_contacts;

-- DashboardRepository.linksByStatus
SELECT status, count(*)::int AS n FROM onboarding_link WHERE $1::uuid IS NULL OR organization_id = $2 GROUP BY status;

-- DashboardRepository.recentActivity
SELECT * FROM (
  (SELECT 'webhook' AS kind, id, created_at, organization_id, event_type AS action, NULL::uuid AS actor_id, NULL::text AS actor_role,
          1 AS item_count, jsonb_build_object('event_source', event_source, 'status', status, 'contact_email', contact_email,
                                              'campaign_name', campaign_name) AS details
     FROM webhook_log WHERE ($1::uuid IS NULL OR organization_id = $2) AND ($3::text IS NULL OR $4 = 'webhook')
    ORDER BY created_at DESC, id DESC LIMIT $5)
  UNION ALL
  (SELECT kind, id, created_at, organization_id, action, actor_id, actor_role, item_count,
          details || jsonb_build_object('target_type', target_type, 'target_id', target_id) AS details
     FROM (SELECT *, CASE WHEN action LIKE 'assignment.%' THEN 'assignment' WHEN action LIKE 'onboarding.%' THEN 'onboarding'
                          WHEN actor_role = 'system' THEN 'system' ELSE 'admin_action' END AS kind
             FROM activity_log WHERE ($6::uuid IS NULL OR organization_id = $7)) a
    WHERE $8::text IS NULL OR kind = $9
    ORDER BY created_at DESC, id DESC LIMIT $10)
) feed ORDER BY created_at DESC, id DESC LIMIT $11;

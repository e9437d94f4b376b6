-- The statements of src/assignments/assignment-list.repository.ts, one section per method and branch, as test/sql-files.e2e-spec.ts
-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).

-- AssignmentListRepository.campaignAssignments
SELECT a.id AS assignment_id, a.campaign_id, c.name AS campaign_name, c.status AS campaign_status, a.role,
      a.can_edit, a.can_view_stats, a.can_manage_contacts, a.assigned_by, a.assigned_at
 FROM user_campaign_assignment a JOIN campaign c ON c.id = a.campaign_id
WHERE a.user_id = $1 AND a.status = 'active' ORDER BY a.assigned_at DESC, a.id;

-- AssignmentListRepository.contactAssignments
SELECT a.id AS assignment_id, a.contact_id, c.email AS contact_email, c.first_name, c.last_name, c.company, c.lead_score,
      a.assignment_type, a.is_primary_owner, a.last_contacted_at, a.next_followup_at, a.interactions_count,
      a.assigned_by, a.assigned_at
 FROM user_contact_assignment a JOIN contact c ON c.id = a.contact_id
WHERE a.user_id = $1 AND a.status = 'active' ORDER BY a.assigned_at DESC, a.id;

-- AssignmentListRepository.contactPage
SELECT c.id, c.organization_id, c.email, c.first_name, c.last_name, c.company, c.campaign_id, c.lead_score, c.lead_status,
            c.emails_sent, c.opens, c.clicks, c.replies, c.bounced, c.unsubscribed, c.last_event_at, c.created_at,
            CASE WHEN a.id IS NULL THEN NULL ELSE jsonb_build_object(
              'user_id', a.user_id, 'email', u.email, 'first_name', u.first_name, 'last_name', u.last_name,
              'assignment_type', a.assignment_type, 'assigned_at', a.assigned_at) END AS owner,
            count(*) OVER () AS full_count
       FROM contact c LEFT JOIN user_contact_assignment a ON a.contact_id = c.id AND a.status = 'active'
       LEFT JOIN "user" u ON u.id = a.user_id
      WHERE ($1::uuid IS NULL OR c.organization_id = $2)
AND ($3::uuid IS NULL OR c.campaign_id = $4)
AND ($5::text IS NULL OR c.email ILIKE $6 ESCAPE '\' OR c.company ILIKE $7 ESCAPE '\'
     OR (coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')) ILIKE $8 ESCAPE '\')
AND ($9::boolean IS NULL OR (a.id IS NOT NULL) = $10)
AND ($11::int IS NULL OR c.lead_score >= $12)
      ORDER BY c.lead_score DESC, c.id
      LIMIT $13 OFFSET $14;

SELECT count(*)::int AS n FROM contact c LEFT JOIN user_contact_assignment a ON a.contact_id = c.id AND a.status = 'active' WHERE ($1::uuid IS NULL OR c.organization_id = $2)
AND ($3::uuid IS NULL OR c.campaign_id = $4)
AND ($5::text IS NULL OR c.email ILIKE $6 ESCAPE '\' OR c.company ILIKE $7 ESCAPE '\'
     OR (coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')) ILIKE $8 ESCAPE '\')
AND ($9::boolean IS NULL OR (a.id IS NOT NULL) = $10)
AND ($11::int IS NULL OR c.lead_score >= $12);

-- AssignmentListRepository.userPage
SELECT u.id, u.organization_id, u.email, u.first_name, u.last_name, u.role, u.status, u.created_at,
      coalesce(cc.n, 0) AS campaigns_count, coalesce(kc.n, 0) AS contacts_count, count(*) OVER () AS full_count
 FROM "user" u
 LEFT JOIN (SELECT user_id, count(*)::int AS n FROM user_campaign_assignment
             WHERE status = 'active' AND ($1::uuid IS NULL OR organization_id = $2) GROUP BY user_id) cc ON cc.user_id = u.id
 LEFT JOIN (SELECT user_id, count(*)::int AS n FROM user_contact_assignment
             WHERE status = 'active' AND ($3::uuid IS NULL OR organization_id = $4) GROUP BY user_id) kc ON kc.user_id = u.id
WHERE ($5::uuid IS NULL OR u.organization_id = $6)
ORDER BY u.created_at DESC, u.id
LIMIT $7 OFFSET $8;

SELECT COUNT(1) AS "cnt" FROM "user" "User" WHERE (("User"."organization_id" = $1));

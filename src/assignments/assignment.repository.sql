-- The statements of src/assignments/assignment.repository.ts, one section per method and branch, as test/sql-files.e2e-spec.ts
-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).

-- AssignmentRepository.assignCampaigns
WITH input AS (SELECT DISTINCT unnest($1::uuid[]) AS id),
classified AS (
  SELECT i.id, c.organization_id AS org, c.status FROM input i LEFT JOIN campaign c ON c.id = i.id),
ins AS (
  INSERT INTO user_campaign_assignment (user_id, campaign_id, organization_id, assigned_by, role, can_edit, can_view_stats,
                                        can_manage_contacts, status)
  SELECT $2, k.id, $3, (SELECT id FROM "user" WHERE id = $4), $5, $6, $7, $8, 'active'
    FROM classified k WHERE k.org = $9 AND k.status <> 'archived'
  ON CONFLICT ON CONSTRAINT uq_user_campaign DO UPDATE SET
    role = EXCLUDED.role, can_edit = EXCLUDED.can_edit, can_view_stats = EXCLUDED.can_view_stats,
    can_manage_contacts = EXCLUDED.can_manage_contacts, status = 'active', assigned_by = EXCLUDED.assigned_by,
    assigned_at = now(), updated_at = now()
  RETURNING campaign_id)
SELECT k.id, k.org, k.status, (k.id IN (SELECT campaign_id FROM ins)) AS assigned FROM classified k;

-- AssignmentRepository.contactOrganizations
SELECT i.id, c.organization_id AS org FROM (SELECT DISTINCT unnest($1::uuid[]) AS id) i LEFT JOIN contact c ON c.id = i.id;

-- AssignmentRepository.contactsToAutoAssign
SELECT i.id, c.organization_id AS org, c.lead_score,
     EXISTS (SELECT 1 FROM user_contact_assignment a WHERE a.contact_id = i.id AND a.status = 'active') AS owned
FROM (SELECT DISTINCT unnest($1::uuid[]) AS id) i LEFT JOIN contact c ON c.id = i.id;

-- AssignmentRepository.currentOwners
SELECT a.user_id, c.lead_score FROM user_contact_assignment a JOIN contact c ON c.id = a.contact_id
WHERE a.contact_id = ANY($1::uuid[]) AND a.status = 'active';

-- AssignmentRepository.deactivate
UPDATE user_campaign_assignment SET status = 'inactive', updated_at = now()
WHERE user_id = $1 AND campaign_id = $2 AND status = 'active' RETURNING organization_id;

-- AssignmentRepository.deactivate (2)
UPDATE user_contact_assignment SET status = 'inactive', updated_at = now()
WHERE user_id = $1 AND contact_id = $2 AND status = 'active' RETURNING organization_id;

-- AssignmentRepository.lockOrganization
SELECT pg_advisory_xact_lock(hashtextextended('assignments:' || $1::text, 0));

-- AssignmentRepository.organizationContacts
SELECT c.id, c.lead_score FROM contact c
WHERE c.organization_id = $1
  AND ($2::boolean IS FALSE OR NOT EXISTS (SELECT 1 FROM user_contact_assignment a WHERE a.contact_id = c.id AND a.status = 'active'))
ORDER BY c.created_at, c.id;

-- AssignmentRepository.targetUser
SELECT "User"."id" AS "User_id", "User"."organization_id" AS "User_organization_id", "User"."status" AS "User_status" FROM "user" "User" WHERE (("User"."id" = $1)) LIMIT 1;

-- AssignmentRepository.userLoads
SELECT u.id, count(a.id)::int AS count, coalesce(sum(c.lead_score), 0)::int AS score_sum
 FROM "user" u
 LEFT JOIN user_contact_assignment a ON a.user_id = u.id AND a.status = 'active'
 LEFT JOIN contact c ON c.id = a.contact_id
WHERE u.organization_id = $1 AND u.status = 'active' AND u.role IN ('member', 'admin', 'owner')
GROUP BY u.id;

-- AssignmentRepository.writeContactAssignments
UPDATE user_contact_assignment a SET status = 'transferred', updated_at = now()
 FROM unnest($1::uuid[], $2::uuid[]) AS x(contact_id, user_id)
WHERE a.contact_id = x.contact_id AND a.status = 'active' AND a.user_id <> x.user_id;

INSERT INTO user_contact_assignment (user_id, contact_id, organization_id, assigned_by, assignment_type, is_primary_owner, status)
SELECT x.user_id, x.contact_id, $1, (SELECT id FROM "user" WHERE id = $2), $3, true, 'active'
  FROM unnest($4::uuid[], $5::uuid[]) AS x(contact_id, user_id)
ON CONFLICT ON CONSTRAINT uq_user_contact DO UPDATE SET
  assignment_type = EXCLUDED.assignment_type, status = 'active', assigned_by = EXCLUDED.assigned_by,
  assigned_at = now(), updated_at = now();

-- The statements of src/activity/activity.repository.ts, one section per method and branch, as test/sql-files.e2e-spec.ts
-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).

-- ActivityRepository.insert
INSERT INTO activity_log (organization_id, actor_id, actor_role, action, target_type, target_id, item_count, details)
VALUES ($1, $2, $3, $4, $5, $6,
        $7, $8::jsonb);

-- The statements of src/campaigns/campaign.repository.ts, one section per method and branch, as test/sql-files.e2e-spec.ts
-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).

-- CampaignRepository.create
INSERT INTO "campaign"("id", "organization_id", "name", "status", "instantly_campaign_id", "routes_events", "created_at", "updated_at") VALUES (DEFAULT, $1, $2, $3, $4, $5, DEFAULT, DEFAULT) RETURNING "id", "status", "routes_events", "created_at", "updated_at";

-- CampaignRepository.options
SELECT id, name, status, organization_id FROM campaign WHERE ($1::uuid IS NULL OR organization_id = $2)
AND ($3::text IS NULL OR name ILIKE $4 ESCAPE '\')
AND ($5::text IS NULL OR status = $6) ORDER BY name, id LIMIT 100;

-- CampaignRepository.page
SELECT id, organization_id, name, status, instantly_campaign_id, created_at, updated_at
            FROM campaign WHERE ($1::uuid IS NULL OR organization_id = $2)
AND ($3::text IS NULL OR name ILIKE $4 ESCAPE '\')
AND ($5::text IS NULL OR status = $6) ORDER BY name, id LIMIT $7 OFFSET $8;

SELECT count(*) AS n FROM campaign WHERE ($1::uuid IS NULL OR organization_id = $2)
AND ($3::text IS NULL OR name ILIKE $4 ESCAPE '\')
AND ($5::text IS NULL OR status = $6);

-- CampaignRepository.update
UPDATE campaign SET name = coalesce($1, name), status = coalesce($2, status), updated_at = now()
 WHERE id = $3
RETURNING id, organization_id, name, status, instantly_campaign_id, routes_events, created_at, updated_at;

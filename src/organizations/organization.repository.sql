-- The statements of src/organizations/organization.repository.ts, one section per method and branch, as test/sql-files.e2e-spec.ts
-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).

-- OrganizationRepository.create
INSERT INTO "organization"("id", "name", "instantly_workspace_id", "auto_assign_strategy", "status", "created_at", "updated_at") VALUES (DEFAULT, $1, $2, $3, DEFAULT, DEFAULT, DEFAULT) RETURNING "id", "status", "created_at", "updated_at";

-- OrganizationRepository.exists
SELECT 1 AS "row_exists" FROM (SELECT 1 AS dummy_column) "dummy_table" WHERE EXISTS (SELECT 1 FROM "organization" "Organization" WHERE (("Organization"."id" = $1))) LIMIT 1;

-- OrganizationRepository.page
SELECT "Organization"."id" AS "Organization_id", "Organization"."name" AS "Organization_name", "Organization"."instantly_workspace_id" AS "Organization_instantly_workspace_id", "Organization"."auto_assign_strategy" AS "Organization_auto_assign_strategy", "Organization"."status" AS "Organization_status", "Organization"."created_at" AS "Organization_created_at", "Organization"."updated_at" AS "Organization_updated_at" FROM "organization" "Organization" WHERE (("Organization"."name" ILIKE $1)) ORDER BY "Organization"."name" ASC, "Organization"."id" ASC LIMIT 50 OFFSET 0;

-- OrganizationRepository.update
UPDATE "organization" SET "name" = $1, "updated_at" = now() WHERE "id" = $2;

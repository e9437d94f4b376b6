-- The statements of src/users/user.repository.ts, one section per method and branch, as test/sql-files.e2e-spec.ts
-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).

-- UserRepository.byId
SELECT "User"."id" AS "User_id", "User"."organization_id" AS "User_organization_id", "User"."email" AS "User_email", "User"."first_name" AS "User_first_name", "User"."last_name" AS "User_last_name", "User"."role" AS "User_role", "User"."status" AS "User_status", "User"."created_at" AS "User_created_at", "User"."updated_at" AS "User_updated_at" FROM "user" "User" WHERE (("User"."id" = $1)) LIMIT 1;

-- UserRepository.create
INSERT INTO "user"("id", "organization_id", "email", "first_name", "last_name", "role", "status", "created_at", "updated_at") VALUES (DEFAULT, $1, $2, $3, $4, $5, DEFAULT, DEFAULT, DEFAULT) RETURNING "id", "role", "status", "created_at", "updated_at";

-- UserRepository.emailTaken
SELECT 1 AS "row_exists" FROM (SELECT 1 AS dummy_column) "dummy_table" WHERE EXISTS (SELECT 1 FROM "user" "User" WHERE (("User"."organization_id" = $1) AND (lower("User"."email") = lower($2)))) LIMIT 1;

-- UserRepository.lockOwners
SELECT pg_advisory_xact_lock(hashtextextended('organization-owners:' || $1::text, 0));

-- UserRepository.otherActiveOwners
SELECT COUNT(1) AS "cnt" FROM "user" "User" WHERE (("User"."organization_id" = $1) AND ("User"."role" = $2) AND ("User"."status" = $3) AND ("User"."id" <> $4));

-- UserRepository.remove
WITH campaigns AS (DELETE FROM user_campaign_assignment WHERE user_id = $1 RETURNING 1),
     contacts AS (DELETE FROM user_contact_assignment WHERE user_id = $2 RETURNING 1),
     removed AS (DELETE FROM "user" WHERE id = $3 RETURNING 1)
SELECT (SELECT count(*) FROM removed)::int AS removed, (SELECT count(*) FROM campaigns)::int AS campaigns,
       (SELECT count(*) FROM contacts)::int AS contacts;

-- UserRepository.standing
SELECT organization_status, user_state FROM token_subject_standing($1, $2);

-- UserRepository.update
UPDATE "user" SET "first_name" = $1, "updated_at" = now() WHERE "id" = $2;

SELECT "User"."id" AS "User_id", "User"."organization_id" AS "User_organization_id", "User"."email" AS "User_email", "User"."first_name" AS "User_first_name", "User"."last_name" AS "User_last_name", "User"."role" AS "User_role", "User"."status" AS "User_status", "User"."created_at" AS "User_created_at", "User"."updated_at" AS "User_updated_at" FROM "user" "User" WHERE (("User"."id" = $1)) LIMIT 1;

-- The statements of src/webhooks/webhook-credential.repository.ts, one section per method and branch, as test/sql-files.e2e-spec.ts
-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).

-- WebhookCredentialRepository.credential
SELECT "OrganizationWebhookCredential"."organization_id" AS "OrganizationWebhookCredential_organization_id", "OrganizationWebhookCredential"."secret_prefix" AS "OrganizationWebhookCredential_secret_prefix", "OrganizationWebhookCredential"."created_at" AS "OrganizationWebhookCredential_created_at", "OrganizationWebhookCredential"."rotated_at" AS "OrganizationWebhookCredential_rotated_at", "OrganizationWebhookCredential"."previous_valid_until" AS "OrganizationWebhookCredential_previous_valid_until" FROM "organization_webhook_credential" "OrganizationWebhookCredential" WHERE (("OrganizationWebhookCredential"."organization_id" = $1)) LIMIT 1;

-- WebhookCredentialRepository.credentialHashes
SELECT c.organization_id, c.secret_hash, CASE WHEN c.previous_valid_until > now() THEN c.previous_secret_hash END AS previous_secret_hash,
     c.previous_valid_until, o.status = 'suspended' AS suspended
FROM organization_webhook_credential c JOIN organization o ON o.id = c.organization_id;

-- WebhookCredentialRepository.rotateCredential
INSERT INTO organization_webhook_credential AS c (organization_id, secret_hash, secret_prefix, rotated_by)
VALUES ($1, $2, $3, $4)
ON CONFLICT (organization_id) DO UPDATE SET
  secret_hash = EXCLUDED.secret_hash, secret_prefix = EXCLUDED.secret_prefix, rotated_by = EXCLUDED.rotated_by,
  rotated_at = now(), previous_secret_hash = CASE WHEN $5 > 0 THEN c.secret_hash END,
  previous_valid_until = CASE WHEN $6 > 0 THEN now() + make_interval(hours => $7) END
RETURNING organization_id, secret_prefix, created_at, rotated_at, previous_valid_until;

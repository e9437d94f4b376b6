-- The statements of src/webhooks/processing/processing.repository.ts, one section per method and branch, as test/sql-files.e2e-spec.ts
-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).

-- ProcessingRepository.isErasedSubject
SELECT EXISTS (SELECT 1 FROM privacy_subject WHERE organization_id = $1 AND email_hash = $2 AND (suppressed OR erased_at >= $3)) AS erased;

-- ProcessingRepository.organizationById
SELECT "Organization"."id" AS "Organization_id", "Organization"."auto_assign_strategy" AS "Organization_auto_assign_strategy", "Organization"."instantly_workspace_id" AS "Organization_instantly_workspace_id" FROM "organization" "Organization" WHERE (("Organization"."id" = $1)) LIMIT 1;

-- ProcessingRepository.organizationByWorkspace
SELECT "Organization"."id" AS "Organization_id", "Organization"."auto_assign_strategy" AS "Organization_auto_assign_strategy" FROM "organization" "Organization" WHERE (("Organization"."instantly_workspace_id" = $1)) LIMIT 1;

-- ProcessingRepository.organizationsByInstantlyCampaign
SELECT o.id, o.auto_assign_strategy FROM campaign c JOIN organization o ON o.id = c.organization_id
WHERE c.instantly_campaign_id = $1 AND c.routes_events LIMIT 2;

-- ProcessingRepository.redactLog
UPDATE webhook_log SET payload = privacy_redact_payload(payload), contact_email = NULL WHERE id = $1;

-- ProcessingRepository.upsertContact
INSERT INTO contact (organization_id, email, first_name, last_name, company, campaign_id, lead_score, lead_status,
                     emails_sent, opens, clicks, replies, bounced, unsubscribed, last_event_at)
SELECT $1::uuid, $2::text, $3::text, $4::text, $5::text, $6::uuid, $7::int, $8::text, $9::int, $10::int, $11::int, $12::int,
       $13::boolean, $14::boolean, $15::timestamptz
 WHERE $16::text IS NULL OR NOT EXISTS (SELECT 1 FROM privacy_subject WHERE organization_id = $17 AND email_hash = $18 AND (suppressed OR erased_at >= $19))
ON CONFLICT (organization_id, lower(email)) DO UPDATE SET
  first_name = coalesce(EXCLUDED.first_name, contact.first_name),
  last_name = coalesce(EXCLUDED.last_name, contact.last_name),
  company = coalesce(EXCLUDED.company, contact.company),
  campaign_id = coalesce(EXCLUDED.campaign_id, contact.campaign_id),
  lead_score = contact.lead_score + EXCLUDED.lead_score,
  lead_status = coalesce(EXCLUDED.lead_status, contact.lead_status),
  emails_sent = contact.emails_sent + EXCLUDED.emails_sent,
  opens = contact.opens + EXCLUDED.opens,
  clicks = contact.clicks + EXCLUDED.clicks,
  replies = contact.replies + EXCLUDED.replies,
  bounced = contact.bounced OR EXCLUDED.bounced,
  unsubscribed = contact.unsubscribed OR EXCLUDED.unsubscribed,
  last_event_at = greatest(contact.last_event_at, EXCLUDED.last_event_at),
  updated_at = now()
RETURNING id, (xmax = 0) AS inserted;

-- ProcessingRepository.upsertInstantlyCampaign
INSERT INTO campaign (organization_id, name, instantly_campaign_id, status, routes_events)
VALUES ($1, coalesce($2, 'Instantly campaign ' || $3), $4, coalesce($5, 'active'), $6)
ON CONFLICT ON CONSTRAINT uq_campaign_instantly DO UPDATE
  SET name = coalesce($7, campaign.name), status = coalesce($8, campaign.status), updated_at = now(),
      routes_events = campaign.routes_events OR EXCLUDED.routes_events
RETURNING id, name;

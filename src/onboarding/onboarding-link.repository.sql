-- The statements of src/onboarding/onboarding-link.repository.ts, one section per method and branch, as test/sql-files.e2e-spec.ts
-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).

-- OnboardingLinkRepository.access
SET LOCAL synchronous_commit TO OFF;

UPDATE onboarding_link SET clicks_count = clicks_count + 1,
      first_accessed_at = coalesce(first_accessed_at, now()), last_accessed_at = now(),
      -- Keep the newest historySize entries: drop the oldest once full, then append.
      ip_addresses = CASE WHEN jsonb_array_length(ip_addresses) >= $1 THEN ip_addresses - 0 ELSE ip_addresses END
                     || jsonb_build_array(jsonb_build_object('ip', $2::text, 'timestamp', now())),
      user_agents = CASE WHEN jsonb_array_length(user_agents) >= $3 THEN user_agents - 0 ELSE user_agents END
                    || jsonb_build_array(jsonb_build_object('user_agent', $4::text, 'timestamp', now())),
      updated_at = now()
WHERE id = (SELECT link_id FROM onboarding_link_token WHERE link_token = $5) AND status = 'active' AND expires_at > now() AND NOT link_holder_organization_suspended()
RETURNING link_holder_organization_name() AS organization_name,
          welcome_message, total_steps, current_step, progress_percentage, template_name, expires_at;

-- OnboardingLinkRepository.complete
UPDATE onboarding_link SET status = 'used', completed_at = now(), progress_percentage = 100, current_step = total_steps, updated_at = now()
WHERE id = (SELECT link_id FROM onboarding_link_token WHERE link_token = $1) AND status = 'active' AND expires_at > now() AND NOT link_holder_organization_suspended()
RETURNING id, organization_id;

-- OnboardingLinkRepository.create
WITH link AS (
  INSERT INTO onboarding_link (organization_id, created_by, template_name, welcome_message, expires_at, total_steps)
  VALUES ($1, (SELECT id FROM "user" WHERE id = $2), $3, $4, now() + make_interval(days => $5), $6)
  RETURNING id, organization_id, expires_at, status)
INSERT INTO onboarding_link_token (link_id, organization_id, link_token, link_url)
SELECT id, organization_id, $7, $8 FROM link
RETURNING link_id AS id, link_url, link_token, (SELECT expires_at FROM link) AS expires_at, (SELECT status FROM link) AS status;

-- OnboardingLinkRepository.detail
SELECT ol.id, ol.organization_id, ol.created_by, t.link_token, t.link_url, ol.template_id, ol.template_name, ol.welcome_message,
ol.status, ol.expires_at, ol.clicks_count, ol.first_accessed_at, ol.last_accessed_at, ol.completed_at, ol.current_step,
ol.total_steps, ol.progress_percentage, ol.created_at, ol.updated_at, ol.revoked_at, ol.revoked_by, ol.revoked_reason, ol.ip_addresses, ol.user_agents, o.name AS organization_name, u.email AS created_by_email
       FROM onboarding_link ol JOIN organization o ON o.id = ol.organization_id
       LEFT JOIN onboarding_link_token t ON t.link_id = ol.id LEFT JOIN "user" u ON u.id = ol.created_by
      WHERE ol.id = $1;

-- OnboardingLinkRepository.expireOverdue
UPDATE onboarding_link SET status = 'expired', updated_at = now() WHERE status = 'active' AND expires_at <= now();

-- OnboardingLinkRepository.extend
UPDATE onboarding_link SET expires_at = greatest(expires_at, now()) + make_interval(days => $1), status = 'active', updated_at = now()
WHERE id = $2 AND status IN ('active', 'expired') RETURNING organization_id, expires_at;

-- OnboardingLinkRepository.page
SELECT ol.id, ol.organization_id, ol.created_by, t.link_token, t.link_url, ol.template_id, ol.template_name, ol.welcome_message,
ol.status, ol.expires_at, ol.clicks_count, ol.first_accessed_at, ol.last_accessed_at, ol.completed_at, ol.current_step,
ol.total_steps, ol.progress_percentage, ol.created_at, ol.updated_at, ol.revoked_at, ol.revoked_by, ol.revoked_reason, o.name AS organization_name, u.email AS created_by_email, u.first_name AS created_by_first_name,
            u.last_name AS created_by_last_name, count(*) OVER () AS full_count
       FROM onboarding_link ol
       JOIN organization o ON o.id = ol.organization_id
       LEFT JOIN onboarding_link_token t ON t.link_id = ol.id
       LEFT JOIN "user" u ON u.id = ol.created_by
      WHERE ($1::uuid IS NULL OR ol.organization_id = $2)
AND ($3::text IS NULL OR ol.status = $4) AND ($5::uuid IS NULL OR ol.created_by = $6)
      ORDER BY ol.created_at DESC, ol.id DESC LIMIT $7 OFFSET $8;

SELECT count(*)::int AS n FROM onboarding_link ol WHERE ($1::uuid IS NULL OR ol.organization_id = $2)
AND ($3::text IS NULL OR ol.status = $4) AND ($5::uuid IS NULL OR ol.created_by = $6);

-- OnboardingLinkRepository.progress
WITH target AS (SELECT id, total_steps FROM onboarding_link
                 WHERE id = (SELECT link_id FROM onboarding_link_token WHERE link_token = $1) AND status = 'active' AND expires_at > now() AND NOT link_holder_organization_suspended()),
upd AS (UPDATE onboarding_link l SET current_step = $2, progress_percentage = $3, updated_at = now()
          FROM target t WHERE l.id = t.id AND $4 <= t.total_steps RETURNING l.id)
SELECT t.total_steps, EXISTS (SELECT 1 FROM upd) AS ok FROM target t;

-- OnboardingLinkRepository.revoke
UPDATE onboarding_link SET status = 'revoked', revoked_at = now(), revoked_by = (SELECT id FROM "user" WHERE id = $1),
      revoked_reason = $2, updated_at = now()
WHERE id = $3 AND status IN ('active', 'expired') RETURNING organization_id;

-- OnboardingLinkRepository.stateByToken
SELECT status, expires_at <= now() AS overdue, link_holder_organization_suspended() AS suspended FROM onboarding_link WHERE id = (SELECT link_id FROM onboarding_link_token WHERE link_token = $1);

-- OnboardingLinkRepository.statusOf
SELECT "OnboardingLink"."status" AS "OnboardingLink_status", "OnboardingLink"."id" AS "OnboardingLink_id" FROM "onboarding_link" "OnboardingLink" WHERE (("OnboardingLink"."id" = $1)) LIMIT 1;

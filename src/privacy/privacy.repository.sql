-- The statements of src/privacy/privacy.repository.ts, one section per method and branch, as test/sql-files.e2e-spec.ts
-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).

-- PrivacyRepository.activity
SELECT id, action, actor_role, actor_id, target_type, target_id, details, created_at FROM activity_log
WHERE organization_id = $1
  AND ((target_type = 'contact' AND target_id = ANY($2::uuid[])) OR details ->> 'contact_id' = ANY($3::text[])
       OR (action = 'privacy.erase' AND details ->> 'email_hash' = $4))
ORDER BY created_at DESC, id DESC;

-- PrivacyRepository.assignments
SELECT id, contact_id, user_id, assignment_type, status, assigned_at FROM user_contact_assignment
WHERE organization_id = $1 AND contact_id = ANY($2::uuid[]) ORDER BY assigned_at, id;

-- PrivacyRepository.contacts
SELECT id, email, first_name, last_name, company, campaign_id, lead_score, lead_status, emails_sent, opens, clicks, replies,
     bounced, unsubscribed, last_event_at, created_at
FROM contact WHERE organization_id = $1 AND lower(email) = $2 ORDER BY created_at, id;

-- PrivacyRepository.deleteContacts
WITH gone AS (
  SELECT id FROM contact WHERE organization_id = $1 AND lower(email) = $2
), assignments AS (
  DELETE FROM user_contact_assignment WHERE organization_id = $3 AND contact_id IN (SELECT id FROM gone) RETURNING 1
), contacts AS (
  DELETE FROM contact WHERE organization_id = $4 AND id IN (SELECT id FROM gone) RETURNING 1
)
SELECT (SELECT count(*) FROM contacts)::int AS contacts, (SELECT count(*) FROM assignments)::int AS assignments;

-- PrivacyRepository.lockSubject
SELECT pg_advisory_xact_lock(hashtextextended($1, 0));

-- PrivacyRepository.logsCursor
SELECT json_build_object('id', id, 'created_at', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                        'event_source', event_source, 'event_type', event_type, 'status', status, 'payload', payload)::text AS json
 FROM webhook_log WHERE organization_id = $1 AND contact_email = $2
ORDER BY webhook_log.created_at DESC, id DESC;

-- PrivacyRepository.recordErasure
INSERT INTO privacy_subject (organization_id, email_hash, suppressed) VALUES ($1, $2, coalesce($3, false))
ON CONFLICT ON CONSTRAINT pk_privacy_subject DO UPDATE
  SET erased_at = now(), erasures = privacy_subject.erasures + 1, suppressed = coalesce($4, privacy_subject.suppressed)
RETURNING erased_at, suppressed;

-- PrivacyRepository.redactLogs
WITH redacted AS (
  UPDATE webhook_log SET payload = privacy_redact_payload(payload), contact_email = NULL,
         error_message = regexp_replace(error_message, $1, '[erased]', 'gi'),
         attempt_history = regexp_replace(attempt_history::text, $2, '[erased]', 'gi')::jsonb
   WHERE organization_id = $3 AND contact_email = $4
  RETURNING 1)
SELECT count(*)::int AS n FROM redacted;

-- PrivacyRepository.redactPreparedLogs
SELECT privacy_erase_prepared($1, $2, $3) AS n;

-- PrivacyRepository.subjectState
SELECT erased_at, suppressed FROM privacy_subject WHERE organization_id = $1 AND email_hash = $2;

import { Injectable } from '@nestjs/common';
import Cursor from 'pg-cursor';
import { Contact } from '../campaigns/contact.entity';
import { subjectLockKey } from '../common/personal-data';
import { Db } from '../database/db.service';
import { sql } from '../database/sql';

/** A contact of the subject's: its columns but its organization (the caller's). */
export type SubjectContactRow = Omit<Contact, 'organization_id' | 'organization' | 'campaign' | 'updated_at'>;

export interface SubjectAssignmentRow {
  id: string;
  contact_id: string;
  user_id: string;
  assignment_type: string;
  status: string;
  assigned_at: Date;
}

export interface SubjectActivityRow {
  id: string;
  action: string;
  actor_role: string;
  actor_id: string | null;
  target_type: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
  created_at: Date;
}

/** One log of the subject as the JSON text of a SubjectLogDto, written by PostgreSQL (no parse and re-serialization here). */
export interface SubjectLogRow {
  json: string;
}

export interface SubjectStateRow {
  erased_at: Date;
  suppressed: boolean;
}

/**
 * Every statement of the personal-data requests. They run in the request's transaction under the
 * caller's row-level security (an organization's owner or admin, or a platform role), and each
 * also names the organization: the policies keep every other organization's rows out of reach
 * whatever the service passes. A subject's logs are found by the contact-email index of every
 * partition (idx_webhook_log_contact_email: contact_email is stored lower case), never by a scan.
 */
@Injectable()
export class PrivacyRepository {
  constructor(private readonly db: Db) {}

  /**
   * Serializes the erasure with other erasures and with the processing of events carrying the same
   * email (which takes the same lock first: subjectLockKey), before any row lock.
   */
  async lockSubject(emailHash: string): Promise<void> {
    await this.db.query(sql`SELECT pg_advisory_xact_lock(hashtextextended(${subjectLockKey(emailHash)}, 0))`);
  }

  contacts(orgId: string, email: string): Promise<SubjectContactRow[]> {
    return this.db
      .query<SubjectContactRow>(sql`SELECT id, email, first_name, last_name, company, campaign_id, lead_score, lead_status, emails_sent, opens, clicks, replies,
              bounced, unsubscribed, last_event_at, created_at
         FROM contact WHERE organization_id = ${orgId} AND lower(email) = ${email} ORDER BY created_at, id`);
  }

  assignments(orgId: string, contactIds: string[]): Promise<SubjectAssignmentRow[]> {
    return this.db
      .query<SubjectAssignmentRow>(sql`SELECT id, contact_id, user_id, assignment_type, status, assigned_at FROM user_contact_assignment
        WHERE organization_id = ${orgId} AND contact_id = ANY(${contactIds}::uuid[]) ORDER BY assigned_at, id`);
  }

  /** Entries about the contacts (auto-assignments, unassignments) and the earlier erasures of this email (by its hash). */
  activity(orgId: string, contactIds: string[], emailHash: string): Promise<SubjectActivityRow[]> {
    return this.db
      .query<SubjectActivityRow>(sql`SELECT id, action, actor_role, actor_id, target_type, target_id, details, created_at FROM activity_log
        WHERE organization_id = ${orgId}
          AND ((target_type = 'contact' AND target_id = ANY(${contactIds}::uuid[])) OR details ->> 'contact_id' = ANY(${contactIds}::text[])
               OR (action = 'privacy.erase' AND details ->> 'email_hash' = ${emailHash}))
        ORDER BY created_at DESC, id DESC`);
  }

  async subjectState(orgId: string, emailHash: string): Promise<SubjectStateRow | null> {
    const rows = await this.db.query<SubjectStateRow>(
      sql`SELECT erased_at, suppressed FROM privacy_subject WHERE organization_id = ${orgId} AND email_hash = ${emailHash}`,
    );
    return rows[0] ?? null;
  }

  /** The subject's logs, newest first, read batch by batch from a cursor in the request's transaction. */
  logsCursor(orgId: string, email: string): Promise<Cursor<SubjectLogRow>> {
    return this.db.cursor<SubjectLogRow>(
      sql`SELECT json_build_object('id', id, 'created_at', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                                   'event_source', event_source, 'event_type', event_type, 'status', status, 'payload', payload)::text AS json
            FROM webhook_log WHERE organization_id = ${orgId} AND contact_email = ${email}
           ORDER BY webhook_log.created_at DESC, id DESC`,
    );
  }

  /** Deletes the contacts and their assignments (one statement); how many of each. */
  async deleteContacts(orgId: string, email: string): Promise<{ contacts: number; assignments: number }> {
    const rows = await this.db.query<{ contacts: number; assignments: number }>(sql`WITH gone AS (
         SELECT id FROM contact WHERE organization_id = ${orgId} AND lower(email) = ${email}
       ), assignments AS (
         DELETE FROM user_contact_assignment WHERE organization_id = ${orgId} AND contact_id IN (SELECT id FROM gone) RETURNING 1
       ), contacts AS (
         DELETE FROM contact WHERE organization_id = ${orgId} AND id IN (SELECT id FROM gone) RETURNING 1
       )
       SELECT (SELECT count(*) FROM contacts)::int AS contacts, (SELECT count(*) FROM assignments)::int AS assignments`);
    return rows[0];
  }

  /**
   * Redacts the subject's logs in every partition (the email, the lead's fields in the payload, the
   * email anywhere in the error message and attempt history); the count. `pattern` matches the email
   * literally (case-insensitive).
   */
  async redactLogs(orgId: string, email: string, pattern: string): Promise<number> {
    const rows = await this.db.query<{ n: number }>(sql`WITH redacted AS (
         UPDATE webhook_log SET payload = privacy_redact_payload(payload), contact_email = NULL,
                error_message = regexp_replace(error_message, ${pattern}, '[erased]', 'gi'),
                attempt_history = regexp_replace(attempt_history::text, ${pattern}, '[erased]', 'gi')::jsonb
          WHERE organization_id = ${orgId} AND contact_email = ${email}
         RETURNING 1)
       SELECT count(*)::int AS n FROM redacted`);
    return rows[0].n;
  }

  /** The same redaction in the copies retention prepares (a SECURITY DEFINER function that checks the caller). */
  async redactPreparedLogs(orgId: string, email: string, pattern: string): Promise<number> {
    const rows = await this.db.query<{ n: number }>(sql`SELECT privacy_erase_prepared(${orgId}, ${email}, ${pattern}) AS n`);
    return rows[0].n;
  }

  /** Records the erasure (and the suppression, when given) of the email's hash in the organization. */
  async recordErasure(orgId: string, emailHash: string, suppress: boolean | null): Promise<SubjectStateRow> {
    const rows = await this.db
      .query<SubjectStateRow>(sql`INSERT INTO privacy_subject (organization_id, email_hash, suppressed) VALUES (${orgId}, ${emailHash}, coalesce(${suppress}, false))
       ON CONFLICT ON CONSTRAINT pk_privacy_subject DO UPDATE
         SET erased_at = now(), erasures = privacy_subject.erasures + 1, suppressed = coalesce(${suppress}, privacy_subject.suppressed)
       RETURNING erased_at, suppressed`);
    return rows[0];
  }
}

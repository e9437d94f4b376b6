import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ActivityService } from '../activity/activity.service';
import { Caller, isPlatform } from '../auth/roles';
import { AppError } from '../common/app-error';
import { emailHash, literalPattern, normalizeEmail } from '../common/personal-data';
import { ClientGoneError, streamRows } from '../common/response-stream';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { APP_METRICS, AppMetrics } from '../observability/app-metrics';
import { OrganizationRepository } from '../organizations/organization.repository';
import { ExportLimiter, HeavyReadLimiter, streamKey } from '../webhook-logs/export-limiter';
import {
  EraseSubjectDto,
  ErasureResultDto,
  SubjectActivityDto,
  SubjectAssignmentDto,
  SubjectContactDto,
  SubjectQueryDto,
} from './dto/privacy.dto';
import { PrivacyRepository, SubjectActivityRow, SubjectAssignmentRow, SubjectContactRow } from './privacy.repository';

/** Logs read from the cursor per round trip and written per chunk (JSON text PostgreSQL built; payloads are a few KB each). */
const BATCH_ROWS = 100;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function contactDto(r: SubjectContactRow): SubjectContactDto {
  return { ...r, last_event_at: iso(r.last_event_at), created_at: r.created_at.toISOString() };
}

function assignmentDto(r: SubjectAssignmentRow): SubjectAssignmentDto {
  return { ...r, assigned_at: r.assigned_at.toISOString() };
}

function activityDto(r: SubjectActivityRow): SubjectActivityDto {
  return { ...r, created_at: r.created_at.toISOString() };
}

/**
 * A lead's personal data on request (GDPR Art. 15 and 17), within one organization.
 *
 * Subject access answers everything the organization holds about an email: its contacts, their
 * assignments, the activity about them, and every webhook log carrying the email with its payload,
 * streamed (the logs from a cursor) under the export limits.
 *
 * Erasure runs in the request's transaction, all or nothing: the contacts and their assignments are
 * deleted; every log carrying the email, in every partition and in the copies retention prepared, is
 * redacted in place (its status and structure kept); the erasure is recorded by the email's keyed
 * hash, which processing reads so that an event that was waiting while the erasure ran is redacted
 * too, and a suppressed email's later events are stored redacted and create no contact. Run again,
 * it finds nothing and says so. The email itself is never logged, recorded or counted in clear.
 */
@Injectable()
export class PrivacyService {
  private readonly logger = new Logger('Privacy');

  constructor(
    private readonly privacy: PrivacyRepository,
    private readonly organizations: OrganizationRepository,
    private readonly activity: ActivityService,
    private readonly limiter: ExportLimiter,
    private readonly heavy: HeavyReadLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(APP_METRICS) private readonly metrics: AppMetrics,
  ) {}

  async subject(q: SubjectQueryDto, caller: Caller, res: Response): Promise<void> {
    await this.limiter.run(streamKey(caller), async () => {
      const orgId = await this.organizationOf(caller, q.organization_id);
      const email = normalizeEmail(q.email);
      const hash = emailHash(this.config.privacyHashKey, email);
      const contacts = await this.privacy.contacts(orgId, email);
      const ids = contacts.map((c) => c.id);
      const [assignments, activity, state] = [
        await this.privacy.assignments(orgId, ids),
        await this.privacy.activity(orgId, ids, hash),
        await this.privacy.subjectState(orgId, hash),
      ];
      const head = {
        organization_id: orgId,
        email,
        email_hash: hash,
        erased_at: iso(state?.erased_at ?? null),
        suppressed: state?.suppressed ?? false,
        contacts: contacts.map(contactDto),
        assignments: assignments.map(assignmentDto),
        activity: activity.map(activityDto),
      };
      const logs = await this.streamSubject(orgId, email, head, res);
      this.metrics.privacyRequests.inc({ kind: 'subject', outcome: 'answered' });
      this.logger.log(
        `subject access by ${caller.role} ${caller.userId} in ${orgId} for ${hash.slice(0, 16)}: ${contacts.length} contact(s), ${logs} log(s)`,
      );
    });
  }

  /** Rewrites up to every log of a lead: bounded per organization (or platform caller) as the other heavy work is (429 beyond). */
  erase(dto: EraseSubjectDto, caller: Caller): Promise<ErasureResultDto> {
    return this.heavy.run(streamKey(caller), () => this.eraseNow(dto, caller));
  }

  private async eraseNow(dto: EraseSubjectDto, caller: Caller): Promise<ErasureResultDto> {
    const orgId = await this.organizationOf(caller, dto.organization_id);
    const email = normalizeEmail(dto.email);
    const hash = emailHash(this.config.privacyHashKey, email);
    const pattern = literalPattern(email);
    await this.privacy.lockSubject(hash);
    const { contacts, assignments } = await this.privacy.deleteContacts(orgId, email);
    const logs = await this.privacy.redactLogs(orgId, email, pattern);
    const preparedLogs = await this.privacy.redactPreparedLogs(orgId, email, pattern);
    const state = await this.privacy.recordErasure(orgId, hash, dto.suppress ?? null);
    const erased = { contacts, assignments, logs, prepared_logs: preparedLogs };
    const nothing = contacts + assignments + logs + preparedLogs === 0;
    await this.activity.record({
      action: 'privacy.erase',
      organizationId: orgId,
      actorId: caller.userId,
      actorRole: caller.role,
      targetType: 'subject',
      itemCount: contacts + logs,
      details: { email_hash: hash, erased, suppressed: state.suppressed },
    });
    this.metrics.privacyRequests.inc({ kind: 'erase', outcome: nothing ? 'nothing_to_erase' : 'erased' });
    for (const [kind, n] of Object.entries(erased)) if (n) this.metrics.privacyErased.inc({ kind }, n);
    this.logger.log(`erasure by ${caller.role} ${caller.userId} in ${orgId} for ${hash.slice(0, 16)}: ${JSON.stringify(erased)}`);
    return {
      organization_id: orgId,
      email_hash: hash,
      erased,
      nothing_to_erase: nothing,
      suppressed: state.suppressed,
      erased_at: state.erased_at.toISOString(),
      message: nothing
        ? 'nothing of this email was left to erase in the organization' + (state.suppressed ? '; it is suppressed' : '')
        : `erased: ${contacts} contact(s), ${assignments} assignment(s), ${logs + preparedLogs} log(s) redacted` +
          (state.suppressed ? '; the email is suppressed' : ''),
    };
  }

  /** The organization the request is about: an organization role's own; a platform role must name one. 404 for one the caller cannot see. */
  private async organizationOf(caller: Caller, requested: string | undefined): Promise<string> {
    const orgId = requested ?? (isPlatform(caller.role) ? null : caller.orgId);
    if (!orgId) throw AppError.badRequest('organization_id is required for platform roles');
    if (!isPlatform(caller.role) && orgId !== caller.orgId) throw AppError.notFound(`organization ${orgId} not found`);
    if (!(await this.organizations.exists(orgId))) throw AppError.notFound(`organization ${orgId} not found`);
    return orgId;
  }

  /**
   * `{success, data: {...head, logs: [...]}}`, the logs written batch by batch as the cursor gives
   * them (backpressure and the stall timeout as the log export has); the count of logs.
   */
  private async streamSubject(orgId: string, email: string, head: Record<string, unknown>, res: Response): Promise<number> {
    const cursor = await this.privacy.logsCursor(orgId, email);
    const opening = JSON.stringify({ success: true, data: { ...head, logs: [] } });
    let count = 0;
    try {
      await streamRows(cursor, res, BATCH_ROWS, this.config.exportStallTimeoutMs, {
        headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
        // Everything up to the logs' opening bracket; the logs and the closing brackets follow.
        start: opening.slice(0, opening.length - '[]}}'.length) + '[',
        batch: (rows) => rows.map((row) => (count++ === 0 ? '' : ',') + row.json).join(''),
        end: () => ']}}',
      });
    } catch (err) {
      // A client that went away is not an error of ours: the cursor is closed by now.
      if (!(err instanceof ClientGoneError)) throw err;
      this.logger.warn(`subject access: the client went away after ${count} log(s)${err.message ? `: ${err.message}` : ''}`);
    }
    return count;
  }
}

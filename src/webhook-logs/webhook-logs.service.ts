import { Inject, Injectable, Logger } from '@nestjs/common';
import { ActivityService } from '../activity/activity.service';
import { Caller, isPlatform, orgScope } from '../auth/roles';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AppError } from '../common/app-error';
import { REDIS } from '../common/redis.module';
import type Redis from 'ioredis';
import { Db } from '../database/db.service';
import { contextOf, RlsContext } from '../database/rls-context';
import { BulkRetryDto, CleanupQueryDto, ListWebhookLogsQueryDto, WebhookStatsQueryDto } from './dto/log-filter.dto';
import { WebhookStatsRollup } from './webhook-stats-rollup.service';
import { CURSOR_TS_EXPR, decodeCursor, encodeCursor, logFilterSql, SEARCH_CANDIDATES, SEARCH_CANDIDATES_SQL, searchUsesIndex } from './log-filter.sql';
import { containsPattern } from '../common/paging';
import { BulkRetryResultDto, RetriedLogDto, WebhookLogDetailDto, WebhookLogDto, WebhookLogPageDto, WebhookStatsDto } from './dto/webhook-log.response.dto';

/** When a bulk retry by filter queued the log and no worker has taken it yet (else null). */
const RETRY_QUEUED_AT = `(SELECT q.requested_at FROM webhook_log_retry q WHERE q.log_id = webhook_log.id) AS retry_queued_at`;

const LIST_COLUMNS = `id, organization_id, event_source, event_type, raw_event_type, status, campaign_id, campaign_name,
  contact_email, error_message, retry_count, attempts, next_attempt_at, last_retry_at, processed_at, created_at, ${RETRY_QUEUED_AT}`;

/**
 * With a search, the matches come from the trigram index and are sorted afterwards; ordering by
 * the bare column would let the planner walk the created_at index newest-first and test every row
 * against the pattern, which for a rare match means most of the table. Same order, other plan.
 */
const SEARCH_ORDER = `created_at + interval '0' DESC, id DESC`;

/** Counting stops here: an exact count(*) over a million rows costs far more than the page. */
export const TOTAL_CAP = 1_000;
const CLEANUP_BATCH = 5_000;

export type BulkRetryResult = BulkRetryResultDto;

@Injectable()
export class WebhookLogsService {
  private readonly logger = new Logger('WebhookLogs');
  private readonly statsCache = new Map<string, { entry: { value: WebhookStatsDto; at: number }; expires: number }>();

  constructor(
    private readonly db: Db,
    private readonly activity: ActivityService,
    private readonly rollup: WebhookStatsRollup,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {}

  /**
   * Newest first. `total` is exact up to TOTAL_CAP matches; past that it is TOTAL_CAP and
   * `total_capped` is true. `has_more` is always exact (one extra row is read).
   */
  async list(q: ListWebhookLogsQueryDto, caller: Caller): Promise<WebhookLogPageDto> {
    const cursor = q.cursor ? decodeCursor(q.cursor) : null;
    if (q.cursor && !cursor) throw AppError.badRequest('cursor is malformed');
    const search = await this.searchIds(q.search);
    const common = search === 'common';
    const f = logFilterSql(q, orgScope(caller, q.organization_id), 1, common ? null : search);
    const n = f.params.length;
    // A common search: under RLS the planner cannot see how common (ILIKE is not leakproof, so
    // the column statistics are off limits) and would sort every match. Reading the newest logs
    // in index order and filtering them finds the page within a few thousand rows.
    if (common) await this.db.query(`SET LOCAL enable_sort TO off`);
    const rows = await this.db.query<WebhookLogDto & { cursor_ts: string }>(
      `SELECT ${LIST_COLUMNS}, ${CURSOR_TS_EXPR} AS cursor_ts FROM webhook_log
        WHERE ${f.sql}
          AND ($${n + 1}::timestamptz IS NULL OR (created_at, id) < ($${n + 1}::timestamptz, $${n + 2}::uuid))
        ORDER BY ${q.search && !common ? SEARCH_ORDER : 'created_at DESC, id DESC'}
        LIMIT $${n + 3} OFFSET $${n + 4}`,
      [...f.params, cursor?.createdAt ?? null, cursor?.id ?? null, q.limit + 1, cursor ? 0 : q.offset],
    );
    if (common) await this.db.query(`SET LOCAL enable_sort TO DEFAULT`);
    const hasMore = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    // A search with no other filter (the caller's own scope aside) is counted already: a common
    // one has more matches than the cap, a rare one exactly the ids the search function returned
    // (it applies the policies' roles itself). "No other filter" is read off the filter's own
    // parameters.
    const onlySearch = search !== null && logFilterSql({ ...q, search: undefined }, q.organization_id ?? null).params.every((v) => v === null);
    const counted =
      onlySearch
        ? { n: common ? TOTAL_CAP + 1 : search.length }
        : await this.db.one<{ n: number }>(
            `SELECT count(*)::int AS n FROM (SELECT 1 FROM webhook_log WHERE ${f.sql} LIMIT ${TOTAL_CAP + 1}) s`,
            f.params,
          );
    const total = Math.min(counted?.n ?? 0, TOTAL_CAP);
    const last = page[page.length - 1];
    return {
      logs: page.map(({ cursor_ts: _, ...r }) => r),
      total,
      total_capped: (counted?.n ?? 0) > TOTAL_CAP,
      limit: q.limit,
      offset: cursor ? 0 : q.offset,
      has_more: hasMore,
      next_cursor: hasMore && last ? encodeCursor(last) : null,
    };
  }

  /**
   * The ids of the caller's logs matching a search when there are at most SEARCH_CANDIDATES of
   * them (found through the trigram index); 'common' when there are more, so that reading the
   * newest logs and filtering them finds a page at once; null when there is no search or it has
   * nothing the index can look up (then rows are filtered and sorted).
   */
  private async searchIds(search: string | undefined): Promise<string[] | 'common' | null> {
    if (!search || !searchUsesIndex(search)) return null;
    const rows = await this.db.query<{ id: string }>(SEARCH_CANDIDATES_SQL, [containsPattern(search), SEARCH_CANDIDATES + 1]);
    return rows.length <= SEARCH_CANDIDATES ? rows.map((r) => r.id) : 'common';
  }

  async detail(id: string): Promise<WebhookLogDetailDto> {
    const row = await this.db.one(
      `SELECT webhook_log.*, o.name AS organization_name, ${RETRY_QUEUED_AT}
         FROM webhook_log LEFT JOIN organization o ON o.id = webhook_log.organization_id WHERE webhook_log.id = $1`,
      [id],
    );
    if (!row) throw AppError.notFound(`webhook log ${id} not found`);
    const { dedup_key: _, locked_until: __, ...rest } = row as Record<string, unknown>;
    return rest as unknown as WebhookLogDetailDto;
  }

  async retry(id: string, force: boolean, caller: Caller): Promise<RetriedLogDto> {
    const row = await this.db.one<RetriedLogDto & { organization_id: string | null }>(
      `UPDATE webhook_log SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL,
              retry_count = retry_count + 1, last_retry_at = now()
        WHERE id = $1 AND (status IN ('failed', 'skipped') OR ($2 AND status = 'processed')
                           -- waiting for its automatic retry's backoff: due now instead
                           OR (status = 'pending' AND next_attempt_at > now()))
        RETURNING id, status, retry_count, last_retry_at, organization_id`,
      [id, force],
    );
    if (!row) {
      const existing = await this.db.one<{ status: string }>(`SELECT status FROM webhook_log WHERE id = $1`, [id]);
      if (!existing) throw AppError.notFound(`webhook log ${id} not found`);
      if (existing.status === 'processed') throw AppError.conflict(`webhook log ${id} was already processed; pass force: true to run it again`);
      throw AppError.conflict(`webhook log ${id} is already ${existing.status}`);
    }
    await this.activity.record({
      action: 'webhook.retry',
      organizationId: row.organization_id,
      actorId: caller.userId,
      actorRole: caller.role,
      targetType: 'webhook_log',
      targetId: id,
      details: { force },
    });
    const { organization_id: _, ...data } = row;
    return data;
  }

  /** One statement either way: by ids, or by the list's filter. */
  async bulkRetry(dto: BulkRetryDto, caller: Caller): Promise<BulkRetryResult> {
    if ((dto.log_ids ? 1 : 0) + (dto.filter ? 1 : 0) !== 1) {
      throw AppError.badRequest('give exactly one of log_ids (1..10000 ids) or filter');
    }
    const force = dto.force ?? false;
    let success = 0;
    let failed = 0;
    let reasons: BulkRetryResult['failed_reasons'];
    if (dto.log_ids) {
      const r = await this.db.one<{ success_count: number; requested: number; not_found: number; already_pending: number; processed_needs_force: number }>(
        `WITH input AS (SELECT DISTINCT unnest($1::uuid[]) AS id),
         upd AS (
           UPDATE webhook_log w SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL,
                  retry_count = w.retry_count + 1, last_retry_at = now()
             FROM input i
            WHERE w.id = i.id AND NOT $3 AND (w.status IN ('failed', 'skipped') OR ($2 AND w.status = 'processed'))
           RETURNING w.id),
         would AS (
           SELECT w.id FROM webhook_log w JOIN input i ON i.id = w.id
            WHERE $3 AND (w.status IN ('failed', 'skipped') OR ($2 AND w.status = 'processed'))),
         done AS (SELECT id FROM upd UNION ALL SELECT id FROM would)
         SELECT (SELECT count(*) FROM done)::int AS success_count,
                (SELECT count(*) FROM input)::int AS requested,
                count(*) FILTER (WHERE w.id IS NULL)::int AS not_found,
                count(*) FILTER (WHERE w.status IN ('pending', 'processing'))::int AS already_pending,
                count(*) FILTER (WHERE w.status = 'processed')::int AS processed_needs_force
           FROM input i LEFT JOIN webhook_log w ON w.id = i.id
          WHERE i.id NOT IN (SELECT id FROM done)`,
        [dto.log_ids, force, dto.dry_run ?? false],
      );
      success = r!.success_count;
      failed = r!.requested - success;
      reasons = { not_found: r!.not_found, already_pending: r!.already_pending, processed_needs_force: r!.processed_needs_force };
    } else {
      // Queued, not rewritten (migration WebhookLogRetryQueue): a filter can match any number of
      // logs, and a worker claims queued logs as it claims pending ones.
      // $1 force, then (when queueing) $2 who asks, then the filter's own parameters.
      const f = logFilterSql(dto.filter!, orgScope(caller, dto.filter!.organization_id), dto.dry_run ? 2 : 3);
      const retriable = `(status IN ('failed', 'skipped') OR ($1 AND status = 'processed')) AND ${f.sql}`;
      const r = dto.dry_run
        ? await this.db.one<{ matched: number; queued: number }>(
            `SELECT count(*)::int AS matched,
                    count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM webhook_log_retry q WHERE q.log_id = webhook_log.id))::int AS queued
               FROM webhook_log WHERE ${retriable}`,
            [force, ...f.params],
          )
        : await this.db.one<{ matched: number; queued: number }>(
            `WITH matched AS (SELECT id, organization_id FROM webhook_log WHERE ${retriable}),
                  queued AS (
                    INSERT INTO webhook_log_retry (log_id, organization_id, force, requested_by)
                    SELECT id, organization_id, $1, $2 FROM matched
                    ON CONFLICT (log_id) DO NOTHING RETURNING 1)
             SELECT (SELECT count(*) FROM matched)::int AS matched, (SELECT count(*) FROM queued)::int AS queued`,
            [force, caller.userId, ...f.params],
          );
      success = r!.queued;
      failed = r!.matched - r!.queued;
      reasons = { already_queued: failed };
    }
    if (!dto.dry_run && success > 0) {
      await this.activity.record({
        action: 'webhook.bulk_retry',
        organizationId: caller.orgId,
        actorId: caller.userId,
        actorRole: caller.role,
        targetType: 'webhook_log',
        itemCount: success,
        details: { by: dto.log_ids ? 'ids' : 'filter', requested: dto.log_ids?.length ?? null, failed: failed, force, filter: dto.filter ?? null },
      });
    }
    const message = dto.dry_run
      ? `Would queue ${success} webhooks for retry`
      : `Queued ${success} webhooks for retry, ${failed} failed`;
    return { success: true, success_count: success, failed_count: failed, message, ...(dto.dry_run ? { dry_run: true } : {}), ...(reasons ? { failed_reasons: reasons } : {}) };
  }

  async cleanup(q: CleanupQueryDto, caller: Caller): Promise<{ success: true; deleted_count: number }> {
    const ctx = contextOf(caller);
    const statuses = q.status ? [q.status] : ['processed', 'failed', 'skipped'];
    const deleted = await this.deleteInBatches(q.older_than_days, statuses, ctx);
    await this.db.runAs(ctx, () =>
      this.activity.record({
        action: 'webhook.cleanup',
        organizationId: null,
        actorId: caller.userId,
        actorRole: caller.role,
        targetType: 'webhook_log',
        itemCount: deleted,
        details: { older_than_days: q.older_than_days, status: q.status ?? null },
      }),
    );
    this.logger.log(`cleanup by ${caller.userId}: ${deleted} logs older than ${q.older_than_days} days deleted`);
    return { success: true, deleted_count: deleted };
  }

  /**
   * Deletes in batches of CLEANUP_BATCH rows, each in its own short transaction, so receivers and
   * workers are never blocked behind one huge DELETE.
   */
  async deleteInBatches(olderThanDays: number, statuses: string[], ctx: RlsContext): Promise<number> {
    let deleted = 0;
    for (;;) {
      const n = await this.db.runAs(ctx, async () => {
        const r = await this.db.execute(
          `DELETE FROM webhook_log WHERE id IN (
             SELECT id FROM webhook_log
              WHERE created_at < now() - make_interval(days => $1) AND status = ANY($2::text[])
              LIMIT ${CLEANUP_BATCH})`,
          [olderThanDays, statuses],
        );
        return r.affected;
      });
      deleted += n;
      if (n < CLEANUP_BATCH) return deleted;
      await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * The portal refreshes its charts every few seconds while one scan of a large table takes far
   * longer, so answers are reused for WEBHOOK_STATS_CACHE_SECONDS. The key is what RLS shows the
   * caller (all organizations for platform roles, else the caller's organization) plus the filter,
   * so a cached answer never reaches someone who could not have computed it.
   */
  async stats(q: WebhookStatsQueryDto, caller: Caller): Promise<WebhookStatsDto> {
    const ttl = this.config.webhookStatsCacheSeconds * 1000;
    if (ttl <= 0) return this.computeStats(q, caller);
    const key = `salesbrain:stats:${JSON.stringify([isPlatform(caller.role) ? 'platform' : caller.orgId, q])}`;
    const hit = await this.cachedStats(key);
    if (hit) return { ...hit.value, cached_at: new Date(hit.at).toISOString() };
    const value = await this.computeStats(q, caller);
    await this.cacheStats(key, { value, at: Date.now() }, ttl);
    return value;
  }

  /** Shared by every instance through Redis when REDIS_URL is set, else in this process; a Redis failure only means no cache. */
  private async cachedStats(key: string): Promise<{ value: WebhookStatsDto; at: number } | undefined> {
    if (this.redis) {
      const text = await this.redis.get(key).catch(() => null);
      return text ? (JSON.parse(text) as { value: WebhookStatsDto; at: number }) : undefined;
    }
    const hit = this.statsCache.get(key);
    return hit && hit.expires > Date.now() ? hit.entry : undefined;
  }

  private async cacheStats(key: string, entry: { value: WebhookStatsDto; at: number }, ttl: number): Promise<void> {
    if (this.redis) {
      await this.redis.set(key, JSON.stringify(entry), 'PX', ttl).catch((err: Error) => this.logger.warn(`stats cache: ${err.message}`));
      return;
    }
    if (this.statsCache.size > 1000) this.statsCache.clear();
    this.statsCache.set(key, { entry, expires: Date.now() + ttl });
  }

  /**
   * Totals by status, type and source plus time buckets. Without filters beyond the organization
   * the answer comes from the rollup the triggers maintain (no scan of webhook_log); with filters,
   * from one scan of the matching rows with GROUPING SETS.
   */
  private async computeStats(q: WebhookStatsQueryDto, caller: Caller): Promise<WebhookStatsDto> {
    const windowDays = q.interval === 'hour' ? 7 : 30;
    const bucketFrom = q.date_from ? new Date(q.date_from) : new Date(Date.now() - windowDays * 86_400_000);
    // Any filter beyond the organization (which the rollup is keyed by) needs the scan.
    const filtered = logFilterSql(q, null).params.some((v) => v !== null);
    if (!filtered) {
      const r = await this.rollup.read(orgScope(caller, q.organization_id), q.interval, bucketFrom);
      const pick = (dim: string) => Object.fromEntries(r.totals.filter((t) => t.dim === dim).map((t) => [t.value, t.n]));
      const byStatus = pick('status');
      const total = Object.values(byStatus).reduce((a, n) => a + n, 0);
      return {
        total,
        by_status: byStatus,
        by_event_type: pick('event_type'),
        by_source: pick('source'),
        failure_rate: total ? Number(((byStatus.failed ?? 0) / total).toFixed(4)) : 0,
        interval: q.interval,
        buckets_from: bucketFrom.toISOString(),
        buckets: r.buckets.map((b) => ({ bucket: new Date(b.bucket).toISOString(), total: b.total, failed: b.failed ?? 0 })),
      };
    }
    const f = logFilterSql(q, orgScope(caller, q.organization_id), 3);
    const rows = await this.db.query<{ status: string | null; event_type: string | null; event_source: string | null; bucket: Date | null; n: number; failed: number; g: number }>(
      `SELECT status, event_type, event_source,
              CASE WHEN created_at >= $2 THEN date_trunc($1, created_at, 'UTC') END AS bucket,
              count(*)::int AS n, count(*) FILTER (WHERE status = 'failed')::int AS failed,
              GROUPING(status, event_type, event_source, CASE WHEN created_at >= $2 THEN date_trunc($1, created_at, 'UTC') END)::int AS g
         FROM webhook_log WHERE ${f.sql}
        GROUP BY GROUPING SETS ((status), (event_type), (event_source),
                                (CASE WHEN created_at >= $2 THEN date_trunc($1, created_at, 'UTC') END))`,
      [q.interval, bucketFrom, ...f.params],
    );
    const byStatus: Record<string, number> = {};
    const byType: Record<string, number> = {};
    const bySource: Record<string, number> = {};
    const buckets: { bucket: string; total: number; failed: number }[] = [];
    let total = 0;
    let failed = 0;
    for (const r of rows) {
      if (r.g === 7) {
        byStatus[r.status!] = r.n;
        total += r.n;
        failed += r.failed;
      } else if (r.g === 11) byType[r.event_type!] = r.n;
      else if (r.g === 13) bySource[r.event_source!] = r.n;
      else if (r.g === 14 && r.bucket) buckets.push({ bucket: new Date(r.bucket).toISOString(), total: r.n, failed: r.failed });
    }
    buckets.sort((a, b) => (a.bucket < b.bucket ? -1 : 1));
    return {
      total,
      by_status: byStatus,
      by_event_type: byType,
      by_source: bySource,
      failure_rate: total ? Number((failed / total).toFixed(4)) : 0,
      interval: q.interval,
      buckets_from: bucketFrom.toISOString(),
      buckets,
    };
  }
}

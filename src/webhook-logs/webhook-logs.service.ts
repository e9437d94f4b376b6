import { Inject, Injectable, Logger } from '@nestjs/common';
import { ActivityService } from '../activity/activity.service';
import { Caller, isPlatform, orgScope } from '../auth/roles';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AppError } from '../common/app-error';
import { parseCalendarDateTime } from '../common/date-time';
import { REDIS } from '../common/redis.module';
import type Redis from 'ioredis';
import { BulkRetryDto, CleanupQueryDto, ListWebhookLogsQueryDto, WebhookStatsQueryDto } from './dto/log-filter.dto';
import { WebhookStatsRollup } from './webhook-stats-rollup.service';
import {
  decodeCursor,
  encodeCursor,
  filtersBeyondOrganization,
  filterValuesWithMatches,
  LogCursor,
  logFilterValues,
  LogFilterValues,
  noFilter,
  SEARCH_EXACT,
  searchUsesIndex,
} from './log-filter';
import { HeavyReadLimiter, streamKey } from './export-limiter';
import { toRetriedLogDto, toWebhookLogDetailDto, toWebhookLogDto } from './webhook-log.mappers';
import { LogRow, WebhookLogRepository } from './webhook-log.repository';
import { WebhookLogRetentionRepository } from './webhook-log-retention.repository';
import { WebhookLogRetryRepository } from './webhook-log-retry.repository';
import { WebhookLogStatsRepository } from './webhook-log-stats.repository';
import { isStatementTimeout, TimeRange } from './webhook-log.sql';
import { containsPattern } from '../common/paging';
import { BulkRetryResultDto, RetriedLogDto, WebhookLogDetailDto, WebhookLogPageDto, WebhookStatsDto } from './dto/webhook-log.response.dto';

/** Counting stops here: an exact count(*) over a million rows costs far more than the page. */
export const TOTAL_CAP = 1_000;
export const CLEANUP_BATCH = 5_000;
/** The newest logs a common search reads before it asks the trigram index for the newest matches. */
export const SEARCH_WINDOW = 5_000;

type PageRows = { rows: LogRow[]; counted: number };

export type BulkRetryResult = BulkRetryResultDto;

@Injectable()
export class WebhookLogsService {
  private readonly logger = new Logger('WebhookLogs');
  private readonly statsCache = new Map<string, { entry: { value: WebhookStatsDto; at: number }; expires: number }>();

  constructor(
    private readonly logs: WebhookLogRepository,
    private readonly retries: WebhookLogRetryRepository,
    private readonly retention: WebhookLogRetentionRepository,
    private readonly statsRows: WebhookLogStatsRepository,
    private readonly activity: ActivityService,
    private readonly rollup: WebhookStatsRollup,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis | null,
    private readonly heavy: HeavyReadLimiter,
  ) {}

  /**
   * A read whose cost grows with the organization's logs: within the per-organization bound
   * (HeavyReadLimiter: 429 beyond) and, for a search the trigram index cannot serve, within
   * HEAVY_READ_TIMEOUT_MS (a 400 that says how to narrow it beyond).
   */
  private heavyRead<T>(caller: Caller, search: string | undefined, read: () => Promise<T>): Promise<T> {
    return this.heavy.run(streamKey(caller), async () => {
      if (!search || searchUsesIndex(search)) return read();
      await this.logs.limitStatementTime(this.config.heavyReadTimeoutMs);
      try {
        return await read();
      } catch (err) {
        if (!isStatementTimeout(err)) throw err;
        throw AppError.badRequest(
          `a search without three letters or digits in a row cannot use the search index, so it is checked on every log the other ` +
            `filters leave, and this one took longer than ${this.config.heavyReadTimeoutMs} ms: search for a longer term, or narrow ` +
            `it with date_from/date_to, status, event_type, campaign_id or contact_email`,
        );
      }
    });
  }

  /**
   * Newest first. `total` is exact up to TOTAL_CAP matches; past that it is TOTAL_CAP and
   * `total_capped` is true. `has_more` is always exact (one extra row is read).
   */
  async list(q: ListWebhookLogsQueryDto, caller: Caller): Promise<WebhookLogPageDto> {
    if (q.search && !searchUsesIndex(q.search)) return this.heavyRead(caller, q.search, () => this.listNow(q, caller));
    return this.listNow(q, caller);
  }

  private async listNow(q: ListWebhookLogsQueryDto, caller: Caller): Promise<WebhookLogPageDto> {
    const cursor = q.cursor ? decodeCursor(q.cursor) : null;
    if (q.cursor && !cursor) throw AppError.badRequest('cursor is malformed');
    const scope = orgScope(caller, q.organization_id);
    const offset = cursor ? 0 : q.offset;
    const { rows, counted } = (await this.searchOnlyPage(q, scope, cursor, offset)) ?? (await this.filteredPage(q, scope, cursor, offset));
    const hasMore = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      logs: page.map(toWebhookLogDto),
      total: Math.min(counted, TOTAL_CAP),
      total_capped: counted > TOTAL_CAP,
      limit: q.limit,
      offset,
      has_more: hasMore,
      next_cursor: hasMore && last ? encodeCursor(last) : null,
    };
  }

  /**
   * A search with no other filter (the caller's own scope aside; "no other filter" is read off the
   * filter's own parameters) and up to SEARCH_EXACT matches: one read of the matches, newest month
   * first, gives the page's ids and the count up to the cap (the search function applies the
   * policies' roles itself). Null otherwise.
   */
  private async searchOnlyPage(
    q: ListWebhookLogsQueryDto,
    scope: string | null,
    cursor: LogCursor | null,
    offset: number,
  ): Promise<PageRows | null> {
    if (!q.search || !searchUsesIndex(q.search)) return null;
    if (!noFilter(logFilterValues({ ...q, search: undefined }, q.organization_id ?? null))) return null;
    const pattern = containsPattern(q.search);
    const { ids, matches, within } = await this.logs.searchPage(pattern, SEARCH_EXACT, TOTAL_CAP, cursor, offset, q.limit + 1);
    if (matches > SEARCH_EXACT) {
      const filter = logFilterValues(q, scope);
      return { rows: await this.commonSearchPage(q, scope, filter, cursor, offset, true), counted: matches };
    }
    if (!ids.length || !within.from || !within.to) return { rows: [], counted: matches };
    // The page's own time span as a date filter: only the partitions holding it are read.
    const filter = logFilterValues({ ...q, date_from: within.from, date_to: within.to }, scope, ids);
    return { rows: await this.logs.page(filter, cursor, q.limit + 1, 0, { bySearchOrder: true, walkIndex: false }), counted: matches };
  }

  /**
   * Any other list: filters, and a search among them. A search with up to SEARCH_EXACT matches is
   * answered from them (read through the trigram index): the page and the count read only those
   * rows. A commoner one reads the newest logs and tests each (its matches are among them).
   */
  private async filteredPage(
    q: ListWebhookLogsQueryDto,
    scope: string | null,
    cursor: LogCursor | null,
    offset: number,
  ): Promise<PageRows> {
    if (q.search && searchUsesIndex(q.search)) {
      // The matches answer the search; the filter applies the others.
      const among = await this.logs.searchAmong(
        logFilterValues({ ...q, search: undefined }, scope),
        containsPattern(q.search),
        SEARCH_EXACT,
        cursor,
        q.limit + 1,
        offset,
      );
      if (among.found <= SEARCH_EXACT) return { rows: among.rows, counted: among.total };
      const filter = logFilterValues(q, scope);
      return {
        rows: await this.commonSearchPage(q, scope, filter, cursor, offset, false),
        counted: await this.logs.countUpTo(filter, TOTAL_CAP),
      };
    }
    const filter = logFilterValues(q, scope);
    return {
      rows: await this.logs.page(filter, cursor, q.limit + 1, offset, { bySearchOrder: Boolean(q.search), walkIndex: false }),
      counted: await this.logs.countUpTo(filter, TOTAL_CAP),
    };
  }

  /**
   * A search with more matches than SEARCH_EXACT: they are usually among the newest
   * logs, so a bounded window of those is read first. If that does not fill the page, a search on
   * its own takes the newest matches month by month, newest first (the matches are older);
   * with other filters the logs are read on in index order (under RLS the planner cannot see how
   * common the pattern is and would sort every match).
   */
  private async commonSearchPage(
    q: ListWebhookLogsQueryDto,
    scope: string | null,
    filter: LogFilterValues,
    cursor: LogCursor | null,
    offset: number,
    onlySearch: boolean,
  ): Promise<LogRow[]> {
    const rows = await this.logs.pageInWindow(filter, cursor, q.limit + 1, offset, SEARCH_WINDOW);
    if (rows.length > q.limit) return rows;
    if (!onlySearch) return this.logs.page(filter, cursor, q.limit + 1, offset, { bySearchOrder: false, walkIndex: true });
    const newest = await this.logs.searchNewest(containsPattern(q.search as string), offset + q.limit + 1, cursor);
    return this.logs.page(logFilterValues(q, scope, newest), cursor, q.limit + 1, offset, { bySearchOrder: true, walkIndex: false });
  }

  async detail(id: string): Promise<WebhookLogDetailDto> {
    const row = await this.logs.detail(id);
    if (!row) throw AppError.notFound(`webhook log ${id} not found`);
    return toWebhookLogDetailDto(row);
  }

  async retry(id: string, force: boolean, caller: Caller): Promise<RetriedLogDto> {
    const row = await this.retries.retry(id, force);
    if (!row) {
      const status = await this.logs.statusOf(id);
      if (!status) throw AppError.notFound(`webhook log ${id} not found`);
      if (status === 'processed') throw AppError.conflict(`webhook log ${id} was already processed; pass force: true to run it again`);
      throw AppError.conflict(`webhook log ${id} is already ${status}`);
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
    return toRetriedLogDto(row);
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
      const r = await this.retries.bulkRetryByIds(dto.log_ids, force, dto.dry_run ?? false);
      success = r.success_count;
      failed = r.requested - success;
      reasons = { not_found: r.not_found, already_pending: r.already_pending, processed_needs_force: r.processed_needs_force };
    } else {
      const r = await this.heavyRead(caller, dto.filter!.search, async () => {
        const filter = await filterValuesWithMatches(dto.filter!, orgScope(caller, dto.filter!.organization_id), this.logs);
        return this.retries.queueRetryByFilter(filter, force, caller.userId, dto.dry_run ?? false);
      });
      success = r.queued;
      failed = r.matched - r.queued;
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
        details: {
          by: dto.log_ids ? 'ids' : 'filter',
          requested: dto.log_ids?.length ?? null,
          failed: failed,
          force,
          filter: dto.filter ?? null,
        },
      });
    }
    const message = dto.dry_run ? `Would queue ${success} webhooks for retry` : `Queued ${success} webhooks for retry, ${failed} failed`;
    return {
      success: true,
      success_count: success,
      failed_count: failed,
      message,
      ...(dto.dry_run ? { dry_run: true } : {}),
      ...(reasons ? { failed_reasons: reasons } : {}),
    };
  }

  /** In the request's transaction, in statements of CLEANUP_BATCH rows each. */
  async cleanup(q: CleanupQueryDto, caller: Caller): Promise<{ success: true; deleted_count: number }> {
    const statuses = q.status ? [q.status] : ['processed', 'failed', 'skipped'];
    const deleted = await this.deleteInBatches(q.older_than_days, statuses);
    await this.activity.record({
      action: 'webhook.cleanup',
      organizationId: null,
      actorId: caller.userId,
      actorRole: caller.role,
      targetType: 'webhook_log',
      itemCount: deleted,
      details: { older_than_days: q.older_than_days, status: q.status ?? null },
    });
    this.logger.log(`cleanup by ${caller.userId}: ${deleted} logs older than ${q.older_than_days} days deleted`);
    return { success: true, deleted_count: deleted };
  }

  /**
   * Deletes the logs older than olderThanDays in one of statuses. Whole months past the limit go
   * by replacing their partitions (only the logs kept stay, migration WebhookLogPartitions); the
   * boundary month by rows, in statements of CLEANUP_BATCH, and every month by rows if the drop
   * could not lock the table. The row pass comes first so that the lock the drop takes on the
   * whole table is held for the drop only. With prepareAheadDays (the nightly job), the logs to
   * keep of the months past the limit within that many days are copied first, without a lock, so
   * that the drop only reconciles them (migration WebhookLogRetentionPrepared). Each step runs
   * through inTransaction (the scheduled retention gives each its own short transaction; by
   * default the current one).
   */
  async deleteInBatches(
    olderThanDays: number,
    statuses: string[],
    inTransaction: <T>(step: () => Promise<T>) => Promise<T> = (step) => step(),
    prepareAheadDays = 0,
  ): Promise<number> {
    const cutoff = await inTransaction(() => this.retention.retentionCutoff(olderThanDays));
    let deleted = await this.deleteRows(olderThanDays, statuses, { from: cutoff, to: null }, inTransaction);
    if (prepareAheadDays > 0) {
      const ahead = await inTransaction(() => this.retention.retentionCutoff(olderThanDays - prepareAheadDays));
      const prepared = await inTransaction(() => this.retention.prepareKept(ahead, statuses));
      if (prepared > 0) this.logger.log(`retention: the logs to keep of ${prepared} months prepared`);
    }
    const dropped = await inTransaction(() => this.retention.dropMonths(cutoff, statuses));
    deleted += dropped.deleted;
    if (dropped.droppedBefore === null)
      deleted += await this.deleteRows(olderThanDays, statuses, { from: null, to: cutoff }, inTransaction);
    return deleted;
  }

  private async deleteRows(
    olderThanDays: number,
    statuses: string[],
    range: TimeRange,
    inTransaction: <T>(step: () => Promise<T>) => Promise<T>,
  ): Promise<number> {
    let deleted = 0;
    let after: LogCursor | null = null;
    for (;;) {
      const from: LogCursor | null = after;
      const r: { deleted: number; next: LogCursor | null } = await inTransaction(() =>
        this.retention.deleteOlderThan(olderThanDays, statuses, CLEANUP_BATCH, from, range),
      );
      deleted += r.deleted;
      if (!r.next || r.deleted < CLEANUP_BATCH) return deleted;
      after = r.next;
      await new Promise((resolve) => setImmediate(resolve));
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
    const bucketFrom = q.date_from ? parseCalendarDateTime(q.date_from) : new Date(Date.now() - windowDays * 86_400_000);
    // Any filter beyond the organization (which the rollup is keyed by) needs the scan.
    if (!filtersBeyondOrganization(q)) {
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
    const rows = await this.heavyRead(caller, q.search, async () => {
      const filter = await filterValuesWithMatches(q, orgScope(caller, q.organization_id), this.logs);
      return this.statsRows.statsScan(filter, q.interval, bucketFrom);
    });
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

import { Inject, Injectable } from '@nestjs/common';
import { Caller, isPlatform } from '../auth/roles';
import { StreamLimiter } from '../common/response-stream';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** At most half of the pool's connections go to one kind of long or heavy read, whatever its own setting. */
const withinHalfPool = (max: number, config: AppConfig) => Math.min(max, Math.max(1, Math.floor(config.databasePoolSize / 2)));

/** Whose streams count together: an organization's, or one platform caller's. */
export function streamKey(caller: Caller): string {
  return caller.orgId && !isPlatform(caller.role) ? `org:${caller.orgId}` : `caller:${caller.userId}`;
}

/**
 * The limits on streamed answers, shared by the log export and the subject-access request
 * (EXPORT_MAX_CONCURRENT in all, never more than half of the pool; EXPORT_MAX_PER_ORGANIZATION).
 */
@Injectable()
export class ExportLimiter extends StreamLimiter {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super(withinHalfPool(config.exportMaxConcurrent, config), config.exportMaxPerOrganization);
  }
}

/**
 * The limits on reads whose cost grows with an organization's logs rather than its page (a search
 * the trigram index cannot serve, stats over filters the rollup does not keep, a bulk retry by
 * filter): HEAVY_READS_PER_ORGANIZATION at once per organization (platform callers: per caller),
 * HEAVY_READS_MAX_CONCURRENT in all, never more than half of the pool; beyond, 429 with
 * Retry-After. One tenant's flood of them cannot take the pool from its neighbours.
 */
@Injectable()
export class HeavyReadLimiter extends StreamLimiter {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super(
      withinHalfPool(config.heavyReadsMaxConcurrent, config),
      config.heavyReadsPerOrganization,
      'expensive reads (searches the index cannot serve, filtered stats, bulk retries by filter)',
      2,
    );
  }
}

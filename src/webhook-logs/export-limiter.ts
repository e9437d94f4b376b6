import { Inject, Injectable } from '@nestjs/common';
import { Caller, isPlatform } from '../auth/roles';
import { StreamLimiter } from '../common/response-stream';
import { APP_CONFIG, AppConfig } from '../config/app-config';

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
    super(Math.min(config.exportMaxConcurrent, Math.max(1, Math.floor(config.databasePoolSize / 2))), config.exportMaxPerOrganization);
  }
}

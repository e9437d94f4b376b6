import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** The shared Redis connection (REDIS_URL), or null: then limits and caches are per instance. */
export const REDIS = Symbol('REDIS');

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}

/**
 * One Redis connection per instance when REDIS_URL is set: the public onboarding rate limit
 * (@nestjs/throttler with @nest-lab/throttler-storage-redis) and the webhook stats cache are then
 * shared, so N instances give one limit and compute a filtered answer once.
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => (config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2, connectTimeout: 5000 }) : null),
    },
    RedisCloser,
  ],
  exports: [REDIS],
})
export class RedisModule {}

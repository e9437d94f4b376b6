import { Global, Module } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RedisCloser } from './redis-closer.service';
import { REDIS } from './redis.token';

export { REDIS } from './redis.token';

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
      useFactory: (config: AppConfig) =>
        config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2, connectTimeout: 5000 }) : null,
    },
    RedisCloser,
  ],
  exports: [REDIS],
})
export class RedisModule {}

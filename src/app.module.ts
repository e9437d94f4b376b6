import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { ScheduleModule } from '@nestjs/schedule';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type Redis from 'ioredis';
import { REDIS, RedisModule } from './common/redis.module';
import { ClsModule } from 'nestjs-cls';
import { ActivityModule } from './activity/activity.module';
import { AssignmentsModule } from './assignments/assignments.module';
import { AuthGuard } from './auth/auth.guard';
import { CampaignsModule } from './campaigns/campaigns.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { AllExceptionsFilter } from './http/http-exception.filter';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { DatabaseModule, EMBEDDED } from './database/database.module';
import { RlsTransactionInterceptor } from './database/rls.interceptor';
import { RlsTransactionalAdapter } from './database/rls-transactional.adapter';
import { HealthModule } from './health/health.module';
import { APP_METRICS, AppMetrics } from './observability/app-metrics';
import { MetricsModule } from './metrics/metrics.module';
import { OnboardingModule } from './onboarding/onboarding.module';
import { OrganizationsModule } from './organizations/organizations.module';
import { PrivacyModule } from './privacy/privacy.module';
import { SchedulingModule } from './scheduling/scheduling.module';
import { UsersModule } from './users/users.module';
import { WebhookLogsModule } from './webhook-logs/webhook-logs.module';
import { WebhooksModule } from './webhooks/webhooks.module';

export interface AppModuleOptions {
  config: AppConfig;
  embedded: boolean;
  metrics: AppMetrics;
}

@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    const configModule: DynamicModule = {
      module: class ConfigHolderModule {},
      global: true,
      providers: [
        { provide: APP_CONFIG, useValue: options.config },
        { provide: EMBEDDED, useValue: options.embedded },
        { provide: APP_METRICS, useValue: options.metrics },
      ],
      exports: [APP_CONFIG, EMBEDDED, APP_METRICS],
    };
    return {
      module: AppModule,
      imports: [
        configModule,
        DatabaseModule,
        // ClsModule.forRoot would also register a global guard and interceptor that do nothing
        // unless mounted, and cost every request a layer of Nest's interceptor chain (5-7% of the
        // campaign filter's throughput, A/B measured). Nothing here mounts them: the RLS interceptor
        // starts a context around each request's transaction, and jobs start their own (Db.runAs).
        // So only the plugin is registered; ClsService itself is a process-wide singleton.
        {
          ...ClsModule.registerPlugins([
            new ClsPluginTransactional({
              imports: [DatabaseModule],
              adapter: new RlsTransactionalAdapter(),
            }),
          ]),
          global: true,
        },
        ActivityModule,
        ScheduleModule.forRoot(),
        SchedulingModule,
        RedisModule,
        // Applied by the public onboarding routes only, per client IP: in memory per instance, or
        // shared by every instance through Redis when REDIS_URL is set.
        ThrottlerModule.forRootAsync({
          inject: [REDIS],
          useFactory: (redis: Redis | null) => ({
            throttlers: [{ ttl: 60_000, limit: options.config.publicRateLimitPerMinute }],
            storage: redis ? new ThrottlerStorageRedisService(redis) : undefined,
          }),
        }),
        HealthModule,
        OrganizationsModule,
        UsersModule,
        CampaignsModule,
        WebhooksModule,
        WebhookLogsModule,
        AssignmentsModule,
        OnboardingModule,
        DashboardModule,
        PrivacyModule,
        MetricsModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: RlsTransactionInterceptor },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}

import { Global, Module } from '@nestjs/common';
import { ActivityRepository } from './activity.repository';
import { ActivityService } from './activity.service';

@Global()
@Module({ providers: [ActivityService, ActivityRepository], exports: [ActivityService] })
export class ActivityModule {}

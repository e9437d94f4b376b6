import { Global, Module } from '@nestjs/common';
import { JobRunRepository } from './job-run.repository';
import { JobRunner } from './job-runner.service';

@Global()
@Module({ providers: [JobRunner, JobRunRepository], exports: [JobRunner] })
export class SchedulingModule {}

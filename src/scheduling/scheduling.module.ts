import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobRun } from './job-run.entity';
import { JobRunRepository } from './job-run.repository';
import { JobRunner } from './job-runner.service';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([JobRun])],
  providers: [JobRunner, JobRunRepository],
  exports: [JobRunner],
})
export class SchedulingModule {}

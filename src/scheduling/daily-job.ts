import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';

/** Registers a cron job (UTC) whose failures are logged instead of escaping the timer. */
export function scheduleJob(
  registry: SchedulerRegistry,
  name: string,
  cronTime: string,
  run: () => Promise<unknown>,
  logger: Logger,
): void {
  const job = CronJob.from({
    cronTime,
    timeZone: 'UTC',
    onTick: () => {
      run().catch((err: Error) => logger.error(`${name} failed: ${err.message}`));
    },
  });
  registry.addCronJob(name, job);
  job.start();
}

import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { HealthRepository } from './health.repository';

/** Terminus's indicator for the database: up with the round trip in ms, down after 2 s or on an error. */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly repository: HealthRepository,
  ) {}

  async check(key: 'database') {
    const indicator = this.indicators.check(key);
    const started = Date.now();
    try {
      await Promise.race([
        this.repository.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout after 2 s')), 2000).unref()),
      ]);
    } catch (err) {
      return indicator.down({ message: (err as Error).message });
    }
    return indicator.up({ latency_ms: Date.now() - started });
  }
}

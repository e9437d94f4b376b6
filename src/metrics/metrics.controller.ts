import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { NoRequestTransaction, Public } from '../auth/auth.decorators';
import { bearerToken } from '../auth/jwt';
import { AppError } from '../common/app-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { secretMatches } from '../common/secrets';
import { MetricsService } from './metrics.service';

/**
 * `GET /metrics` for Prometheus (outside /api, not part of the portal's API document): refused
 * unless the scrape presents METRICS_TOKEN as a bearer token (Prometheus's `authorization`
 * setting); 404 when METRICS_TOKEN is not set.
 */
@ApiExcludeController()
@Controller('metrics')
@NoRequestTransaction()
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Public('Prometheus metrics')
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    if (!this.config.metricsToken) throw AppError.notFound('metrics are disabled (METRICS_TOKEN is not set)');
    if (!secretMatches(bearerToken(authorization), this.config.metricsToken)) throw AppError.unauthorized('missing or wrong metrics token');
    const text = await this.metrics.render();
    res.setHeader('content-type', this.metrics.contentType);
    res.setHeader('cache-control', 'no-store');
    res.send(text);
  }
}

import { Controller, Get, Inject } from '@nestjs/common';
import { ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { Public, SingleReadStatement } from '../auth/auth.decorators';
import { ApiEnvelope, Envelope, ok } from '../common/api-envelope';
import { AppError } from '../common/app-error';
import { ErrorBodyDto } from '../common/error-body.dto';
import { loginReportOf } from '../database/runtime-role.check';
import { DatabaseHealthIndicator } from './database.health';
import { HealthDto } from './health.dto';

@ApiTags('Health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  @Get()
  @Public('Liveness and database status')
  // One statement: the connection is taken inside the check, so its 2 s limit covers that too.
  @SingleReadStatement()
  @ApiEnvelope(HealthDto)
  @ApiServiceUnavailableResponse({ type: ErrorBodyDto, description: 'The database is unreachable' })
  async check(): Promise<Envelope<HealthDto>> {
    let latency: number;
    try {
      const result = await this.health.check([() => this.database.check('database')]);
      latency = Number((result.details.database as { latency_ms?: number }).latency_ms);
    } catch {
      throw AppError.unavailable('database: down');
    }
    const login = loginReportOf(this.dataSource);
    return ok({ status: 'ok', database: 'up', latency_ms: latency, login_bypasses_rls: login?.loginBypassesRls ?? false });
  }
}

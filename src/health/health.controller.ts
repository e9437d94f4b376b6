import { Controller, Get, Inject } from '@nestjs/common';
import { ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, Envelope, ok } from '../common/api-envelope';
import { DataSource } from 'typeorm';
import { NoRequestTransaction, Public } from '../auth/auth.decorators';
import { AppError } from '../common/app-error';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ANONYMOUS_CONTEXT } from '../database/rls-context';
import { Db } from '../database/db.service';
import { loginReportOf } from '../database/runtime-role.check';
import { HealthDto } from './health.dto';

@ApiTags('Health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly db: Db,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  @Get()
  @Public('Liveness and database status')
  @NoRequestTransaction()
  @ApiEnvelope(HealthDto)
  @ApiServiceUnavailableResponse({ type: ErrorBodyDto, description: 'The database is unreachable' })
  async check(): Promise<Envelope<HealthDto>> {
    const started = Date.now();
    try {
      // Through the same transaction start as every request (runtime role, context), as anonymous.
      await Promise.race([
        this.db.withConnection(ANONYMOUS_CONTEXT, (client) => client.query('SELECT 1')),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
      ]);
    } catch {
      throw AppError.unavailable('database: down');
    }
    const login = loginReportOf(this.dataSource);
    return ok({ status: 'ok', database: 'up', latency_ms: Date.now() - started, login_bypasses_rls: login?.loginBypassesRls ?? false });
  }
}

import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { NoRequestTransaction, Public } from '../auth/auth.decorators';
import { AppError } from '../common/app-error';
import { ErrorBodyDto } from '../common/error-body.dto';

@ApiTags('Health')
@Controller('health')
export class HealthController {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  @Get()
  @Public('Liveness and database status')
  @NoRequestTransaction()
  @ApiOkResponse({ description: '`{success: true, data: {status: "ok", database: "up", latency_ms}}`' })
  @ApiServiceUnavailableResponse({ type: ErrorBodyDto, description: 'The database is unreachable' })
  async check() {
    const started = Date.now();
    try {
      await Promise.race([
        this.dataSource.query('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
      ]);
    } catch {
      throw AppError.unavailable('database: down');
    }
    return { success: true, data: { status: 'ok', database: 'up', latency_ms: Date.now() - started } };
  }
}

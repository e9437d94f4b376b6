import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { Caller, RoleGroups } from '../auth/roles';
import { ApiEnvelope, Envelope } from '../common/api-envelope';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ok } from '../common/paging';
import { DashboardStatsDto, RecentActivityDto, RecentActivityQueryDto } from './dashboard.dto';
import { DashboardService } from './dashboard.service';

@ApiTags('Dashboard')
@ApiBadRequestResponse({ type: ErrorBodyDto })
@Controller('admin/dashboard')
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get('stats')
  @Authenticated(
    RoleGroups.managers,
    'Dashboard counts: organizations, users, campaigns, contacts, webhooks, assignments, onboarding links',
  )
  @ApiEnvelope(DashboardStatsDto)
  async stats(@CurrentCaller() caller: Caller): Promise<Envelope<DashboardStatsDto>> {
    return ok(await this.dashboard.stats(caller));
  }

  @Get('recent-activity')
  @Authenticated(
    RoleGroups.managers,
    'Recent activity: webhook events, assignments, onboarding link events and admin actions, newest first',
  )
  @ApiEnvelope(RecentActivityDto)
  async recent(@Query() q: RecentActivityQueryDto, @CurrentCaller() caller: Caller): Promise<Envelope<RecentActivityDto>> {
    return ok(await this.dashboard.recentActivity(q, caller));
  }
}

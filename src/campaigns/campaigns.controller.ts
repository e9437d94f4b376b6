import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, SingleReadStatement } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { Caller, RoleGroups } from '../auth/roles';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ok } from '../common/paging';
import { CampaignsService } from './campaigns.service';
import { CampaignFilterQueryDto, CampaignOptionDto, CreateCampaignDto, ListCampaignsQueryDto } from './dto/campaign.dto';

@ApiTags('Campaigns')
@ApiBadRequestResponse({ type: ErrorBodyDto })
@Controller('admin/campaigns')
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Get('filter')
  @SingleReadStatement()
  @Authenticated(RoleGroups.anyAdmin, 'Campaign options for filter dropdowns (at most 100, by name)')
  @ApiOkResponse({ type: CampaignOptionDto, isArray: true, description: '`{success, data: [{id, name, status, organization_id}]}`' })
  async filter(@Query() q: CampaignFilterQueryDto, @CurrentCaller() caller: Caller) {
    return ok(await this.campaigns.filterOptions(q, caller));
  }

  @Get()
  @Authenticated(RoleGroups.anyAdmin, 'List campaigns (paginated)')
  async list(@Query() q: ListCampaignsQueryDto, @CurrentCaller() caller: Caller) {
    return ok(await this.campaigns.list(q, caller));
  }

  @Post()
  @HttpCode(201)
  @Authenticated(RoleGroups.managers, 'Create a campaign')
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ type: ErrorBodyDto })
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: 'instantly_campaign_id set by an organization role' })
  async create(@Body() dto: CreateCampaignDto, @CurrentCaller() caller: Caller) {
    return ok(await this.campaigns.create(dto, caller));
  }
}

import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, Envelope } from '../common/api-envelope';
import { Authenticated, SingleReadStatement } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { Caller, RoleGroups } from '../auth/roles';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ok } from '../common/paging';
import { UuidPath } from '../common/uuid-param.pipe';
import { CampaignsService } from './campaigns.service';
import {
  CampaignDto,
  CampaignFilterQueryDto,
  CampaignOptionDto,
  CampaignPageDto,
  CreateCampaignDto,
  ListCampaignsQueryDto,
  UpdateCampaignDto,
} from './dto/campaign.dto';

@ApiTags('Campaigns')
@ApiBadRequestResponse({ type: ErrorBodyDto })
@Controller('admin/campaigns')
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Get('filter')
  @SingleReadStatement()
  @Authenticated(RoleGroups.anyAdmin, 'Campaign options for filter dropdowns (at most 100, by name)')
  @ApiEnvelope(CampaignOptionDto, { isArray: true, description: 'At most 100 campaigns, by name' })
  async filter(@Query() q: CampaignFilterQueryDto, @CurrentCaller() caller: Caller): Promise<Envelope<CampaignOptionDto[]>> {
    return ok(await this.campaigns.filterOptions(q, caller));
  }

  @Get()
  @Authenticated(RoleGroups.anyAdmin, 'List campaigns (paginated)')
  @ApiEnvelope(CampaignPageDto)
  async list(@Query() q: ListCampaignsQueryDto, @CurrentCaller() caller: Caller): Promise<Envelope<CampaignPageDto>> {
    return ok(await this.campaigns.list(q, caller));
  }

  @Patch(':id')
  @Authenticated(
    RoleGroups.managers,
    'Rename or re-status a campaign',
    'Organization roles: their own organization’s campaigns (another organization’s id is a 404).',
  )
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiEnvelope(CampaignDto)
  async update(@UuidPath('id') id: string, @Body() dto: UpdateCampaignDto): Promise<Envelope<CampaignDto>> {
    return ok(await this.campaigns.update(id, dto));
  }

  @Post()
  @HttpCode(201)
  @Authenticated(RoleGroups.managers, 'Create a campaign')
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ type: ErrorBodyDto })
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: 'instantly_campaign_id set by an organization role' })
  @ApiEnvelope(CampaignDto, { status: 201 })
  async create(@Body() dto: CreateCampaignDto, @CurrentCaller() caller: Caller): Promise<Envelope<CampaignDto>> {
    return ok(await this.campaigns.create(dto, caller));
  }
}

import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { containsPattern, toPage } from '../common/paging';
import { Caller, isPlatform, orgScope } from '../auth/roles';
import { OrganizationRepository } from '../organizations/organization.repository';
import { Campaign } from './campaign.entity';
import { CampaignRepository } from './campaign.repository';
import {
  CampaignDto,
  CampaignFilterQueryDto,
  CampaignOptionDto,
  CampaignPageDto,
  CreateCampaignDto,
  UpdateCampaignDto,
  ListCampaignsQueryDto,
} from './dto/campaign.dto';

function toDto(c: Campaign): CampaignDto {
  return {
    id: c.id,
    organization_id: c.organization_id,
    name: c.name,
    status: c.status,
    instantly_campaign_id: c.instantly_campaign_id,
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}

@Injectable()
export class CampaignsService {
  constructor(
    private readonly campaigns: CampaignRepository,
    private readonly organizations: OrganizationRepository,
  ) {}

  /** Dropdown options: at most 100, by name. Tenant scoping is RLS's job, not this WHERE's. */
  filterOptions(q: CampaignFilterQueryDto, caller: Caller): Promise<CampaignOptionDto[]> {
    return this.campaigns.options({
      organizationId: orgScope(caller, q.organization_id),
      namePattern: q.search ? containsPattern(q.search) : null,
      status: q.status ?? null,
    });
  }

  async list(q: ListCampaignsQueryDto, caller: Caller): Promise<CampaignPageDto> {
    const [rows, total] = await this.campaigns.page(
      {
        organizationId: orgScope(caller, q.organization_id),
        namePattern: q.search ? containsPattern(q.search) : null,
        status: q.status ?? null,
      },
      q.limit,
      q.offset,
    );
    return toPage('campaigns', rows.map(toDto), total, q.limit, q.offset);
  }

  /** Name and status; the routing id stays the platform's (created with the campaign). */
  async update(id: string, dto: UpdateCampaignDto): Promise<CampaignDto> {
    const row = await this.campaigns.update(id, dto);
    if (!row) throw AppError.notFound(`campaign ${id} not found`);
    return toDto(row);
  }

  async create(dto: CreateCampaignDto, caller: Caller): Promise<CampaignDto> {
    // The database refuses it too (migration TenantHardening); this names the field.
    if (dto.instantly_campaign_id !== undefined && !isPlatform(caller.role)) {
      throw AppError.forbidden('only platform roles may set instantly_campaign_id');
    }
    if (!(await this.organizations.exists(dto.organization_id))) throw AppError.notFound(`organization ${dto.organization_id} not found`);
    const row = await this.campaigns.create({
      organization_id: dto.organization_id,
      name: dto.name,
      status: dto.status ?? 'active',
      instantly_campaign_id: dto.instantly_campaign_id ?? null,
      // A platform role vouches for the mapping: events may be routed here by this campaign id.
      routes_events: dto.instantly_campaign_id !== undefined,
    });
    if (!row) throw AppError.conflict(`campaign with instantly_campaign_id ${dto.instantly_campaign_id} already exists`);
    return toDto(row);
  }
}

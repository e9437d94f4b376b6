import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { containsPattern, toPage } from '../common/paging';
import { Caller, isPlatform, orgScope } from '../auth/roles';
import { Db } from '../database/db.service';
import { CampaignDto, CampaignFilterQueryDto, CampaignOptionDto, CampaignPageDto, CreateCampaignDto, ListCampaignsQueryDto } from './dto/campaign.dto';

const COLUMNS = `id, organization_id, name, status, instantly_campaign_id, created_at, updated_at`;
const FILTER = `($1::uuid IS NULL OR organization_id = $1)
  AND ($2::text IS NULL OR name ILIKE $2 ESCAPE '\\')
  AND ($3::text IS NULL OR status = $3)`;

@Injectable()
export class CampaignsService {
  constructor(private readonly db: Db) {}

  /** Dropdown options: at most 100, by name. Tenant scoping is RLS's job, not this WHERE's. */
  filterOptions(q: CampaignFilterQueryDto, caller: Caller): Promise<CampaignOptionDto[]> {
    return this.db.query<CampaignOptionDto>(
      `SELECT id, name, status, organization_id FROM campaign WHERE ${FILTER} ORDER BY name, id LIMIT 100`,
      [orgScope(caller, q.organization_id), q.search ? containsPattern(q.search) : null, q.status ?? null],
    );
  }

  async list(q: ListCampaignsQueryDto, caller: Caller): Promise<CampaignPageDto> {
    const params = [orgScope(caller, q.organization_id), q.search ? containsPattern(q.search) : null, q.status ?? null];
    const [rows, count] = await Promise.all([
      this.db.query<CampaignDto>(`SELECT ${COLUMNS} FROM campaign WHERE ${FILTER} ORDER BY name, id LIMIT $4 OFFSET $5`, [
        ...params,
        q.limit,
        q.offset,
      ]),
      this.db.one<{ n: string }>(`SELECT count(*) AS n FROM campaign WHERE ${FILTER}`, params),
    ]);
    return toPage('campaigns', rows, Number(count?.n ?? 0), q.limit, q.offset);
  }

  async create(dto: CreateCampaignDto, caller: Caller): Promise<CampaignDto> {
    // The database refuses it too (migration TenantHardening); this names the field.
    if (dto.instantly_campaign_id !== undefined && !isPlatform(caller.role)) {
      throw AppError.forbidden('only platform roles may set instantly_campaign_id');
    }
    const org = await this.db.one(`SELECT id FROM organization WHERE id = $1`, [dto.organization_id]);
    if (!org) throw AppError.notFound(`organization ${dto.organization_id} not found`);
    const row = await this.db.one<CampaignDto>(
      `INSERT INTO campaign (organization_id, name, status, instantly_campaign_id)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT ON CONSTRAINT uq_campaign_instantly DO NOTHING
       RETURNING ${COLUMNS}`,
      [dto.organization_id, dto.name, dto.status ?? 'active', dto.instantly_campaign_id ?? null],
    );
    if (!row) throw AppError.conflict(`campaign with instantly_campaign_id ${dto.instantly_campaign_id} already exists`);
    return row;
  }
}

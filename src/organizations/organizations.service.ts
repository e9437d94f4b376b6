import { Injectable } from '@nestjs/common';
import { CallerStanding } from '../auth/caller-standing';
import { AppError } from '../common/app-error';
import { containsPattern, toPage } from '../common/paging';
import { Organization } from './organization.entity';
import { OrganizationChanges, OrganizationRepository } from './organization.repository';
import { Caller, isPlatform } from '../auth/roles';
import {
  CreateOrganizationDto,
  ListOrganizationsQueryDto,
  OrganizationDto,
  OrganizationPageDto,
  UpdateOrganizationDto,
} from './dto/organization.dto';

function toDto(o: Organization): OrganizationDto {
  return {
    id: o.id,
    name: o.name,
    instantly_workspace_id: o.instantly_workspace_id,
    auto_assign_strategy: o.auto_assign_strategy,
    status: o.status,
    created_at: o.created_at,
    updated_at: o.updated_at,
  };
}

@Injectable()
export class OrganizationsService {
  constructor(
    private readonly organizations: OrganizationRepository,
    private readonly standing: CallerStanding,
  ) {}

  async create(dto: CreateOrganizationDto): Promise<OrganizationDto> {
    return toDto(
      await this.organizations.create({
        name: dto.name,
        instantly_workspace_id: dto.instantly_workspace_id ?? null,
        auto_assign_strategy: dto.auto_assign_strategy ?? null,
      }),
    );
  }

  /** No tenant filter: RLS limits organization roles to their own row. */
  async list(q: ListOrganizationsQueryDto): Promise<OrganizationPageDto> {
    const [rows, total] = await this.organizations.page(q.search ? containsPattern(q.search) : null, q.limit, q.offset);
    return toPage('organizations', rows.map(toDto), total, q.limit, q.offset);
  }

  async update(id: string, dto: UpdateOrganizationDto, caller: Caller): Promise<OrganizationDto> {
    // Routing identifiers decide whose Instantly events land here; the database refuses these
    // too (migration TenantHardening), this only names the field.
    if (!isPlatform(caller.role)) {
      for (const field of ['status', 'instantly_workspace_id'] as const) {
        if (dto[field] !== undefined) throw AppError.forbidden(`only platform roles may change ${field}`);
      }
    }
    const changes: OrganizationChanges = {};
    if (dto.name !== undefined) changes.name = dto.name;
    if (dto.instantly_workspace_id !== undefined) changes.instantly_workspace_id = dto.instantly_workspace_id;
    if (dto.auto_assign_strategy !== undefined) changes.auto_assign_strategy = dto.auto_assign_strategy;
    if (dto.status !== undefined) changes.status = dto.status;
    const row = await this.organizations.update(id, changes);
    if (!row) throw AppError.notFound(`organization ${id} not found`);
    // Suspending or reactivating shows at once here, on other instances within their cache time.
    if (changes.status !== undefined) this.standing.forgetOrganization(id);
    return toDto(row);
  }
}

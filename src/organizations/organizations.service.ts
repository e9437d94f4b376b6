import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { containsPattern, toPage } from '../common/paging';
import { Db } from '../database/db.service';
import { Caller, isPlatform } from '../auth/roles';
import { CreateOrganizationDto, ListOrganizationsQueryDto, OrganizationDto, OrganizationPageDto, UpdateOrganizationDto } from './dto/organization.dto';

const COLUMNS = `id, name, instantly_workspace_id, auto_assign_strategy, status, created_at, updated_at`;
/** $1: a contains-pattern for the name, or NULL. */
const NAME_FILTER = `($1::text IS NULL OR name ILIKE $1 ESCAPE '\\')`;

@Injectable()
export class OrganizationsService {
  constructor(private readonly db: Db) {}

  async create(dto: CreateOrganizationDto): Promise<OrganizationDto> {
    const row = await this.db.one<OrganizationDto>(
      `INSERT INTO organization (name, instantly_workspace_id, auto_assign_strategy)
       VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [dto.name, dto.instantly_workspace_id ?? null, dto.auto_assign_strategy ?? null],
    );
    return row!;
  }

  /** No tenant WHERE clause: RLS limits organization roles to their own row. */
  async list(q: ListOrganizationsQueryDto): Promise<OrganizationPageDto> {
    const params: unknown[] = [q.search ? containsPattern(q.search) : null, q.limit, q.offset];
    const rows = await this.db.query<OrganizationDto & { full_count: string }>(
      `SELECT ${COLUMNS}, count(*) OVER () AS full_count FROM organization
        WHERE ${NAME_FILTER}
        ORDER BY name, id LIMIT $2 OFFSET $3`,
      params,
    );
    const total = rows.length ? Number(rows[0].full_count) : await this.count(q);
    return toPage('organizations', rows.map(({ full_count: _, ...r }) => r), total, q.limit, q.offset);
  }

  private async count(q: ListOrganizationsQueryDto): Promise<number> {
    const row = await this.db.one<{ n: string }>(
      `SELECT count(*) AS n FROM organization WHERE ${NAME_FILTER}`,
      [q.search ? containsPattern(q.search) : null],
    );
    return Number(row?.n ?? 0);
  }

  async update(id: string, dto: UpdateOrganizationDto, caller: Caller): Promise<OrganizationDto> {
    // Routing identifiers decide whose Instantly events land here; the database refuses these
    // too (migration TenantHardening), this only names the field.
    if (!isPlatform(caller.role)) {
      for (const field of ['status', 'instantly_workspace_id'] as const) {
        if (dto[field] !== undefined) throw AppError.forbidden(`only platform roles may change ${field}`);
      }
    }
    const has = (k: keyof UpdateOrganizationDto) => Object.prototype.hasOwnProperty.call(dto, k) && dto[k] !== undefined;
    const row = await this.db.one<OrganizationDto>(
      `UPDATE organization SET
          name = CASE WHEN $2 THEN $3 ELSE name END,
          instantly_workspace_id = CASE WHEN $4 THEN $5 ELSE instantly_workspace_id END,
          auto_assign_strategy = CASE WHEN $6 THEN $7 ELSE auto_assign_strategy END,
          status = CASE WHEN $8 THEN $9 ELSE status END,
          updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [
        id,
        has('name'), dto.name ?? null,
        has('instantly_workspace_id'), dto.instantly_workspace_id ?? null,
        has('auto_assign_strategy'), dto.auto_assign_strategy ?? null,
        has('status'), dto.status ?? null,
      ],
    );
    if (!row) throw AppError.notFound(`organization ${id} not found`);
    return row;
  }
}

import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { Caller } from '../auth/roles';
import { Db } from '../database/db.service';
import { CreateUserDto, UserDto } from './dto/create-user.dto';

@Injectable()
export class UsersService {
  constructor(private readonly db: Db) {}

  /**
   * The organization must be visible to the caller (RLS hides other tenants', giving a 404), and
   * the insert's WITH CHECK would refuse another organization anyway.
   */
  async create(dto: CreateUserDto, caller: Caller): Promise<UserDto> {
    // The database refuses it too (migration TenantHardening).
    if (dto.role === 'owner' && caller.role === 'admin') throw AppError.forbidden('only an owner or a platform role may create an owner');
    const org = await this.db.one(`SELECT id FROM organization WHERE id = $1`, [dto.organization_id]);
    if (!org) throw AppError.notFound(`organization ${dto.organization_id} not found`);
    // Emails are unique per organization, so this check and the unique index agree and neither
    // tells anything about another tenant.
    const existing = await this.db.one(`SELECT 1 FROM "user" WHERE organization_id = $1 AND lower(email) = lower($2)`, [
      dto.organization_id,
      dto.email,
    ]);
    if (existing) throw AppError.conflict(`a user with email ${dto.email} already exists in this organization`);
    const row = await this.db.one<UserDto>(
      `INSERT INTO "user" (organization_id, email, first_name, last_name, role)
       VALUES ($1, $2, $3, $4, $5)
       RETURNING id, organization_id, email, first_name, last_name, role, status, created_at`,
      [dto.organization_id, dto.email, dto.first_name ?? null, dto.last_name ?? null, dto.role],
    );
    return row!;
  }
}

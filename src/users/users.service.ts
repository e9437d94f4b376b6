import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { Caller } from '../auth/roles';
import { OrganizationRepository } from '../organizations/organization.repository';
import { UserRepository } from './user.repository';
import { CreateUserDto, UserDto } from './dto/create-user.dto';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UserRepository,
    private readonly organizations: OrganizationRepository,
  ) {}

  /**
   * The organization must be visible to the caller (RLS hides other tenants', giving a 404), and
   * the insert's WITH CHECK would refuse another organization anyway.
   */
  async create(dto: CreateUserDto, caller: Caller): Promise<UserDto> {
    // The database refuses it too (migration TenantHardening).
    if (dto.role === 'owner' && caller.role === 'admin') throw AppError.forbidden('only an owner or a platform role may create an owner');
    if (!(await this.organizations.exists(dto.organization_id))) throw AppError.notFound(`organization ${dto.organization_id} not found`);
    // Emails are unique per organization, so this check and the unique index agree and neither
    // tells anything about another tenant.
    const existing = await this.users.emailTaken(dto.organization_id, dto.email);
    if (existing) throw AppError.conflict(`a user with email ${dto.email} already exists in this organization`);
    const u = await this.users.create({
      organization_id: dto.organization_id,
      email: dto.email,
      first_name: dto.first_name ?? null,
      last_name: dto.last_name ?? null,
      role: dto.role,
    });
    return {
      id: u.id,
      organization_id: u.organization_id,
      email: u.email,
      first_name: u.first_name,
      last_name: u.last_name,
      role: u.role,
      status: u.status,
      created_at: u.created_at,
    };
  }
}

import { Injectable } from '@nestjs/common';
import { ActivityService } from '../activity/activity.service';
import { CallerStanding } from '../auth/caller-standing';
import { Caller } from '../auth/roles';
import { AppError } from '../common/app-error';
import { OrganizationRepository } from '../organizations/organization.repository';
import { CreateUserDto, RemovedUserDto, UpdateUserDto, UserDto } from './dto/create-user.dto';
import { User } from './user.entity';
import { UserChanges, UserRepository } from './user.repository';

function toDto(u: User): UserDto {
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

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UserRepository,
    private readonly organizations: OrganizationRepository,
    private readonly activity: ActivityService,
    private readonly standing: CallerStanding,
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
    return toDto(u);
  }

  /**
   * Names, role and status. The creation rules hold: an admin neither makes nor changes an owner
   * (the database refuses it too). An organization keeps an active owner: its last one is neither
   * demoted nor made inactive. An inactive user's tokens are refused (CallerStanding).
   */
  async update(id: string, dto: UpdateUserDto, caller: Caller): Promise<UserDto> {
    const user = await this.visible(id);
    if (caller.role === 'admin' && (user.role === 'owner' || dto.role === 'owner')) {
      throw AppError.forbidden('only an owner or a platform role may make or change an owner');
    }
    const changes: UserChanges = {};
    if (dto.first_name !== undefined) changes.first_name = dto.first_name;
    if (dto.last_name !== undefined) changes.last_name = dto.last_name;
    if (dto.role !== undefined && dto.role !== user.role) changes.role = dto.role;
    if (dto.status !== undefined && dto.status !== user.status) changes.status = dto.status;
    const losesOwner =
      user.role === 'owner' && user.status === 'active' && ((changes.role ?? 'owner') !== 'owner' || changes.status === 'inactive');
    if (losesOwner) await this.keepAnOwner(user, 'demoted or made inactive');
    const updated = await this.users.update(id, changes);
    if (!updated) throw AppError.notFound(`user ${id} not found`);
    this.standing.forgetUser(id);
    if (Object.keys(changes).length > 0) {
      await this.activity.record({
        action: 'user.updated',
        organizationId: user.organization_id,
        actorId: caller.userId,
        actorRole: caller.role,
        targetType: 'user',
        targetId: id,
        details: {
          changed: Object.keys(changes),
          ...(changes.role ? { role: changes.role } : {}),
          ...(changes.status ? { status: changes.status } : {}),
        },
      });
    }
    return toDto(updated);
  }

  /**
   * Removes the user with their campaign and contact assignments. An admin cannot remove an owner;
   * nobody removes an organization's last active owner. Their tokens are refused from then on.
   */
  async remove(id: string, caller: Caller): Promise<RemovedUserDto> {
    const user = await this.visible(id);
    if (caller.role === 'admin' && user.role === 'owner') throw AppError.forbidden('only an owner or a platform role may remove an owner');
    if (user.role === 'owner' && user.status === 'active') await this.keepAnOwner(user, 'removed');
    const result = await this.users.remove(id);
    if (!result.removed) throw AppError.notFound(`user ${id} not found`);
    this.standing.forgetUser(id);
    await this.activity.record({
      action: 'user.removed',
      organizationId: user.organization_id,
      actorId: caller.userId,
      actorRole: caller.role,
      targetType: 'user',
      targetId: id,
      details: { role: user.role, campaign_assignments: result.campaigns, contact_assignments: result.contacts },
    });
    return { id, campaign_assignments_removed: result.campaigns, contact_assignments_removed: result.contacts };
  }

  private async visible(id: string): Promise<User> {
    const user = await this.users.byId(id);
    if (!user) throw AppError.notFound(`user ${id} not found`);
    return user;
  }

  private async keepAnOwner(user: User, verb: string): Promise<void> {
    await this.users.lockOwners(user.organization_id);
    if ((await this.users.otherActiveOwners(user.organization_id, user.id)) === 0) {
      throw AppError.conflict(`user ${user.id} is the last active owner of organization ${user.organization_id} and cannot be ${verb}`);
    }
  }
}

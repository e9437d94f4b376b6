import { Body, Controller, Delete, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { Caller, RoleGroups } from '../auth/roles';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ok } from '../common/paging';
import { UuidPath } from '../common/uuid-param.pipe';
import { CreateUserDto, RemovedUserDto, UpdateUserDto, UserDto } from './dto/create-user.dto';
import { ApiEnvelope, Envelope } from '../common/api-envelope';
import { UsersService } from './users.service';

@ApiTags('Users')
@ApiBadRequestResponse({ type: ErrorBodyDto })
@Controller('admin/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @HttpCode(201)
  @Authenticated(RoleGroups.managers, 'Create a user (owner/admin: in their own organization)')
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'The email is taken in this organization' })
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: 'An admin creating an owner' })
  @ApiEnvelope(UserDto, { status: 201 })
  async create(@Body() dto: CreateUserDto, @CurrentCaller() caller: Caller): Promise<Envelope<UserDto>> {
    return ok(await this.users.create(dto, caller));
  }

  @Patch(':user_id')
  @Authenticated(
    RoleGroups.managers,
    'Change a user’s names, role or status (owner/admin: in their own organization)',
    'An admin neither makes nor changes an owner; an organization’s last active owner is neither demoted nor made inactive. An inactive user’s tokens are refused (401) within seconds, on every instance.',
  )
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such user in the caller’s reach' })
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: 'An admin making or changing an owner' })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'The organization’s last active owner demoted or made inactive' })
  @ApiEnvelope(UserDto)
  async update(@UuidPath('user_id') id: string, @Body() dto: UpdateUserDto, @CurrentCaller() caller: Caller): Promise<Envelope<UserDto>> {
    return ok(await this.users.update(id, dto, caller));
  }

  @Delete(':user_id')
  @Authenticated(
    RoleGroups.managers,
    'Remove a user with their campaign and contact assignments (owner/admin: in their own organization)',
    'An admin cannot remove an owner; nobody removes an organization’s last active owner. The removed user’s tokens are refused (401) within seconds, on every instance.',
  )
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such user in the caller’s reach' })
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: 'An admin removing an owner' })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'The organization’s last active owner' })
  @ApiEnvelope(RemovedUserDto)
  async remove(@UuidPath('user_id') id: string, @CurrentCaller() caller: Caller): Promise<Envelope<RemovedUserDto>> {
    return ok(await this.users.remove(id, caller));
  }
}

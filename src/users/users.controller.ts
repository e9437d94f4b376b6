import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { Caller, RoleGroups } from '../auth/roles';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ok } from '../common/paging';
import { CreateUserDto, UserDto } from './dto/create-user.dto';
import { ApiEnvelope, Envelope } from '../common/api-envelope';
import { UsersService } from './users.service';

@ApiTags('Users')
@Controller('admin/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @HttpCode(201)
  @Authenticated(RoleGroups.managers, 'Create a user (owner/admin: in their own organization)')
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'The email is taken in this organization' })
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: 'An admin creating an owner' })
  @ApiEnvelope(UserDto, { status: 201 })
  async create(@Body() dto: CreateUserDto, @CurrentCaller() caller: Caller): Promise<Envelope<UserDto>> {
    return ok(await this.users.create(dto, caller));
  }
}

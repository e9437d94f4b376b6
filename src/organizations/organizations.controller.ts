import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, Envelope } from '../common/api-envelope';
import { Authenticated } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { Caller, RoleGroups } from '../auth/roles';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ok } from '../common/paging';
import { UuidPath } from '../common/uuid-param.pipe';
import {
  CreateOrganizationDto,
  ListOrganizationsQueryDto,
  OrganizationDto,
  OrganizationPageDto,
  UpdateOrganizationDto,
} from './dto/organization.dto';
import { OrganizationsService } from './organizations.service';

@ApiTags('Organizations')
@ApiBadRequestResponse({ type: ErrorBodyDto })
@Controller('admin/organizations')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post()
  @HttpCode(201)
  @Authenticated(RoleGroups.platform, 'Create an organization')
  @ApiEnvelope(OrganizationDto, { status: 201 })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'The Instantly workspace is mapped to another organization' })
  async create(@Body() dto: CreateOrganizationDto): Promise<Envelope<OrganizationDto>> {
    return ok(await this.organizations.create(dto));
  }

  @Get()
  @Authenticated(RoleGroups.managers, 'List organizations (organization roles see their own)')
  @ApiEnvelope(OrganizationPageDto)
  async list(@Query() q: ListOrganizationsQueryDto): Promise<Envelope<OrganizationPageDto>> {
    return ok(await this.organizations.list(q));
  }

  @Patch(':id')
  @Authenticated(RoleGroups.managers, 'Edit an organization (owner/admin: their own)')
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiEnvelope(OrganizationDto)
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'The Instantly workspace is mapped to another organization' })
  async update(
    @UuidPath('id') id: string,
    @Body() dto: UpdateOrganizationDto,
    @CurrentCaller() caller: Caller,
  ): Promise<Envelope<OrganizationDto>> {
    return ok(await this.organizations.update(id, dto, caller));
  }
}

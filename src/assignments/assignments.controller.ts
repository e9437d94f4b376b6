import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, ApiFlat, Envelope, MessageResultDto } from '../common/api-envelope';
import { Authenticated } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { Caller, RoleGroups } from '../auth/roles';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ok } from '../common/paging';
import { UuidPath } from '../common/uuid-param.pipe';
import { AssignmentsService } from './assignments.service';
import { AssignCampaignsDto, AssignContactsDto, AutoAssignDto, ListContactsQueryDto, ListUsersQueryDto } from './dto/assignment.dto';
import { AssignResultDto, AutoAssignResultDto, ContactPageDto, UserAssignmentsDto, UserPageDto } from './dto/assignment.response.dto';

@ApiTags('Assignments')
@ApiBadRequestResponse({ type: ErrorBodyDto })
@Controller('admin')
export class AssignmentsController {
  constructor(private readonly assignments: AssignmentsService) {}

  @Get('contacts')
  @Authenticated(RoleGroups.readers, 'Contacts for the assignment picker, each with its current owner')
  @ApiEnvelope(ContactPageDto)
  async contacts(@Query() q: ListContactsQueryDto, @CurrentCaller() caller: Caller): Promise<Envelope<ContactPageDto>> {
    return ok(await this.assignments.listContacts(q, caller));
  }

  @Get('users')
  @Authenticated(RoleGroups.readers, 'Users with campaigns_count and contacts_count (active assignments)')
  @ApiEnvelope(UserPageDto)
  async users(@Query() q: ListUsersQueryDto, @CurrentCaller() caller: Caller): Promise<Envelope<UserPageDto>> {
    return ok(await this.assignments.listUsers(q, caller));
  }

  @Get('users/:user_id/assignments')
  @Authenticated(RoleGroups.readers, "A user's active campaign and contact assignments")
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiEnvelope(UserAssignmentsDto)
  async userAssignments(@UuidPath('user_id') userId: string): Promise<Envelope<UserAssignmentsDto>> {
    return ok(await this.assignments.userAssignments(userId));
  }

  @Post('users/:user_id/assign-campaigns')
  @HttpCode(200)
  @Authenticated(RoleGroups.managers, 'Assign a user to campaigns (re-assigning reactivates and updates)')
  @ApiFlat(AssignResultDto)
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Unknown user (or another organization’s)' })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'The user is inactive' })
  assignCampaigns(
    @UuidPath('user_id') userId: string,
    @Body() dto: AssignCampaignsDto,
    @CurrentCaller() caller: Caller,
  ): Promise<AssignResultDto> {
    return this.assignments.assignCampaigns(userId, dto, caller);
  }

  @Post('users/:user_id/assign-contacts')
  @HttpCode(200)
  @Authenticated(RoleGroups.managers, 'Assign contacts to a user (a contact has one active owner: it is transferred)')
  @ApiFlat(AssignResultDto)
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'The user is inactive' })
  assignContacts(
    @UuidPath('user_id') userId: string,
    @Body() dto: AssignContactsDto,
    @CurrentCaller() caller: Caller,
  ): Promise<AssignResultDto> {
    return this.assignments.assignContacts(userId, dto, caller);
  }

  @Delete('users/:user_id/campaigns/:campaign_id')
  @Authenticated(RoleGroups.managers, 'Remove a user from a campaign (soft: status inactive)')
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No active assignment' })
  @ApiFlat(MessageResultDto)
  unassignCampaign(
    @UuidPath('user_id') userId: string,
    @UuidPath('campaign_id') campaignId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<MessageResultDto> {
    return this.assignments.unassignCampaign(userId, campaignId, caller);
  }

  @Delete('users/:user_id/contacts/:contact_id')
  @Authenticated(RoleGroups.managers, 'Remove a contact from a user (soft: status inactive)')
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No active assignment' })
  @ApiFlat(MessageResultDto)
  unassignContact(
    @UuidPath('user_id') userId: string,
    @UuidPath('contact_id') contactId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<MessageResultDto> {
    return this.assignments.unassignContact(userId, contactId, caller);
  }

  @Post('assignments/auto-assign')
  @HttpCode(200)
  @Authenticated(RoleGroups.managers, 'Auto-assign contacts by round robin or lead score; answers who got which contact')
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiEnvelope(AutoAssignResultDto)
  async autoAssign(@Body() dto: AutoAssignDto, @CurrentCaller() caller: Caller): Promise<Envelope<AutoAssignResultDto>> {
    return ok(await this.assignments.autoAssign(dto, { userId: caller.userId, role: caller.role }));
  }
}

import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, SingleReadStatement } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { Caller, RoleGroups } from '../auth/roles';
import { ApiEnvelope, ApiFlat, Envelope, MessageResultDto } from '../common/api-envelope';
import { ErrorBodyDto } from '../common/error-body.dto';
import { CreatedLinkDto, ExpireNowResultDto, LinkDetailDto, LinkPageDto } from './dto/onboarding.response.dto';
import { ok } from '../common/paging';
import { UuidPath } from '../common/uuid-param.pipe';
import { CreateLinkDto, ExtendLinkDto, ListLinksQueryDto, RevokeLinkDto } from './dto/onboarding.dto';
import { OnboardingService } from './onboarding.service';

@ApiTags('Onboarding links')
@ApiBadRequestResponse({ type: ErrorBodyDto })
@Controller('admin/onboarding')
export class OnboardingAdminController {
  constructor(private readonly onboarding: OnboardingService) {}

  @Post('create-link')
  @HttpCode(201)
  @Authenticated(RoleGroups.managers, 'Create an onboarding link with a fresh secure token')
  @ApiEnvelope(CreatedLinkDto, { status: 201 })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async create(@Body() dto: CreateLinkDto, @CurrentCaller() caller: Caller): Promise<Envelope<CreatedLinkDto>> {
    return ok(await this.onboarding.create(dto, caller));
  }

  @Get('links')
  @Authenticated(RoleGroups.readers, 'List onboarding links with organization name and creator')
  @ApiEnvelope(LinkPageDto)
  async list(@Query() q: ListLinksQueryDto, @CurrentCaller() caller: Caller): Promise<Envelope<LinkPageDto>> {
    return ok(await this.onboarding.list(q, caller));
  }

  @Get('link/:link_id')
  @SingleReadStatement()
  @Authenticated(RoleGroups.readers, 'One onboarding link with its tracking data')
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiEnvelope(LinkDetailDto)
  async detail(@UuidPath('link_id') id: string): Promise<Envelope<LinkDetailDto>> {
    return ok(await this.onboarding.detail(id));
  }

  @Post('link/:link_id/revoke')
  @HttpCode(200)
  @Authenticated(RoleGroups.managers, 'Revoke a link (active or expired)')
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Already revoked or used' })
  @ApiFlat(MessageResultDto)
  revoke(@UuidPath('link_id') id: string, @Body() dto: RevokeLinkDto, @CurrentCaller() caller: Caller): Promise<MessageResultDto> {
    return this.onboarding.revoke(id, dto, caller);
  }

  @Post('link/:link_id/extend')
  @HttpCode(200)
  @Authenticated(RoleGroups.managers, 'Extend a link; an expired link becomes active again (not a revoked or used one)')
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Revoked or used' })
  @ApiFlat(MessageResultDto)
  extend(@UuidPath('link_id') id: string, @Body() dto: ExtendLinkDto, @CurrentCaller() caller: Caller): Promise<MessageResultDto> {
    return this.onboarding.extend(id, dto, caller);
  }

  @Post('expire-now')
  @HttpCode(200)
  @Authenticated(RoleGroups.sbAdmin, 'Run the daily expiry now')
  @ApiFlat(ExpireNowResultDto)
  async expireNow(@CurrentCaller() caller: Caller): Promise<ExpireNowResultDto> {
    const expired = await this.onboarding.expireOverdueLinks();
    await this.onboarding.recordExpiry(expired, { userId: caller.userId, role: caller.role }, 'expire-now');
    return { success: true, expired_count: expired };
  }
}

import { Body, Controller, Get, Headers, HttpCode, Ip, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiGoneResponse, ApiNotFoundResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { Authenticated, NoRequestTransaction, Public, SingleReadStatement } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { Caller, RoleGroups } from '../auth/roles';
import { AppError } from '../common/app-error';
import { ApiEnvelope, ApiFlat, Envelope, MessageResultDto } from '../common/api-envelope';
import { ErrorBodyDto } from '../common/error-body.dto';
import { CreatedLinkDto, ExpireNowResultDto, LinkDetailDto, LinkPageDto, PublicLinkDto } from './dto/onboarding.response.dto';
import { ok } from '../common/paging';
import { UuidParam } from '../common/uuid-param.pipe';
import { Db } from '../database/db.service';
import { LINK_TOKEN_RE } from '../database/rls-context';
import { CreateLinkDto, ExtendLinkDto, ListLinksQueryDto, RevokeLinkDto, UpdateProgressDto } from './dto/onboarding.dto';
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
  async detail(@Param('link_id', UuidParam('link_id')) id: string): Promise<Envelope<LinkDetailDto>> {
    return ok(await this.onboarding.detail(id));
  }

  @Post('link/:link_id/revoke')
  @HttpCode(200)
  @Authenticated(RoleGroups.managers, 'Revoke a link (active or expired)')
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Already revoked or used' })
  @ApiFlat(MessageResultDto)
  revoke(@Param('link_id', UuidParam('link_id')) id: string, @Body() dto: RevokeLinkDto, @CurrentCaller() caller: Caller): Promise<MessageResultDto> {
    return this.onboarding.revoke(id, dto, caller);
  }

  @Post('link/:link_id/extend')
  @HttpCode(200)
  @Authenticated(RoleGroups.managers, 'Extend a link; an expired link becomes active again (not a revoked or used one)')
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Revoked or used' })
  @ApiFlat(MessageResultDto)
  extend(@Param('link_id', UuidParam('link_id')) id: string, @Body() dto: ExtendLinkDto, @CurrentCaller() caller: Caller): Promise<MessageResultDto> {
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

/**
 * The public side, reached with the token alone. Each request runs as `link_holder` with the
 * token in its RLS context, so the database shows it that one link and nothing else. Rate limited
 * per client IP against token guessing.
 */
@ApiTags('Onboarding (public)')
@ApiBadRequestResponse({ type: ErrorBodyDto, description: 'Malformed token or body' })
@ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Unknown token' })
@ApiGoneResponse({ type: ErrorBodyDto, description: 'Expired or already used' })
@ApiForbiddenResponse({ type: ErrorBodyDto, description: 'Revoked' })
@ApiTooManyRequestsResponse({ type: ErrorBodyDto, description: 'Too many requests from this IP' })
@Controller('admin/onboarding/o')
@NoRequestTransaction()
@UseGuards(ThrottlerGuard)
export class OnboardingPublicController {
  constructor(
    private readonly onboarding: OnboardingService,
    private readonly db: Db,
  ) {}

  @Get(':token')
  @Public('Open an onboarding link (tracks the access)')
  @ApiEnvelope(PublicLinkDto)
  async access(@Param('token') token: string, @Ip() ip: string, @Headers('user-agent') userAgent: string | undefined): Promise<Envelope<PublicLinkDto>> {
    return ok(await this.asHolder(token, () => this.onboarding.access(token, ip ?? '', userAgent ?? '')));
  }

  @Put(':token/progress')
  @Public('Save onboarding progress')
  @ApiFlat(MessageResultDto)
  progress(@Param('token') token: string, @Body() dto: UpdateProgressDto): Promise<MessageResultDto> {
    return this.asHolder(token, () => this.onboarding.progress(token, dto));
  }

  @Post(':token/complete')
  @HttpCode(200)
  @Public('Complete the onboarding (the link becomes used)')
  @ApiFlat(MessageResultDto)
  complete(@Param('token') token: string): Promise<MessageResultDto> {
    return this.asHolder(token, () => this.onboarding.complete(token));
  }

  private asHolder<T>(token: string, fn: () => Promise<T>): Promise<T> {
    if (!LINK_TOKEN_RE.test(token)) throw AppError.badRequest('malformed onboarding token');
    return this.db.runAs({ role: 'link_holder', orgId: null, userId: null, linkToken: token }, fn);
  }
}

import { Body, Controller, Get, Headers, HttpCode, Ip, Param, Post, Put, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiParam,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { LinkHolder, Public } from '../auth/auth.decorators';
import { ApiEnvelope, ApiFlat, Envelope, MessageResultDto } from '../common/api-envelope';
import { ErrorBodyDto } from '../common/error-body.dto';
import { PublicLinkDto } from './dto/onboarding.response.dto';
import { ok } from '../common/paging';
import { UpdateProgressDto } from './dto/onboarding.dto';
import { OnboardingService } from './onboarding.service';
import { LINK_TOKEN_RE } from '../database/rls-context';

/**
 * The public side, reached with the token alone. Each request runs as `link_holder` with the
 * token in its RLS context, so the database shows it that one link and nothing else. Rate limited
 * per client IP against token guessing.
 */
@ApiTags('Onboarding (public)')
@ApiBadRequestResponse({ type: ErrorBodyDto, description: 'Malformed token or body' })
@ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Unknown token' })
@ApiGoneResponse({ type: ErrorBodyDto, description: 'Expired or already used' })
@ApiForbiddenResponse({ type: ErrorBodyDto, description: 'Revoked, or its organization is suspended' })
@ApiTooManyRequestsResponse({ type: ErrorBodyDto, description: 'Too many requests from this IP' })
@ApiParam({
  name: 'token',
  schema: { type: 'string', pattern: LINK_TOKEN_RE.source },
  description: 'The link’s token (checked against this pattern before anything else: a 400 otherwise)',
})
@Controller('admin/onboarding/o')
@LinkHolder('token')
@UseGuards(ThrottlerGuard)
export class OnboardingPublicController {
  constructor(private readonly onboarding: OnboardingService) {}

  @Get(':token')
  @Public('Open an onboarding link (tracks the access)')
  @ApiEnvelope(PublicLinkDto)
  async access(
    @Param('token') token: string,
    @Ip() ip: string,
    @Headers('user-agent') userAgent: string | undefined,
  ): Promise<Envelope<PublicLinkDto>> {
    return ok(await this.onboarding.access(token, ip ?? '', userAgent ?? ''));
  }

  @Put(':token/progress')
  @Public('Save onboarding progress')
  @ApiFlat(MessageResultDto)
  progress(@Param('token') token: string, @Body() dto: UpdateProgressDto): Promise<MessageResultDto> {
    return this.onboarding.progress(token, dto);
  }

  @Post(':token/complete')
  @HttpCode(200)
  @Public('Complete the onboarding (the link becomes used)')
  @ApiFlat(MessageResultDto)
  complete(@Param('token') token: string): Promise<MessageResultDto> {
    return this.onboarding.complete(token);
  }
}

import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { Authenticated } from '../auth/auth.decorators';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { Caller, RoleGroups } from '../auth/roles';
import { ApiEnvelope, Envelope } from '../common/api-envelope';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ok } from '../common/paging';
import { EraseSubjectDto, ErasureResultDto, SubjectDataDto, SubjectQueryDto } from './dto/privacy.dto';
import { PrivacyService } from './privacy.service';

const WHO =
  'Organization owners and admins in their own organization (organization_id may be left out); platform roles in any, naming organization_id. ' +
  'Member and viewer: 403. The email is matched case-insensitively; it is never written to the service’s logs or activity in clear.';

@ApiTags('Personal data')
@ApiBadRequestResponse({ type: ErrorBodyDto, description: 'Malformed email or organization_id; a platform role without organization_id' })
@ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Unknown organization, or another organization than the caller’s' })
@Controller('admin/privacy')
export class PrivacyController {
  constructor(private readonly privacy: PrivacyService) {}

  @Get('subject')
  @Authenticated(RoleGroups.managers, 'Everything the organization holds about an email (GDPR Art. 15)', WHO)
  @ApiEnvelope(SubjectDataDto, {
    description: 'Contacts, their assignments, activity about them, and every webhook log carrying the email with its payload; streamed',
  })
  @ApiTooManyRequestsResponse({
    type: ErrorBodyDto,
    description: 'Too many exports or subject requests running (in all, or for this organization); Retry-After says when to try again',
  })
  async subject(@Query() q: SubjectQueryDto, @CurrentCaller() caller: Caller, @Res() res: Response): Promise<void> {
    await this.privacy.subject(q, caller, res);
  }

  @Post('erase')
  @HttpCode(200)
  @Authenticated(
    RoleGroups.managers,
    'Erase an email’s personal data from the organization (GDPR Art. 17)',
    `${WHO} Contacts and their assignments are deleted; every webhook log carrying the email (every partition, and the copies retention ` +
      'prepares) keeps its structure and status with the email and the lead’s fields replaced by "[erased]"; search, filters, stats, ' +
      'exports and subject access no longer find it. All or nothing; a repeated request erases nothing and says so. suppress: later events ' +
      'carrying the email are stored redacted and create no contact.',
  )
  @ApiEnvelope(ErasureResultDto, { description: 'What was erased, per kind' })
  @ApiTooManyRequestsResponse({
    type: ErrorBodyDto,
    description: 'Too many expensive requests of this organization (or caller) running; Retry-After says when to try again',
  })
  async erase(@Body() dto: EraseSubjectDto, @CurrentCaller() caller: Caller): Promise<Envelope<ErasureResultDto>> {
    return ok(await this.privacy.erase(dto, caller));
  }
}

import { ApiProperty } from '@nestjs/swagger';
import { PageMetaDto } from '../../common/api-envelope';
import { LINK_STATUSES } from './onboarding.dto';

type LinkStatus = (typeof LINK_STATUSES)[number];
const nullableString = (description?: string) => ({ type: String, nullable: true, description });
const nullableUuid = { type: String, format: 'uuid', nullable: true } as const;
const timestamp = { type: String, format: 'date-time' } as const;
const nullableTimestamp = { type: String, format: 'date-time', nullable: true } as const;
const TOKEN_NOTE = 'Null for members and viewers: tokens are shown to platform roles, owners and admins only';

export class CreatedLinkDto {
  @ApiProperty({ description: 'ONBOARDING_BASE_URL + / + token' }) readonly link_url!: string;
  @ApiProperty({ format: 'uuid' }) readonly link_id!: string;
  @ApiProperty({ description: '256 bits from a CSPRNG, URL-safe' }) readonly link_token!: string;
  @ApiProperty(timestamp) readonly expires_at!: Date;
  @ApiProperty({ enum: LINK_STATUSES }) readonly status!: LinkStatus;
}

export class LinkDto {
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty({ format: 'uuid' }) readonly organization_id!: string;
  @ApiProperty(nullableUuid) readonly created_by!: string | null;
  @ApiProperty(nullableString(TOKEN_NOTE)) readonly link_token!: string | null;
  @ApiProperty(nullableString(TOKEN_NOTE)) readonly link_url!: string | null;
  @ApiProperty(nullableUuid) readonly template_id!: string | null;
  @ApiProperty(nullableString()) readonly template_name!: string | null;
  @ApiProperty(nullableString()) readonly welcome_message!: string | null;
  @ApiProperty({ enum: LINK_STATUSES }) readonly status!: LinkStatus;
  @ApiProperty(timestamp) readonly expires_at!: Date;
  @ApiProperty() readonly clicks_count!: number;
  @ApiProperty(nullableTimestamp) readonly first_accessed_at!: Date | null;
  @ApiProperty(nullableTimestamp) readonly last_accessed_at!: Date | null;
  @ApiProperty(nullableTimestamp) readonly completed_at!: Date | null;
  @ApiProperty() readonly current_step!: number;
  @ApiProperty() readonly total_steps!: number;
  @ApiProperty({ minimum: 0, maximum: 100 }) readonly progress_percentage!: number;
  @ApiProperty(timestamp) readonly created_at!: Date;
  @ApiProperty(timestamp) readonly updated_at!: Date;
  @ApiProperty(nullableTimestamp) readonly revoked_at!: Date | null;
  @ApiProperty(nullableUuid) readonly revoked_by!: string | null;
  @ApiProperty(nullableString()) readonly revoked_reason!: string | null;
  @ApiProperty() readonly organization_name!: string;
  @ApiProperty(nullableString()) readonly created_by_email!: string | null;
}

export class LinkListItemDto extends LinkDto {
  @ApiProperty(nullableString()) readonly created_by_first_name!: string | null;
  @ApiProperty(nullableString()) readonly created_by_last_name!: string | null;
}

export class LinkPageDto extends PageMetaDto {
  @ApiProperty({ type: [LinkListItemDto] }) readonly links!: LinkListItemDto[];
}

export class LinkAccessDto {
  @ApiProperty({ description: 'IPv4 or IPv6 address of the client' }) readonly ip!: string;
  @ApiProperty(timestamp) readonly timestamp!: string;
}

export class LinkUserAgentDto {
  @ApiProperty() readonly user_agent!: string;
  @ApiProperty(timestamp) readonly timestamp!: string;
}

export class LinkDetailDto extends LinkDto {
  @ApiProperty({ type: [LinkAccessDto], description: 'The last 100 accesses' }) readonly ip_addresses!: LinkAccessDto[];
  @ApiProperty({ type: [LinkUserAgentDto], description: 'The last 100 accesses' }) readonly user_agents!: LinkUserAgentDto[];
}

export class ExpireNowResultDto {
  @ApiProperty({ enum: [true] }) readonly success!: true;
  @ApiProperty() readonly expired_count!: number;
}

/** What the link's holder sees when opening it. */
export class PublicLinkDto {
  @ApiProperty(nullableString()) readonly organization_name!: string | null;
  @ApiProperty(nullableString()) readonly welcome_message!: string | null;
  @ApiProperty() readonly total_steps!: number;
  @ApiProperty() readonly current_step!: number;
  @ApiProperty() readonly progress_percentage!: number;
  @ApiProperty(nullableString()) readonly template_name!: string | null;
  @ApiProperty(timestamp) readonly expires_at!: Date;
}

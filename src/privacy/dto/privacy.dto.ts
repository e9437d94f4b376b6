import { ApiProperty } from '@nestjs/swagger';
import { BoolField, EmailField, UuidField } from '../../common/api-fields';

export class SubjectQueryDto {
  @EmailField({ description: 'The lead’s email (case-insensitive)' })
  readonly email!: string;

  @UuidField({
    optional: true,
    description: 'Required for platform roles; organization roles: their own organization (another one is a 404)',
  })
  readonly organization_id?: string;
}

export class EraseSubjectDto {
  @EmailField({ description: 'The lead’s email (case-insensitive)' })
  readonly email!: string;

  @UuidField({
    optional: true,
    description: 'Required for platform roles; organization roles: their own organization (another one is a 404)',
  })
  readonly organization_id?: string;

  @BoolField({
    optional: true,
    description:
      'Also suppress the email in this organization: later events carrying it are stored redacted and create no contact. ' +
      'false lifts an earlier suppression; absent keeps what was set before.',
  })
  readonly suppress?: boolean;
}

const nullable = (description?: string) => ({ type: String, nullable: true, ...(description ? { description } : {}) });

export class SubjectContactDto {
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty() readonly email!: string;
  @ApiProperty(nullable()) readonly first_name!: string | null;
  @ApiProperty(nullable()) readonly last_name!: string | null;
  @ApiProperty(nullable()) readonly company!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) readonly campaign_id!: string | null;
  @ApiProperty({ type: 'integer' }) readonly lead_score!: number;
  @ApiProperty(nullable()) readonly lead_status!: string | null;
  @ApiProperty({ type: 'integer' }) readonly emails_sent!: number;
  @ApiProperty({ type: 'integer' }) readonly opens!: number;
  @ApiProperty({ type: 'integer' }) readonly clicks!: number;
  @ApiProperty({ type: 'integer' }) readonly replies!: number;
  @ApiProperty() readonly bounced!: boolean;
  @ApiProperty() readonly unsubscribed!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) readonly last_event_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) readonly created_at!: string;
}

export class SubjectAssignmentDto {
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty({ format: 'uuid' }) readonly contact_id!: string;
  @ApiProperty({ format: 'uuid' }) readonly user_id!: string;
  @ApiProperty() readonly assignment_type!: string;
  @ApiProperty() readonly status!: string;
  @ApiProperty({ type: String, format: 'date-time' }) readonly assigned_at!: string;
}

export class SubjectActivityDto {
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty() readonly action!: string;
  @ApiProperty() readonly actor_role!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) readonly actor_id!: string | null;
  @ApiProperty(nullable()) readonly target_type!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) readonly target_id!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) readonly details!: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'date-time' }) readonly created_at!: string;
}

export class SubjectLogDto {
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty({ type: String, format: 'date-time' }) readonly created_at!: string;
  @ApiProperty() readonly event_source!: string;
  @ApiProperty() readonly event_type!: string;
  @ApiProperty() readonly status!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The event as received' }) readonly payload!: Record<
    string,
    unknown
  >;
}

export class SubjectDataDto {
  @ApiProperty({ format: 'uuid' }) readonly organization_id!: string;
  @ApiProperty() readonly email!: string;
  @ApiProperty({ description: 'Keyed hash (HMAC-SHA256) the service records for this email instead of the email' })
  readonly email_hash!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Last erasure of this email in the organization, if any' })
  readonly erased_at!: string | null;
  @ApiProperty({ description: 'Later events carrying this email are stored redacted' }) readonly suppressed!: boolean;
  @ApiProperty({ type: [SubjectContactDto] }) readonly contacts!: SubjectContactDto[];
  @ApiProperty({ type: [SubjectAssignmentDto], description: 'Users the contacts are (or were) assigned to' })
  readonly assignments!: SubjectAssignmentDto[];
  @ApiProperty({ type: [SubjectActivityDto], description: 'Activity entries about the contacts, and earlier erasures of this email' })
  readonly activity!: SubjectActivityDto[];
  @ApiProperty({
    type: [SubjectLogDto],
    description: 'Every webhook log of the organization that carries the email, newest first, with its payload',
  })
  readonly logs!: SubjectLogDto[];
}

export class ErasedCountsDto {
  @ApiProperty({ type: 'integer', minimum: 0 }) readonly contacts!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) readonly assignments!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Webhook logs redacted, every monthly partition and the default one' })
  readonly logs!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Copies of logs that retention prepared, redacted' })
  readonly prepared_logs!: number;
}

export class ErasureResultDto {
  @ApiProperty({ format: 'uuid' }) readonly organization_id!: string;
  @ApiProperty({ description: 'Keyed hash (HMAC-SHA256) of the email, as the activity log records it' }) readonly email_hash!: string;
  @ApiProperty({ type: ErasedCountsDto }) readonly erased!: ErasedCountsDto;
  @ApiProperty({ description: 'True when there was nothing left to erase (a repeated request)' }) readonly nothing_to_erase!: boolean;
  @ApiProperty() readonly suppressed!: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) readonly erased_at!: string;
  @ApiProperty() readonly message!: string;
}

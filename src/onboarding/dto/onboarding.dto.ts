import { PageQueryDto } from '../../common/paging';
import { EnumField, IntField, TextField, UuidField } from '../../common/api-fields';

export const LINK_STATUSES = ['active', 'expired', 'used', 'revoked'] as const;

export class CreateLinkDto {
  @UuidField()
  readonly organization_id!: string;

  @TextField({ optional: true, minLength: 1, maxLength: 100, default: 'Basic Onboarding' })
  readonly template_name?: string;

  @TextField({ optional: true, maxLength: 5000, default: 'Welcome to Salesbrain!' })
  readonly welcome_message?: string;

  @IntField({ optional: true, minimum: 1, maximum: 365, default: 7 })
  readonly expiration_days?: number;

  @IntField({ optional: true, minimum: 1, maximum: 50, default: 5 })
  readonly total_steps?: number;
}

export class ListLinksQueryDto extends PageQueryDto {
  /** The roadmap's default page for links is 100 (validation 1..500 as every list). */
  @IntField({ optional: true, query: true, minimum: 1, maximum: 500, default: 100 })
  override readonly limit: number = 100;

  @UuidField({ optional: true }) readonly organization_id?: string;
  @EnumField(LINK_STATUSES, { optional: true }) readonly status?: string;
  @UuidField({ optional: true }) readonly created_by?: string;
}

export class RevokeLinkDto {
  @TextField({ optional: true, maxLength: 1000, default: 'Revoked by admin' })
  readonly reason?: string;
}

export class ExtendLinkDto {
  @IntField({ optional: true, minimum: 1, maximum: 365, default: 7 })
  readonly additional_days?: number;
}

export class UpdateProgressDto {
  @IntField({ minimum: 1, maximum: 50, description: 'At most the link’s total_steps (a larger step is refused with 400)' })
  readonly current_step!: number;

  @IntField({ minimum: 0, maximum: 100 })
  readonly progress_percentage!: number;
}

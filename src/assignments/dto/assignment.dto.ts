import { BoolField, EnumField, IntField, TextField, UuidArrayField, UuidField } from '../../common/api-fields';
import { PageQueryDto } from '../../common/paging';

export const CAMPAIGN_ASSIGNMENT_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export const ASSIGNMENT_TYPES = ['manual', 'round_robin', 'lead_score', 'territory'] as const;
export const AUTO_STRATEGIES = ['round_robin', 'lead_score'] as const;
export const MAX_IDS = 10_000;

export class AssignCampaignsDto {
  @UuidArrayField({ minItems: 1, maxItems: MAX_IDS })
  readonly campaign_ids!: string[];

  @EnumField(CAMPAIGN_ASSIGNMENT_ROLES, { optional: true, default: 'member' })
  readonly role?: (typeof CAMPAIGN_ASSIGNMENT_ROLES)[number];

  @BoolField({ optional: true, default: false }) readonly can_edit?: boolean;
  @BoolField({ optional: true, default: true }) readonly can_view_stats?: boolean;
  @BoolField({ optional: true, default: false }) readonly can_manage_contacts?: boolean;
}

export class AssignContactsDto {
  @UuidArrayField({ minItems: 1, maxItems: MAX_IDS })
  readonly contact_ids!: string[];

  @EnumField(ASSIGNMENT_TYPES, { optional: true, default: 'manual' })
  readonly assignment_type?: (typeof ASSIGNMENT_TYPES)[number];
}

export class AutoAssignDto {
  @UuidField()
  readonly organization_id!: string;

  @EnumField(AUTO_STRATEGIES)
  readonly strategy!: (typeof AUTO_STRATEGIES)[number];

  @UuidArrayField({ optional: true, minItems: 1, maxItems: MAX_IDS, description: 'Default: every unassigned contact of the organization' })
  readonly contact_ids?: string[];

  @BoolField({ optional: true, default: true, description: 'Leave contacts that already have an active owner alone' })
  readonly only_unassigned?: boolean;
}

export class ListUsersQueryDto extends PageQueryDto {
  @UuidField({ optional: true, description: 'Default for organization roles: their own organization' })
  readonly organization_id?: string;
}

export class ListContactsQueryDto extends PageQueryDto {
  @UuidField({ optional: true }) readonly organization_id?: string;
  @UuidField({ optional: true }) readonly campaign_id?: string;

  @TextField({ optional: true, maxLength: 200, description: 'Substring of email, name or company; % and _ are literal' })
  readonly search?: string;

  @BoolField({ optional: true, query: true, description: 'true: only contacts with an active owner; false: only without' })
  readonly assigned?: boolean;

  @IntField({ optional: true, query: true, minimum: -1_000_000, maximum: 1_000_000 })
  readonly min_lead_score?: number;
}

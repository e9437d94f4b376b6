import { ApiProperty } from '@nestjs/swagger';
import { EmailField, EnumField, TextField, UuidField } from '../../common/api-fields';

export const USER_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;

export class CreateUserDto {
  @UuidField()
  readonly organization_id!: string;

  @EmailField({ example: 'jane@acme.example' })
  readonly email!: string;

  @TextField({ optional: true, maxLength: 100 })
  readonly first_name?: string;

  @TextField({ optional: true, maxLength: 100 })
  readonly last_name?: string;

  @EnumField(USER_ROLES)
  readonly role!: (typeof USER_ROLES)[number];
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty({ format: 'uuid' }) readonly organization_id!: string;
  @ApiProperty() readonly email!: string;
  @ApiProperty({ type: String, nullable: true }) readonly first_name!: string | null;
  @ApiProperty({ type: String, nullable: true }) readonly last_name!: string | null;
  @ApiProperty({ enum: USER_ROLES }) readonly role!: (typeof USER_ROLES)[number];
  @ApiProperty({ enum: ['active', 'inactive'] }) readonly status!: 'active' | 'inactive';
  @ApiProperty({ type: String, format: 'date-time' }) readonly created_at!: Date;
}

export const USER_STATUSES = ['active', 'inactive'] as const;

/** Every field optional; what is absent stays. Names may be cleared with null. */
export class UpdateUserDto {
  @TextField({ optional: true, nullable: true, maxLength: 100 })
  readonly first_name?: string | null;

  @TextField({ optional: true, nullable: true, maxLength: 100 })
  readonly last_name?: string | null;

  @EnumField(USER_ROLES, { optional: true })
  readonly role?: (typeof USER_ROLES)[number];

  @EnumField(USER_STATUSES, {
    optional: true,
    description: 'An inactive user’s tokens are refused (401) within seconds, on every instance',
  })
  readonly status?: (typeof USER_STATUSES)[number];
}

export class RemovedUserDto {
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty({ type: 'integer', description: 'Campaign assignments removed with the user' })
  readonly campaign_assignments_removed!: number;
  @ApiProperty({ type: 'integer', description: 'Contact assignments removed with the user' }) readonly contact_assignments_removed!: number;
}

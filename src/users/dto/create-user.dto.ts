import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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

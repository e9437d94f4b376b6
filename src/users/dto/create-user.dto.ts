import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

export const USER_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;

export class CreateUserDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  readonly organization_id!: string;

  @ApiProperty({ example: 'jane@acme.example', maxLength: 320 })
  @IsEmail()
  @MaxLength(320)
  readonly email!: string;

  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  readonly first_name?: string;

  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  readonly last_name?: string;

  @ApiProperty({ enum: USER_ROLES })
  @IsIn(USER_ROLES)
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

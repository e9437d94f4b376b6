import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '../../common/paging';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';

export const LINK_STATUSES = ['active', 'expired', 'used', 'revoked'] as const;

export class CreateLinkDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  readonly organization_id!: string;

  @ApiPropertyOptional({ default: 'Basic Onboarding', maxLength: 100 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  readonly template_name?: string;

  @ApiPropertyOptional({ default: 'Welcome to Salesbrain!', maxLength: 5000 })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  readonly welcome_message?: string;

  @ApiPropertyOptional({ default: 7, minimum: 1, maximum: 365 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  readonly expiration_days?: number;

  @ApiPropertyOptional({ default: 5, minimum: 1, maximum: 50 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  readonly total_steps?: number;
}

export class ListLinksQueryDto extends PageQueryDto {
  /** The roadmap's default page for links is 100 (validation 1..500 is inherited). */
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  override readonly limit: number = 100;

  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() readonly organization_id?: string;
  @ApiPropertyOptional({ enum: LINK_STATUSES }) @IsOptional() @IsIn(LINK_STATUSES) readonly status?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() readonly created_by?: string;
}

export class RevokeLinkDto {
  @ApiPropertyOptional({ default: 'Revoked by admin', maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  readonly reason?: string;
}

export class ExtendLinkDto {
  @ApiPropertyOptional({ default: 7, minimum: 1, maximum: 365 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  readonly additional_days?: number;
}

export class UpdateProgressDto {
  @ApiProperty({ minimum: 1, description: 'At most the link’s total_steps' })
  @IsInt()
  @Min(1)
  @Max(50)
  readonly current_step!: number;

  @ApiProperty({ minimum: 0, maximum: 100 })
  @IsInt()
  @Min(0)
  @Max(100)
  readonly progress_percentage!: number;
}

import { ApiProperty } from '@nestjs/swagger';

export class ErrorBodyDto {
  @ApiProperty({ example: false }) readonly success!: boolean;
  @ApiProperty({ example: 400 }) readonly statusCode!: number;
  @ApiProperty({ example: 'organization_id must be a UUID' }) readonly message!: string;
  @ApiProperty({ example: 'organization_id must be a UUID', description: 'Same text as message (read by the portal)' })
  readonly detail!: string;
}

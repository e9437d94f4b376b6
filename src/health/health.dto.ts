import { ApiProperty } from '@nestjs/swagger';

export class HealthDto {
  @ApiProperty({ enum: ['ok'] }) readonly status!: 'ok';
  @ApiProperty({ enum: ['up'] }) readonly database!: 'up';
  @ApiProperty({ description: 'Round trip of the health query, ms' }) readonly latency_ms!: number;
  @ApiProperty({
    description:
      'True when the database login itself is a superuser or has BYPASSRLS: requests still run under RLS as the runtime ' +
      'role, but a dedicated login is safer (see the start-up warning)',
  })
  readonly login_bypasses_rls!: boolean;
}

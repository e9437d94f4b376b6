import { ApiProperty } from '@nestjs/swagger';
import { WEBHOOK_SOURCES } from '../event-types';

export class StoredWebhookDto {
  @ApiProperty({ format: 'uuid', description: 'The log id (the first one when this event was already stored)' }) readonly id!: string;
  @ApiProperty({ description: 'True when the same event had been stored before: nothing new was stored' }) readonly duplicate!: boolean;
}

export class EventTypeDto {
  @ApiProperty({ example: 'email.opened' }) readonly value!: string;
  @ApiProperty({ type: [String], example: ['email_opened'] }) readonly native!: string[];
  @ApiProperty({ enum: ['email', 'lead', 'campaign', 'account'] }) readonly category!: 'email' | 'lead' | 'campaign' | 'account';
  @ApiProperty() readonly description!: string;
}

export class WebhookSourceDto {
  @ApiProperty({ enum: WEBHOOK_SOURCES }) readonly value!: (typeof WEBHOOK_SOURCES)[number];
  @ApiProperty({ description: 'Has an HTTP receiver' }) readonly receives_http!: boolean;
  @ApiProperty({ description: 'Its secret is set (sources without a receiver: always true)' }) readonly configured!: boolean;
}

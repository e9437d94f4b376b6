import { ApiProperty } from '@nestjs/swagger';
import { IntField } from '../../common/api-fields';

export class RotateWebhookCredentialDto {
  @IntField({
    optional: true,
    minimum: 0,
    maximum: 168,
    default: 24,
    description: 'How long the previous secret keeps working, in hours, while the sender is reconfigured (0: at once)',
  })
  readonly grace_hours?: number;
}

export class WebhookCredentialDto {
  @ApiProperty({ format: 'uuid' }) readonly organization_id!: string;
  @ApiProperty({ description: 'The first characters of the secret, to tell credentials apart' }) readonly secret_prefix!: string;
  @ApiProperty({ format: 'date-time' }) readonly created_at!: string;
  @ApiProperty({ format: 'date-time' }) readonly rotated_at!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Until when the previous secret is still accepted' })
  readonly previous_valid_until!: string | null;
}

export class NewWebhookCredentialDto extends WebhookCredentialDto {
  @ApiProperty({ description: 'Shown once: send it as x-webhook-secret to POST /api/webhooks/instantly. Only its hash is stored.' })
  readonly secret!: string;
}

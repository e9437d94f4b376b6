import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The share of logs whose search text holds a trigram, from a sample; read only by the search functions (migration WebhookLogSearchPage). */
@Entity('webhook_log_search_trigram')
export class WebhookLogSearchTrigram {
  @PrimaryColumn('text', { primaryKeyConstraintName: 'pk_webhook_log_search_trigram' })
  trigram!: string;

  @Column('real')
  share!: number;
}

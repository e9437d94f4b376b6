import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Workers claim due logs fairly across tenants: the due logs of each tenant (its organization, or
 * for an event not yet routed, its Instantly workspace) in their order, the tenants in turn, so one
 * tenant's backlog delays another's events by at most a batch or so, whatever its size. This index
 * lists the tenants with due work without reading their backlogs (a skip scan, one probe per
 * tenant) and each tenant's next due logs.
 */
export class FairClaim1764100019000 implements MigrationInterface {
  name = 'FairClaim1764100019000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX idx_webhook_log_due_tenant ON webhook_log ((coalesce(organization_id::text, workspace_id, '')), next_attempt_at)
        WHERE status = 'pending';
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS idx_webhook_log_due_tenant`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bulk retry by filter queues the matching logs here instead of rewriting them.
 *
 * Flipping 100,000 logs back to `pending` rewrote 100,000 wide rows and inserted into each of
 * webhook_log's fourteen indexes (16 s on the benchmark machine, almost all of it index pages read
 * and written back), and the worker then rewrote every row twice more (claim, outcome). A queued
 * retry is one narrow row; the worker's claim takes queued logs as it takes pending ones, so a
 * retried log is written twice in all. Until a worker claims it, the log keeps its status and
 * shows the time it was queued (`retry_queued_at`).
 *
 * No foreign key: a log deleted by cleanup while queued leaves an entry the next claim drops.
 */
export class WebhookLogRetryQueue1764100007000 implements MigrationInterface {
  name = 'WebhookLogRetryQueue1764100007000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_log_retry (
        log_id uuid NOT NULL,
        organization_id uuid,
        force boolean NOT NULL DEFAULT false,
        requested_at timestamptz NOT NULL DEFAULT now(),
        requested_by uuid,
        CONSTRAINT pk_webhook_log_retry PRIMARY KEY (log_id)
      );
      -- Workers take the oldest requests first.
      CREATE INDEX idx_webhook_log_retry_requested ON webhook_log_retry (requested_at);
      ALTER TABLE webhook_log_retry ENABLE ROW LEVEL SECURITY;
      ALTER TABLE webhook_log_retry FORCE ROW LEVEL SECURITY;
      -- UPDATE only for the workers' SELECT ... FOR UPDATE SKIP LOCKED; no statement updates a row.
      GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_log_retry TO salesbrain_app;
      -- Platform roles queue and workers (system context) take; an organization's readers see
      -- their own organization's queued logs, as they see the logs.
      CREATE POLICY webhook_log_retry_platform_all ON webhook_log_retry FOR ALL
        USING ((SELECT app_is_platform())) WITH CHECK ((SELECT app_is_platform()));
      CREATE POLICY webhook_log_retry_org_select ON webhook_log_retry FOR SELECT
        USING ((SELECT app_role()) IN ('owner', 'admin', 'member') AND organization_id = (SELECT app_org_id()));
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS webhook_log_retry`);
  }
}

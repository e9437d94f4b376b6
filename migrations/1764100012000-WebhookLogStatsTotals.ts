import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * All-time totals per organization and dimension, kept equal to the sums of the daily rollup by
 * statement triggers on it. Unfiltered stats summed the whole daily rollup on every cache miss:
 * at 10M logs over a year that is 217,000 rows and 0.7 s; the totals are a few hundred rows.
 * Compaction adding to the daily rollup and retention deleting a month of it both keep the totals
 * right without knowing of them. And an index on the daily rollup's day, for the chart's last 30
 * days over every organization and for retention's deletion of a month (both read it all).
 */
export class WebhookLogStatsTotals1764100012000 implements MigrationInterface {
  name = 'WebhookLogStatsTotals1764100012000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_log_stats_total (
        organization_id uuid NOT NULL,
        dim varchar(12) NOT NULL,
        value varchar(100) NOT NULL,
        n bigint NOT NULL,
        CONSTRAINT pk_webhook_log_stats_total PRIMARY KEY (organization_id, dim, value)
      );
      -- The chart's last 30 days over every organization, and retention's deletion of a month.
      CREATE INDEX idx_webhook_log_stats_daily_day ON webhook_log_stats_daily (day);
      ALTER TABLE webhook_log_stats_total ENABLE ROW LEVEL SECURITY;
      ALTER TABLE webhook_log_stats_total FORCE ROW LEVEL SECURITY;
      GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_log_stats_total TO salesbrain_app;
      CREATE POLICY webhook_log_stats_total_platform_all ON webhook_log_stats_total FOR ALL
        USING ((SELECT app_is_platform())) WITH CHECK ((SELECT app_is_platform()));
      CREATE POLICY webhook_log_stats_total_org_select ON webhook_log_stats_total FOR SELECT
        USING ((SELECT app_role()) IN ('owner', 'admin', 'member') AND organization_id = (SELECT app_org_id()));

    `);
    // One function per operation: a trigger's function may name only the transition tables that trigger declares.
    await q.query(`
      CREATE FUNCTION webhook_log_stats_total_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO webhook_log_stats_total AS t (organization_id, dim, value, n)
        SELECT organization_id, dim, value, sum(n) FROM new_rows GROUP BY 1, 2, 3
        ON CONFLICT ON CONSTRAINT pk_webhook_log_stats_total DO UPDATE SET n = t.n + EXCLUDED.n;
        RETURN NULL;
      END
      $$;
      CREATE FUNCTION webhook_log_stats_total_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO webhook_log_stats_total AS t (organization_id, dim, value, n)
        SELECT organization_id, dim, value, sum(n) FROM (
          SELECT organization_id, dim, value, n FROM new_rows
          UNION ALL
          SELECT organization_id, dim, value, -n FROM old_rows) x
        GROUP BY 1, 2, 3 HAVING sum(n) <> 0
        ON CONFLICT ON CONSTRAINT pk_webhook_log_stats_total DO UPDATE SET n = t.n + EXCLUDED.n;
        RETURN NULL;
      END
      $$;
      CREATE FUNCTION webhook_log_stats_total_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO webhook_log_stats_total AS t (organization_id, dim, value, n)
        SELECT organization_id, dim, value, -sum(n) FROM old_rows GROUP BY 1, 2, 3
        ON CONFLICT ON CONSTRAINT pk_webhook_log_stats_total DO UPDATE SET n = t.n + EXCLUDED.n;
        RETURN NULL;
      END
      $$;
      CREATE TRIGGER webhook_log_stats_total_insert AFTER INSERT ON webhook_log_stats_daily
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_log_stats_total_insert();
      CREATE TRIGGER webhook_log_stats_total_update AFTER UPDATE ON webhook_log_stats_daily
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_log_stats_total_update();
      CREATE TRIGGER webhook_log_stats_total_delete AFTER DELETE ON webhook_log_stats_daily
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_log_stats_total_delete();

      INSERT INTO webhook_log_stats_total (organization_id, dim, value, n)
      SELECT organization_id, dim, value, sum(n) FROM webhook_log_stats_daily GROUP BY 1, 2, 3;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER IF EXISTS webhook_log_stats_total_insert ON webhook_log_stats_daily;
      DROP TRIGGER IF EXISTS webhook_log_stats_total_update ON webhook_log_stats_daily;
      DROP TRIGGER IF EXISTS webhook_log_stats_total_delete ON webhook_log_stats_daily;
      DROP FUNCTION IF EXISTS webhook_log_stats_total_insert();
      DROP FUNCTION IF EXISTS webhook_log_stats_total_update();
      DROP FUNCTION IF EXISTS webhook_log_stats_total_delete();
      DROP TABLE IF EXISTS webhook_log_stats_total;
      DROP INDEX IF EXISTS idx_webhook_log_stats_daily_day;
    `);
  }
}

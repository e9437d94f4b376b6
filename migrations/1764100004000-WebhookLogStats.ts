import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counts for the webhook stats without scanning webhook_log. Statement-level triggers append the
 * net change of every INSERT, UPDATE and DELETE (grouped by organization, hour, type, source and
 * status) to an append-only delta table: no row is updated in place, so concurrent receivers and
 * workers never wait on each other here. A periodic compaction folds the deltas into a daily table
 * (per dimension) and an hourly table (per status); stats read both plus the few deltas not yet
 * folded, so answers are exact at every moment.
 *
 * Logs without an organization are counted under the nil uuid, which no organization role matches.
 */
export class WebhookLogStats1764100004000 implements MigrationInterface {
  name = 'WebhookLogStats1764100004000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_log_stats_delta (
        id bigserial NOT NULL,
        organization_id uuid NOT NULL,
        hour timestamp NOT NULL,
        event_type varchar(100) NOT NULL,
        event_source varchar(20) NOT NULL,
        status varchar(20) NOT NULL,
        n integer NOT NULL,
        CONSTRAINT pk_webhook_log_stats_delta PRIMARY KEY (id)
      );
      CREATE TABLE webhook_log_stats_daily (
        organization_id uuid NOT NULL,
        day date NOT NULL,
        dim varchar(12) NOT NULL,
        value varchar(100) NOT NULL,
        n bigint NOT NULL,
        CONSTRAINT pk_webhook_log_stats_daily PRIMARY KEY (organization_id, day, dim, value)
      );
      CREATE TABLE webhook_log_stats_hourly (
        organization_id uuid NOT NULL,
        hour timestamp NOT NULL,
        status varchar(20) NOT NULL,
        n bigint NOT NULL,
        CONSTRAINT pk_webhook_log_stats_hourly PRIMARY KEY (organization_id, hour, status)
      );
      CREATE INDEX idx_webhook_log_stats_hourly_hour ON webhook_log_stats_hourly (hour);
    `);
    for (const t of ['webhook_log_stats_delta', 'webhook_log_stats_daily', 'webhook_log_stats_hourly']) {
      await q.query(`
        ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;
        ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ${t} TO salesbrain_app;
        CREATE POLICY ${t}_platform_all ON ${t} FOR ALL USING (app_is_platform()) WITH CHECK (app_is_platform());
        CREATE POLICY ${t}_org_select ON ${t} FOR SELECT
          USING (app_role() IN ('owner', 'admin', 'member') AND organization_id = app_org_id());
      `);
    }
    await q.query(`GRANT USAGE ON SEQUENCE webhook_log_stats_delta_id_seq TO salesbrain_app`);
    await q.query(`
      CREATE FUNCTION webhook_log_stats_capture() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO webhook_log_stats_delta (organization_id, hour, event_type, event_source, status, n)
          SELECT coalesce(organization_id, '00000000-0000-0000-0000-000000000000'), date_trunc('hour', created_at AT TIME ZONE 'UTC'),
                 event_type, event_source, status, count(*)
            FROM new_rows GROUP BY 1, 2, 3, 4, 5;
        ELSIF TG_OP = 'DELETE' THEN
          INSERT INTO webhook_log_stats_delta (organization_id, hour, event_type, event_source, status, n)
          SELECT coalesce(organization_id, '00000000-0000-0000-0000-000000000000'), date_trunc('hour', created_at AT TIME ZONE 'UTC'),
                 event_type, event_source, status, -count(*)
            FROM old_rows GROUP BY 1, 2, 3, 4, 5;
        ELSE
          INSERT INTO webhook_log_stats_delta (organization_id, hour, event_type, event_source, status, n)
          SELECT o, h, t, s, st, sum(n) FROM (
            SELECT coalesce(organization_id, '00000000-0000-0000-0000-000000000000') o, date_trunc('hour', created_at AT TIME ZONE 'UTC') h,
                   event_type t, event_source s, status st, 1 n FROM new_rows
            UNION ALL
            SELECT coalesce(organization_id, '00000000-0000-0000-0000-000000000000'), date_trunc('hour', created_at AT TIME ZONE 'UTC'),
                   event_type, event_source, status, -1 FROM old_rows) x
          GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0;
        END IF;
        RETURN NULL;
      END
      $$;
      CREATE TRIGGER webhook_log_stats_insert AFTER INSERT ON webhook_log
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_log_stats_capture();
      CREATE TRIGGER webhook_log_stats_update AFTER UPDATE ON webhook_log
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_log_stats_capture();
      CREATE TRIGGER webhook_log_stats_delete AFTER DELETE ON webhook_log
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_log_stats_capture();

      -- Logs that existed before this migration.
      INSERT INTO webhook_log_stats_delta (organization_id, hour, event_type, event_source, status, n)
      SELECT coalesce(organization_id, '00000000-0000-0000-0000-000000000000'), date_trunc('hour', created_at AT TIME ZONE 'UTC'),
             event_type, event_source, status, count(*)
        FROM webhook_log GROUP BY 1, 2, 3, 4, 5;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER IF EXISTS webhook_log_stats_delete ON webhook_log;
      DROP TRIGGER IF EXISTS webhook_log_stats_update ON webhook_log;
      DROP TRIGGER IF EXISTS webhook_log_stats_insert ON webhook_log;
      DROP FUNCTION IF EXISTS webhook_log_stats_capture();
      DROP TABLE IF EXISTS webhook_log_stats_hourly;
      DROP TABLE IF EXISTS webhook_log_stats_daily;
      DROP TABLE IF EXISTS webhook_log_stats_delta;
    `);
  }
}

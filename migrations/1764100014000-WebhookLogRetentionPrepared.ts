import { MigrationInterface, QueryRunner } from 'typeorm';

/** Migration WebhookLogPartitions's DROP_MONTHS_V1, copied: a migration never reads another's text, so history stays as it ran. */
const DROP_MONTHS_V1 = `
      /*
       * Retention by month: every partition (a month's, or the logs kept of one) that ends on or
       * before cutoff loses the logs in statuses, as a whole. The logs the run keeps (status not in
       * statuses: failed and pending ones for the nightly job) are copied into a new table, its
       * indexes built after the copy, which takes the partition's place as webhook_log_kYYYYMM; a
       * partition with nothing to delete is left as it is. The stats rollup loses the month's
       * counts and gets the kept logs' back. Two phases, so the table-wide lock that dropping needs
       * is held only for the drops: the copies lock each partition against writes only. If a lock
       * cannot be had within lock_timeout (a long export reading the table), nothing is dropped
       * (dropped_before is null) and the caller deletes those logs by rows. Returns the logs
       * deleted and the time before which the statuses' logs are all gone (cutoff).
       */
      CREATE FUNCTION webhook_log_drop_months(cutoff timestamptz, statuses text[], OUT deleted bigint, OUT dropped_before timestamptz)
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET lock_timeout = '2s' AS $fn$
      DECLARE
        parts text[];
        replaced text[] := '{}';
        part text;
        suffix text;
        fresh text;
        def text;
        month date;
        lo timestamptz;
        hi timestamptz;
        n bigint;
        kept bigint;
        default_deleted bigint;
      BEGIN
        IF NOT coalesce(app_is_platform(), false) THEN
          RAISE EXCEPTION 'webhook log partitions are managed by platform roles only' USING ERRCODE = '42501';
        END IF;
        dropped_before := cutoff;
        -- Logs the default partition holds from before cutoff (a month that had no partition):
        -- deleted here, with their counts, as a DELETE through webhook_log would have.
        WITH gone AS (
               DELETE FROM webhook_log_default WHERE created_at < cutoff AND status = ANY(statuses)
               RETURNING organization_id, created_at, event_type, event_source, status),
             counted AS (
               INSERT INTO webhook_log_stats_delta (organization_id, hour, event_type, event_source, status, n)
               SELECT coalesce(organization_id, '00000000-0000-0000-0000-000000000000'), date_trunc('hour', created_at AT TIME ZONE 'UTC'),
                      event_type, event_source, status, -count(*)
                 FROM gone GROUP BY 1, 2, 3, 4, 5
               RETURNING -webhook_log_stats_delta.n AS removed)
        SELECT coalesce(sum(counted.removed), 0) INTO deleted FROM counted;
        SELECT array_agg(c.relname::text ORDER BY substring(c.relname from 14)) INTO parts
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'webhook_log'::regclass AND c.relname ~ '^webhook_log_[pk][0-9]{6}$'
           AND ((to_date(substring(c.relname from 14), 'YYYYMM') + interval '1 month')::timestamp AT TIME ZONE 'UTC') <= cutoff;
        IF parts IS NULL THEN RETURN; END IF;
        default_deleted := deleted;
        BEGIN
          -- No compaction folds deltas of these months while their counts are rewritten.
          PERFORM pg_advisory_xact_lock(hashtextextended('webhook-log-stats-compaction', 0));
          FOREACH part IN ARRAY parts LOOP
            suffix := substring(part from 14);
            month := to_date(suffix, 'YYYYMM');
            lo := month::timestamp AT TIME ZONE 'UTC';
            hi := (month + interval '1 month')::timestamp AT TIME ZONE 'UTC';
            EXECUTE format('LOCK TABLE %I IN EXCLUSIVE MODE', part);
            EXECUTE format('SELECT count(*), count(*) FILTER (WHERE status <> ALL($1)) FROM %I', part) INTO n, kept USING statuses;
            CONTINUE WHEN kept = n;
            deleted := deleted + n - kept;
            replaced := replaced || part;
            DELETE FROM webhook_log_stats_daily WHERE day >= month AND day < (month + interval '1 month')::date;
            DELETE FROM webhook_log_stats_hourly WHERE hour >= month AND hour < month + interval '1 month';
            DELETE FROM webhook_log_stats_delta WHERE hour >= month AND hour < month + interval '1 month';
            CONTINUE WHEN kept = 0;
            fresh := 'webhook_log_n' || suffix;
            EXECUTE format('CREATE TABLE %I (LIKE webhook_log INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', fresh);
            EXECUTE format('INSERT INTO %I SELECT * FROM %I WHERE status <> ALL($1)', fresh, part) USING statuses;
            -- The log's indexes, built after the copy; ATTACH adopts them.
            FOR def IN SELECT pg_get_indexdef(x.indexrelid) FROM pg_index x WHERE x.indrelid = 'webhook_log'::regclass AND NOT x.indisprimary LOOP
              EXECUTE regexp_replace(def, '^CREATE INDEX \\S+ ON ONLY (public\\.)?webhook_log ', format('CREATE INDEX ON %I ', fresh));
            END LOOP;
            EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (id, created_at)', fresh);
            EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (created_at >= %L AND created_at < %L)', fresh, fresh || '_range', lo, hi);
            EXECUTE format('INSERT INTO webhook_log_stats_delta (organization_id, hour, event_type, event_source, status, n)
                            SELECT coalesce(organization_id, ''00000000-0000-0000-0000-000000000000''), date_trunc(''hour'', created_at AT TIME ZONE ''UTC''),
                                   event_type, event_source, status, count(*)
                              FROM %I GROUP BY 1, 2, 3, 4, 5', fresh);
          END LOOP;
          -- Writers of the current month wait behind this lock: not for long.
          PERFORM set_config('lock_timeout', '500ms', true);
          FOREACH part IN ARRAY replaced LOOP
            suffix := substring(part from 14);
            month := to_date(suffix, 'YYYYMM');
            fresh := 'webhook_log_n' || suffix;
            EXECUTE format('DROP TABLE %I', part);
            IF to_regclass(fresh) IS NOT NULL THEN
              EXECUTE format('ALTER TABLE %I RENAME TO %I', fresh, 'webhook_log_k' || suffix);
              EXECUTE format('ALTER TABLE webhook_log ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', 'webhook_log_k' || suffix,
                             month::timestamp AT TIME ZONE 'UTC', (month + interval '1 month')::timestamp AT TIME ZONE 'UTC');
              EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', 'webhook_log_k' || suffix, fresh || '_range');
            END IF;
          END LOOP;
        EXCEPTION WHEN lock_not_available THEN
          RAISE WARNING 'webhook log months not dropped, the table is busy (%): they are deleted by rows', SQLERRM;
          deleted := default_deleted;
          dropped_before := NULL;
        END;
      END
      $fn$;
`;

/**
 * Retention that keeps failed logs without copying them while the month is locked.
 *
 * Dropping a month and keeping its failed logs meant copying them (about 5% of a month) into a new
 * table and building its nine indexes, with the month locked against writes: 1.8 s for a month of
 * 750k rows, most of it pg_trgm indexing the copy. Now the nightly job prepares that table ahead,
 * without a lock (webhook_log_prepare_kept: the months whose end falls within the next two days'
 * limit), and the drop only reconciles it with the month as it is by then, under the lock: rows
 * that changed, appeared or went since the copy are deleted from or inserted into the prepared
 * table (a few, as old logs rarely change), so it holds exactly the logs to keep, and it takes the
 * month's place as before. A month with no prepared table (the admin's cleanup, or the first run)
 * is copied under the lock as before. A prepared table whose columns no longer match the log's
 * (a later migration) is dropped and the month copied as before; one whose month is gone is dropped.
 *
 * The month's count comes from the stats rollup rows the drop deletes anyway (hourly per status
 * plus the deltas not yet folded: exact, and the month is locked against writes), not a scan.
 */
export class WebhookLogRetentionPrepared1764100014000 implements MigrationInterface {
  name = 'WebhookLogRetentionPrepared1764100014000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- Where prepared tables wait: not public, so the runtime role cannot use them, and the
      -- checks that every table of the schema has row-level security need not see them.
      CREATE SCHEMA webhook_log_prepared;

      -- Copies the logs of part that retention by statuses keeps into a new table fresh, with the
      -- log's indexes (built after the copy), primary key and the month's range check, ready to be
      -- attached in part's place. Called by the definer functions below only.
      CREATE FUNCTION webhook_log_copy_kept(part text, fresh text, statuses text[]) RETURNS void
        LANGUAGE plpgsql SET search_path = public, pg_temp AS $fn$
      DECLARE
        month date := to_date(substring(part from 14), 'YYYYMM');
        def text;
      BEGIN
        EXECUTE format('CREATE TABLE webhook_log_prepared.%I (LIKE webhook_log INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', fresh);
        EXECUTE format('INSERT INTO webhook_log_prepared.%I SELECT * FROM %I WHERE status <> ALL($1)', fresh, part) USING statuses;
        -- The log's indexes, built after the copy; ATTACH adopts them.
        FOR def IN SELECT pg_get_indexdef(x.indexrelid) FROM pg_index x WHERE x.indrelid = 'webhook_log'::regclass AND NOT x.indisprimary LOOP
          EXECUTE regexp_replace(def, '^CREATE INDEX \\S+ ON ONLY (public\\.)?webhook_log ', format('CREATE INDEX ON webhook_log_prepared.%I ', fresh));
        END LOOP;
        EXECUTE format('ALTER TABLE webhook_log_prepared.%I ADD PRIMARY KEY (id, created_at)', fresh);
        EXECUTE format('ALTER TABLE webhook_log_prepared.%I ADD CONSTRAINT %I CHECK (created_at >= %L AND created_at < %L)', fresh, fresh || '_range',
                       month::timestamp AT TIME ZONE 'UTC', (month + interval '1 month')::timestamp AT TIME ZONE 'UTC');
      END
      $fn$;
      REVOKE ALL ON FUNCTION webhook_log_copy_kept(text, text, text[]) FROM PUBLIC;

      -- Whether a prepared table still has the log's columns, in order (a migration may have changed them since).
      CREATE FUNCTION webhook_log_same_columns(t regclass) RETURNS boolean
        LANGUAGE sql STABLE SET search_path = public, pg_temp AS $fn$
        SELECT (SELECT array_agg((attname, atttypid, atttypmod)::text ORDER BY attnum) FROM pg_attribute
                 WHERE attrelid = t AND attnum > 0 AND NOT attisdropped)
             = (SELECT array_agg((attname, atttypid, atttypmod)::text ORDER BY attnum) FROM pg_attribute
                 WHERE attrelid = 'webhook_log'::regclass AND attnum > 0 AND NOT attisdropped)
      $fn$;
      REVOKE ALL ON FUNCTION webhook_log_same_columns(regclass) FROM PUBLIC;

      /*
       * What the nightly job calls before the months it will drop: for every month partition that
       * ends on or before cutoff (the limit a few days ahead), the table of the logs retention by
       * statuses keeps, as webhook_log_nYYYYMM, where none is ready. No lock but a reader's: the
       * month takes writes meanwhile, and the drop reconciles what changed. Returns the tables made.
       */
      CREATE FUNCTION webhook_log_prepare_kept(cutoff timestamptz, statuses text[]) RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
      DECLARE
        part text;
        fresh text;
        made integer := 0;
      BEGIN
        IF NOT coalesce(app_is_platform(), false) THEN
          RAISE EXCEPTION 'webhook log partitions are managed by platform roles only' USING ERRCODE = '42501';
        END IF;
        -- One at a time, and never beside a drop (webhook_log_drop_months takes it too).
        PERFORM pg_advisory_xact_lock(hashtextextended('webhook-log-retention', 0));
        FOR part IN SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                     WHERE i.inhparent = 'webhook_log'::regclass AND c.relname ~ '^webhook_log_p[0-9]{6}$'
                       AND ((to_date(substring(c.relname from 14), 'YYYYMM') + interval '1 month')::timestamp AT TIME ZONE 'UTC') <= cutoff
                     ORDER BY 1 LOOP
          fresh := 'webhook_log_n' || substring(part from 14);
          IF to_regclass(format('webhook_log_prepared.%I', fresh)) IS NOT NULL THEN
            CONTINUE WHEN webhook_log_same_columns(format('webhook_log_prepared.%I', fresh)::regclass);
            EXECUTE format('DROP TABLE webhook_log_prepared.%I', fresh);
          END IF;
          PERFORM webhook_log_copy_kept(part, fresh, statuses);
          made := made + 1;
        END LOOP;
        RETURN made;
      END
      $fn$;
      REVOKE ALL ON FUNCTION webhook_log_prepare_kept(timestamptz, text[]) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION webhook_log_prepare_kept(timestamptz, text[]) TO salesbrain_app;

      DROP FUNCTION webhook_log_drop_months(timestamptz, text[]);
      /*
       * Retention by month: every partition (a month's, or the logs kept of one) that ends on or
       * before cutoff loses the logs in statuses, as a whole. The logs it keeps (status not in
       * statuses: failed and pending ones for the nightly job) go into webhook_log_prepared.webhook_log_nYYYYMM, which
       * takes the partition's place as webhook_log_kYYYYMM: reconciled with the partition if the
       * nightly job prepared it, else copied now; a partition with nothing to delete is left as it
       * is, one with nothing to keep is dropped. The stats rollup loses the month's counts and gets
       * the kept logs' back. Two phases, so the table-wide lock that dropping needs is held only for
       * the drops: the first locks each partition against writes only. If a lock cannot be had
       * within lock_timeout (a long export reading the table), nothing is dropped (dropped_before is
       * null) and the caller deletes those logs by rows. Returns the logs deleted and the time
       * before which the statuses' logs are all gone (cutoff).
       */
      -- work_mem: the reconcile's joins and the kept logs' counts fit in memory (they spilled at 4 MB).
      CREATE FUNCTION webhook_log_drop_months(cutoff timestamptz, statuses text[], OUT deleted bigint, OUT dropped_before timestamptz)
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET lock_timeout = '2s' SET work_mem = '64MB' AS $fn$
      DECLARE
        -- The statuses kept, as a list the status index can look up: ck_webhook_log_status's values
        -- not in statuses (null without the check, and then nothing prepared is used).
        keep text[] := (SELECT array_agg(v[1]) FILTER (WHERE v[1] <> ALL(statuses))
                          FROM pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([^'']+)''', 'g') v
                         WHERE c.conrelid = 'webhook_log'::regclass AND c.conname = 'ck_webhook_log_status');
        parts text[];
        replaced text[] := '{}';
        part text;
        suffix text;
        fresh text;
        month date;
        total bigint;
        kept bigint;
        default_deleted bigint;
        something boolean;
        prepared regclass;
      BEGIN
        IF NOT coalesce(app_is_platform(), false) THEN
          RAISE EXCEPTION 'webhook log partitions are managed by platform roles only' USING ERRCODE = '42501';
        END IF;
        dropped_before := cutoff;
        -- Logs the default partition holds from before cutoff (a month that had no partition):
        -- deleted here, with their counts, as a DELETE through webhook_log would have.
        WITH gone AS (
               DELETE FROM webhook_log_default WHERE created_at < cutoff AND status = ANY(statuses)
               RETURNING organization_id, created_at, event_type, event_source, status),
             counted AS (
               INSERT INTO webhook_log_stats_delta (organization_id, hour, event_type, event_source, status, n)
               SELECT coalesce(organization_id, '00000000-0000-0000-0000-000000000000'), date_trunc('hour', created_at AT TIME ZONE 'UTC'),
                      event_type, event_source, status, -count(*)
                 FROM gone GROUP BY 1, 2, 3, 4, 5
               RETURNING -webhook_log_stats_delta.n AS removed)
        SELECT coalesce(sum(counted.removed), 0) INTO deleted FROM counted;
        SELECT array_agg(c.relname::text ORDER BY substring(c.relname from 14)) INTO parts
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'webhook_log'::regclass AND c.relname ~ '^webhook_log_[pk][0-9]{6}$'
           AND ((to_date(substring(c.relname from 14), 'YYYYMM') + interval '1 month')::timestamp AT TIME ZONE 'UTC') <= cutoff;
        default_deleted := deleted;
        BEGIN
          -- No compaction folds deltas of these months while their counts are rewritten.
          PERFORM pg_advisory_xact_lock(hashtextextended('webhook-log-stats-compaction', 0));
          -- Nor does a preparation run meanwhile (it would make a table this makes too).
          PERFORM pg_advisory_xact_lock(hashtextextended('webhook-log-retention', 0));
          FOREACH part IN ARRAY coalesce(parts, '{}') LOOP
            suffix := substring(part from 14);
            month := to_date(suffix, 'YYYYMM');
            fresh := 'webhook_log_n' || suffix;
            EXECUTE format('LOCK TABLE %I IN EXCLUSIVE MODE', part);
            prepared := to_regclass(format('webhook_log_prepared.%I', fresh));
            IF prepared IS NOT NULL THEN
              -- Of no use if its columns are no longer the log's, or if the month keeps nothing now
              -- (the admin's cleanup of every status): reconciling would delete every copy.
              EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE status = ANY($1))', part) INTO something USING keep;
              IF keep IS NULL OR NOT something OR NOT webhook_log_same_columns(prepared) THEN
                EXECUTE format('DROP TABLE webhook_log_prepared.%I', fresh);
                prepared := NULL;
              END IF;
            END IF;
            IF prepared IS NOT NULL THEN
              -- Prepared: nothing to do unless some log is in statuses (the status index answers).
              EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE status = ANY($1))', part) INTO something USING statuses;
              CONTINUE WHEN NOT something;
              -- Reconciled: copies that are no longer a log to keep exactly as it is go; then the
              -- logs to keep that have no copy left come.
              EXECUTE format('DELETE FROM webhook_log_prepared.%1$I f WHERE NOT EXISTS (SELECT 1 FROM %2$I p WHERE p.id = f.id AND p.created_at = f.created_at
                                AND p.status = ANY($1) AND ROW(p.*) IS NOT DISTINCT FROM ROW(f.*))', fresh, part) USING keep;
              -- (Which: read from the status index alone; only their rows from the table.)
              EXECUTE format('INSERT INTO webhook_log_prepared.%1$I SELECT p.* FROM %2$I p WHERE (p.id, p.created_at) IN
                                (SELECT id, created_at FROM %2$I WHERE status = ANY($1) EXCEPT ALL SELECT id, created_at FROM webhook_log_prepared.%1$I)',
                             fresh, part) USING keep;
              EXECUTE format('SELECT count(*) FROM webhook_log_prepared.%I', fresh) INTO kept;
              -- The month's count: its hourly rollup and unfolded deltas, deleted below anyway.
              WITH h AS (DELETE FROM webhook_log_stats_hourly WHERE hour >= month AND hour < month + interval '1 month' RETURNING n),
                   d AS (DELETE FROM webhook_log_stats_delta WHERE hour >= month AND hour < month + interval '1 month' RETURNING n)
              SELECT coalesce((SELECT sum(h.n) FROM h), 0) + coalesce((SELECT sum(d.n) FROM d), 0) INTO total;
            ELSE
              EXECUTE format('SELECT count(*), count(*) FILTER (WHERE status <> ALL($1)) FROM %I', part) INTO total, kept USING statuses;
              CONTINUE WHEN kept = total;
              DELETE FROM webhook_log_stats_hourly WHERE hour >= month AND hour < month + interval '1 month';
              DELETE FROM webhook_log_stats_delta WHERE hour >= month AND hour < month + interval '1 month';
              IF kept > 0 THEN PERFORM webhook_log_copy_kept(part, fresh, statuses); END IF;
            END IF;
            DELETE FROM webhook_log_stats_daily WHERE day >= month AND day < (month + interval '1 month')::date;
            deleted := deleted + total - kept;
            replaced := replaced || part;
            IF kept = 0 THEN
              EXECUTE format('DROP TABLE IF EXISTS webhook_log_prepared.%I', fresh);
              CONTINUE;
            END IF;
            EXECUTE format('INSERT INTO webhook_log_stats_delta (organization_id, hour, event_type, event_source, status, n)
                            SELECT coalesce(organization_id, ''00000000-0000-0000-0000-000000000000''), date_trunc(''hour'', created_at AT TIME ZONE ''UTC''),
                                   event_type, event_source, status, count(*)
                              FROM webhook_log_prepared.%I GROUP BY 1, 2, 3, 4, 5', fresh);
          END LOOP;
          -- Writers of the current month wait behind this lock: not for long.
          PERFORM set_config('lock_timeout', '500ms', true);
          FOREACH part IN ARRAY replaced LOOP
            suffix := substring(part from 14);
            month := to_date(suffix, 'YYYYMM');
            fresh := 'webhook_log_n' || suffix;
            EXECUTE format('DROP TABLE %I', part);
            IF to_regclass(format('webhook_log_prepared.%I', fresh)) IS NOT NULL THEN
              EXECUTE format('ALTER TABLE webhook_log_prepared.%I RENAME TO %I', fresh, 'webhook_log_k' || suffix);
              EXECUTE format('ALTER TABLE webhook_log_prepared.%I SET SCHEMA public', 'webhook_log_k' || suffix);
              EXECUTE format('ALTER TABLE webhook_log ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', 'webhook_log_k' || suffix,
                             month::timestamp AT TIME ZONE 'UTC', (month + interval '1 month')::timestamp AT TIME ZONE 'UTC');
              EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', 'webhook_log_k' || suffix, fresh || '_range');
            END IF;
          END LOOP;
        EXCEPTION WHEN lock_not_available THEN
          RAISE WARNING 'webhook log months not dropped, the table is busy (%): they are deleted by rows', SQLERRM;
          deleted := default_deleted;
          dropped_before := NULL;
        END;
        -- Prepared tables whose month is gone (dropped whole, or by another run).
        FOR fresh IN SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = 'webhook_log_prepared'::regnamespace AND c.relkind = 'r'
                       AND to_regclass('public.webhook_log_p' || substring(c.relname from 14)) IS NULL LOOP
          EXECUTE format('DROP TABLE webhook_log_prepared.%I', fresh);
        END LOOP;
      END
      $fn$;
      REVOKE ALL ON FUNCTION webhook_log_drop_months(timestamptz, text[]) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION webhook_log_drop_months(timestamptz, text[]) TO salesbrain_app;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP SCHEMA webhook_log_prepared CASCADE;
      DROP FUNCTION IF EXISTS webhook_log_prepare_kept(timestamptz, text[]);
      DROP FUNCTION IF EXISTS webhook_log_same_columns(regclass);
      DROP FUNCTION IF EXISTS webhook_log_copy_kept(text, text, text[]);
      DROP FUNCTION webhook_log_drop_months(timestamptz, text[]);
      ${DROP_MONTHS_V1}
      REVOKE ALL ON FUNCTION webhook_log_drop_months(timestamptz, text[]) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION webhook_log_drop_months(timestamptz, text[]) TO salesbrain_app;
    `);
  }
}

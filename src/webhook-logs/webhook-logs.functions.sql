-- The current definition of each database function and trigger this module owns, as PostgreSQL
-- spells it (pg_get_functiondef, pg_get_triggerdef). To change one, change it here and write a
-- migration that runs the same statement; migrations keep their own copies, so history replays as
-- it ran. test/db-functions.e2e-spec.ts compares the migrated database with these files
-- (`npm run sql:update` rewrites them from it).

-- function: webhook_log_add_month(month date)
CREATE OR REPLACE FUNCTION public.webhook_log_add_month(month date)
 RETURNS boolean
 LANGUAGE plpgsql
 SET search_path TO 'public', 'pg_temp'
AS $function$
      DECLARE
        part text := 'webhook_log_p' || to_char(month, 'YYYYMM');
        lo timestamptz := date_trunc('month', month)::timestamp AT TIME ZONE 'UTC';
        hi timestamptz := (date_trunc('month', month) + interval '1 month')::timestamp AT TIME ZONE 'UTC';
      BEGIN
        IF to_regclass(part) IS NOT NULL THEN RETURN false; END IF;
        EXECUTE format('CREATE TABLE %I (LIKE webhook_log INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (created_at >= %L AND created_at < %L)', part, part || '_range', lo, hi);
        EXECUTE format('WITH moved AS (DELETE FROM webhook_log_default WHERE created_at >= $1 AND created_at < $2 RETURNING *)
                        INSERT INTO %I SELECT * FROM moved', part) USING lo, hi;
        EXECUTE format('ALTER TABLE webhook_log ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part, part || '_range');
        RETURN true;
      END
      $function$;

-- function: webhook_log_copy_kept(part text, fresh text, statuses text[])
CREATE OR REPLACE FUNCTION public.webhook_log_copy_kept(part text, fresh text, statuses text[])
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO 'public', 'pg_temp'
AS $function$
      DECLARE
        month date := to_date(substring(part from 14), 'YYYYMM');
        def text;
      BEGIN
        EXECUTE format('CREATE TABLE webhook_log_prepared.%I (LIKE webhook_log INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', fresh);
        EXECUTE format('INSERT INTO webhook_log_prepared.%I SELECT * FROM %I WHERE status <> ALL($1)', fresh, part) USING statuses;
        -- The log's indexes, built after the copy; ATTACH adopts them.
        FOR def IN SELECT pg_get_indexdef(x.indexrelid) FROM pg_index x WHERE x.indrelid = 'webhook_log'::regclass AND NOT x.indisprimary LOOP
          EXECUTE regexp_replace(def, '^CREATE INDEX \S+ ON ONLY (public\.)?webhook_log ', format('CREATE INDEX ON webhook_log_prepared.%I ', fresh));
        END LOOP;
        EXECUTE format('ALTER TABLE webhook_log_prepared.%I ADD PRIMARY KEY (id, created_at)', fresh);
        EXECUTE format('ALTER TABLE webhook_log_prepared.%I ADD CONSTRAINT %I CHECK (created_at >= %L AND created_at < %L)', fresh, fresh || '_range',
                       month::timestamp AT TIME ZONE 'UTC', (month + interval '1 month')::timestamp AT TIME ZONE 'UTC');
      END
      $function$;

-- function: webhook_log_drop_months(cutoff timestamp with time zone, statuses text[], OUT deleted bigint, OUT dropped_before timestamp with time zone)
CREATE OR REPLACE FUNCTION public.webhook_log_drop_months(cutoff timestamp with time zone, statuses text[], OUT deleted bigint, OUT dropped_before timestamp with time zone)
 RETURNS record
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
 SET lock_timeout TO '2s'
 SET work_mem TO '64MB'
AS $function$
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
      $function$;

-- function: webhook_log_ensure_partitions(months_ahead integer)
CREATE OR REPLACE FUNCTION public.webhook_log_ensure_partitions(months_ahead integer)
 RETURNS integer
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
 SET lock_timeout TO '5s'
AS $function$
      DECLARE
        made integer := 0;
        m date;
      BEGIN
        IF NOT coalesce(app_is_platform(), false) THEN
          RAISE EXCEPTION 'webhook log partitions are managed by platform roles only' USING ERRCODE = '42501';
        END IF;
        FOR m IN SELECT generate_series(date_trunc('month', now() AT TIME ZONE 'UTC'),
                                        date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => greatest(0, least(months_ahead, 24))),
                                        interval '1 month')::date LOOP
          IF webhook_log_add_month(m) THEN made := made + 1; END IF;
        END LOOP;
        RETURN made;
      END
      $function$;

-- function: webhook_log_partition_health(OUT default_rows bigint, OUT months_ahead integer, OUT monthly_partitions integer)
CREATE OR REPLACE FUNCTION public.webhook_log_partition_health(OUT default_rows bigint, OUT months_ahead integer, OUT monthly_partitions integer)
 RETURNS record
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
        SELECT (SELECT count(*) FROM (SELECT 1 FROM webhook_log_default LIMIT 100000) d),
               (SELECT count(*)::int FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                 WHERE i.inhparent = 'webhook_log'::regclass AND c.relname ~ '^webhook_log_p[0-9]{6}$'
                   AND to_date(substring(c.relname from 14), 'YYYYMM') > (now() AT TIME ZONE 'UTC')::date),
               (SELECT count(*)::int FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                 WHERE i.inhparent = 'webhook_log'::regclass AND c.relname ~ '^webhook_log_p[0-9]{6}$')
         WHERE coalesce(app_is_platform(), false)
      $function$;

-- function: webhook_log_prepare_kept(cutoff timestamp with time zone, statuses text[])
CREATE OR REPLACE FUNCTION public.webhook_log_prepare_kept(cutoff timestamp with time zone, statuses text[])
 RETURNS integer
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
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
      $function$;

-- function: webhook_log_refresh_search_trigrams(sample_rows integer)
CREATE OR REPLACE FUNCTION public.webhook_log_refresh_search_trigrams(sample_rows integer)
 RETURNS integer
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
      DECLARE
        total double precision;
        pct double precision;
        kept integer;
      BEGIN
        IF NOT coalesce(app_is_platform(), false) THEN
          RAISE EXCEPTION 'search statistics are managed by platform roles only' USING ERRCODE = '42501';
        END IF;
        SELECT coalesce(sum(greatest(c.reltuples, 0)), 0) INTO total
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'webhook_log'::regclass;
        pct := CASE WHEN total <= greatest(sample_rows, 1) THEN 100 ELSE greatest(100.0 * sample_rows / total, 0.0001) END;
        DELETE FROM webhook_log_search_trigram;
        EXECUTE format(
          $q$INSERT INTO webhook_log_search_trigram (trigram, share)
             SELECT t.trigram, (count(*)::double precision / max(s.n))::real
               FROM (SELECT count(*) OVER () AS n,
                            show_trgm(coalesce(l.contact_email, '') || ' ' || coalesce(l.campaign_name, '') || ' ' || coalesce(l.error_message, '')) AS ts
                       FROM webhook_log l TABLESAMPLE SYSTEM (%s)) s,
                    unnest(s.ts) AS t(trigram)
              WHERE t.trigram ~ '^[[:alnum:]]{3}$'
              GROUP BY t.trigram$q$, pct);
        GET DIAGNOSTICS kept = ROW_COUNT;
        RETURN kept;
      END
      $function$;

-- function: webhook_log_same_columns(t regclass)
CREATE OR REPLACE FUNCTION public.webhook_log_same_columns(t regclass)
 RETURNS boolean
 LANGUAGE sql
 STABLE
 SET search_path TO 'public', 'pg_temp'
AS $function$
        SELECT (SELECT array_agg((attname, atttypid, atttypmod)::text ORDER BY attnum) FROM pg_attribute
                 WHERE attrelid = t AND attnum > 0 AND NOT attisdropped)
             = (SELECT array_agg((attname, atttypid, atttypmod)::text ORDER BY attnum) FROM pg_attribute
                 WHERE attrelid = 'webhook_log'::regclass AND attnum > 0 AND NOT attisdropped)
      $function$;

-- function: webhook_log_search_key(pattern text)
CREATE OR REPLACE FUNCTION public.webhook_log_search_key(pattern text)
 RETURNS text
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
      DECLARE
        term text;
        tri text;
        share real;
        rare boolean;
        trigrams integer := 0;
        rare_ones integer := 0;
        run_at integer := 0;
        run_len integer := 0;
        best_at integer := 0;
        best_len integer := 0;
      BEGIN
        IF length(pattern) < 6 OR left(pattern, 1) <> '%' OR right(pattern, 1) <> '%' THEN RETURN pattern; END IF;
        term := lower(regexp_replace(substr(pattern, 2, length(pattern) - 2), '\\(.)', '\1', 'g'));
        IF NOT EXISTS (SELECT 1 FROM webhook_log_search_trigram) THEN RETURN pattern; END IF;
        FOR i IN 1 .. length(term) - 2 LOOP
          tri := substr(term, i, 3);
          rare := false;
          IF tri ~ '^[[:alnum:]]{3}$' THEN
            trigrams := trigrams + 1;
            SELECT t.share INTO share FROM webhook_log_search_trigram t WHERE t.trigram = tri;
            rare := coalesce(share, 0) <= 0.1;
          END IF;
          IF rare THEN
            rare_ones := rare_ones + 1;
            IF run_len = 0 THEN run_at := i; END IF;
            run_len := run_len + 1;
            IF run_len > best_len THEN best_at := run_at; best_len := run_len; END IF;
          ELSE
            run_len := 0;
          END IF;
        END LOOP;
        IF best_len = 0 OR rare_ones = trigrams THEN RETURN pattern; END IF;
        -- Letters and digits only: nothing in it needs escaping.
        RETURN '%' || substr(term, best_at, best_len + 2) || '%';
      END
      $function$;

-- function: webhook_log_search_matches(pattern text, max_matches integer, OUT ids uuid[], OUT tss timestamp with time zone[])
CREATE OR REPLACE FUNCTION public.webhook_log_search_matches(pattern text, max_matches integer, OUT ids uuid[], OUT tss timestamp with time zone[])
 RETURNS record
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
      DECLARE
        visible boolean;
        org uuid;
        key text := webhook_log_search_key(pattern);
        part text;
        got_ids uuid[];
        got_ts timestamptz[];
      BEGIN
        ids := '{}';
        tss := '{}';
        SELECT s.visible, s.org INTO visible, org FROM webhook_log_search_scope() s;
        IF NOT visible THEN RETURN; END IF;
        FOR part IN SELECT p.part FROM webhook_log_search_parts() p LOOP
          SELECT r.ids, r.tss INTO got_ids, got_ts FROM webhook_log_search_read(part, pattern, key, org, NULL, NULL, max_matches + 1 - cardinality(ids), false) r;
          ids := ids || got_ids;
          tss := tss || got_ts;
          EXIT WHEN cardinality(ids) > max_matches;
        END LOOP;
      END
      $function$;

-- function: webhook_log_search_newest(pattern text, max_rows integer, before_ts timestamp with time zone, before_id uuid)
CREATE OR REPLACE FUNCTION public.webhook_log_search_newest(pattern text, max_rows integer, before_ts timestamp with time zone, before_id uuid)
 RETURNS SETOF uuid
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
      DECLARE
        visible boolean;
        org uuid;
        key text := webhook_log_search_key(pattern);
        part text;
        monthly boolean;
        ids uuid[] := '{}';
        tss timestamptz[] := '{}';
        got_ids uuid[];
        got_ts timestamptz[];
        -- Rows read from monthly partitions (the default partition's may be older than the next month's).
        from_months integer := 0;
      BEGIN
        SELECT s.visible, s.org INTO visible, org FROM webhook_log_search_scope() s;
        IF NOT visible THEN RETURN; END IF;
        FOR part, monthly IN SELECT p.part, p.monthly FROM webhook_log_search_parts() p LOOP
          -- A month that begins at or after the cursor holds nothing before it.
          CONTINUE WHEN monthly AND before_ts IS NOT NULL
                        AND (to_date(substring(part from 14), 'YYYYMM')::timestamp AT TIME ZONE 'UTC') >= before_ts;
          SELECT r.ids, r.tss INTO got_ids, got_ts FROM webhook_log_search_read(part, pattern, key, org, before_ts, before_id, max_rows, true) r;
          ids := ids || got_ids;
          tss := tss || got_ts;
          IF monthly THEN from_months := from_months + cardinality(got_ids); END IF;
          -- Every later month is older than the max_rows already read from months.
          EXIT WHEN from_months >= max_rows;
        END LOOP;
        RETURN QUERY SELECT u.id FROM unnest(ids, tss) u(id, ts) ORDER BY u.ts DESC, u.id DESC LIMIT max_rows;
      END
      $function$;

-- function: webhook_log_search_page(pattern text, max_matches integer, count_cap integer, before_ts timestamp with time zone, before_id uuid, skip integer, take integer, OUT ids uuid[], OUT matches integer, OUT oldest timestamp with time zone, OUT newest timestamp with time zone)
CREATE OR REPLACE FUNCTION public.webhook_log_search_page(pattern text, max_matches integer, count_cap integer, before_ts timestamp with time zone, before_id uuid, skip integer, take integer, OUT ids uuid[], OUT matches integer, OUT oldest timestamp with time zone, OUT newest timestamp with time zone)
 RETURNS record
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
      DECLARE
        visible boolean;
        org uuid;
        part text;
        monthly boolean;
        found_ids uuid[] := '{}';
        found_ts timestamptz[] := '{}';
        got_ids uuid[];
        got_ts timestamptz[];
        -- Rows read from monthly partitions that are before the cursor: the page is among them
        -- once there are skip + take.
        eligible integer := 0;
        key text := webhook_log_search_key(pattern);
      BEGIN
        ids := '{}';
        matches := 0;
        SELECT s.visible, s.org INTO visible, org FROM webhook_log_search_scope() s;
        IF NOT visible THEN RETURN; END IF;
        FOR part, monthly IN SELECT p.part, p.monthly FROM webhook_log_search_parts() p LOOP
          SELECT r.ids, r.tss INTO got_ids, got_ts FROM webhook_log_search_read(part, pattern, key, org, NULL, NULL, max_matches + 1 - matches, false) r;
          found_ids := found_ids || got_ids;
          found_ts := found_ts || got_ts;
          matches := cardinality(found_ids);
          EXIT WHEN matches > max_matches;
          IF monthly THEN
            eligible := eligible + (SELECT count(*)::int FROM unnest(got_ids, got_ts) g(id, ts)
                                     WHERE before_ts IS NULL OR (g.ts, g.id) < (before_ts, before_id));
            EXIT WHEN matches > count_cap AND eligible >= greatest(skip, 0) + greatest(take, 0);
          END IF;
        END LOOP;
        SELECT coalesce(array_agg(p.id ORDER BY p.ts DESC, p.id DESC), '{}'), min(p.ts), max(p.ts)
          INTO ids, oldest, newest
          FROM (SELECT f.id, f.ts FROM unnest(found_ids, found_ts) f(id, ts)
                 WHERE before_ts IS NULL OR (f.ts, f.id) < (before_ts, before_id)
                 ORDER BY f.ts DESC, f.id DESC OFFSET greatest(skip, 0) LIMIT greatest(take, 0)) p;
      END
      $function$;

-- function: webhook_log_search_parts()
CREATE OR REPLACE FUNCTION public.webhook_log_search_parts()
 RETURNS TABLE(part text, monthly boolean)
 LANGUAGE sql
 STABLE
 SET search_path TO 'public', 'pg_temp'
AS $function$
        SELECT c.relname::text, c.relname ~ '^webhook_log_[pk][0-9]{6}$'
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'webhook_log'::regclass
         ORDER BY c.relname ~ '^webhook_log_[pk][0-9]{6}$', substring(c.relname from 14) DESC
      $function$;

-- function: webhook_log_search_read(part text, pattern text, key text, org uuid, before_ts timestamp with time zone, before_id uuid, max_rows integer, newest_first boolean, OUT ids uuid[], OUT tss timestamp with time zone[])
CREATE OR REPLACE FUNCTION public.webhook_log_search_read(part text, pattern text, key text, org uuid, before_ts timestamp with time zone, before_id uuid, max_rows integer, newest_first boolean, OUT ids uuid[], OUT tss timestamp with time zone[])
 RETURNS record
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'public', 'pg_temp'
AS $function$
      BEGIN
        EXECUTE format(
          $q$SELECT coalesce(array_agg(id), '{}'), coalesce(array_agg(created_at), '{}') FROM (
               SELECT l.id, l.created_at FROM %I l
                WHERE (coalesce(l.contact_email, '') || ' ' || coalesce(l.campaign_name, '') || ' ' || coalesce(l.error_message, ''))
                      ILIKE $4 ESCAPE '\'
                  -- The whole pattern, on an expression the index does not serve (a filter).
                  AND (coalesce(l.contact_email, '') || ' ' || coalesce(l.campaign_name, '') || ' ' || coalesce(l.error_message, '') || '')
                      ILIKE $1 ESCAPE '\'
                  AND ($2::uuid IS NULL OR l.organization_id = $2)
                  AND ($5::timestamptz IS NULL OR (l.created_at, l.id) < ($5, $6))
                %s
                LIMIT $3) s$q$, part, CASE WHEN newest_first THEN 'ORDER BY l.created_at DESC, l.id DESC' ELSE '' END)
          INTO ids, tss
          USING pattern, org, max_rows, key, before_ts, before_id;
      END
      $function$;

-- function: webhook_log_search_scope(OUT visible boolean, OUT org uuid)
CREATE OR REPLACE FUNCTION public.webhook_log_search_scope(OUT visible boolean, OUT org uuid)
 RETURNS record
 LANGUAGE sql
 STABLE
 SET search_path TO 'public', 'pg_temp'
AS $function$
        SELECT coalesce(app_is_platform(), false) OR (coalesce(app_role() IN ('owner', 'admin', 'member'), false) AND app_org_id() IS NOT NULL),
               CASE WHEN coalesce(app_is_platform(), false) THEN NULL ELSE app_org_id() END
      $function$;

-- function: webhook_log_stats_capture()
CREATE OR REPLACE FUNCTION public.webhook_log_stats_capture()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
      $function$;

-- function: webhook_log_stats_total_delete()
CREATE OR REPLACE FUNCTION public.webhook_log_stats_total_delete()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      BEGIN
        INSERT INTO webhook_log_stats_total AS t (organization_id, dim, value, n)
        SELECT organization_id, dim, value, -sum(n) FROM old_rows GROUP BY 1, 2, 3
        ON CONFLICT ON CONSTRAINT pk_webhook_log_stats_total DO UPDATE SET n = t.n + EXCLUDED.n;
        RETURN NULL;
      END
      $function$;

-- function: webhook_log_stats_total_insert()
CREATE OR REPLACE FUNCTION public.webhook_log_stats_total_insert()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      BEGIN
        INSERT INTO webhook_log_stats_total AS t (organization_id, dim, value, n)
        SELECT organization_id, dim, value, sum(n) FROM new_rows GROUP BY 1, 2, 3
        ON CONFLICT ON CONSTRAINT pk_webhook_log_stats_total DO UPDATE SET n = t.n + EXCLUDED.n;
        RETURN NULL;
      END
      $function$;

-- function: webhook_log_stats_total_update()
CREATE OR REPLACE FUNCTION public.webhook_log_stats_total_update()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
      $function$;

-- trigger: webhook_log_stats_delete ON webhook_log
CREATE TRIGGER webhook_log_stats_delete AFTER DELETE ON webhook_log REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_log_stats_capture();

-- trigger: webhook_log_stats_insert ON webhook_log
CREATE TRIGGER webhook_log_stats_insert AFTER INSERT ON webhook_log REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_log_stats_capture();

-- trigger: webhook_log_stats_total_delete ON webhook_log_stats_daily
CREATE TRIGGER webhook_log_stats_total_delete AFTER DELETE ON webhook_log_stats_daily REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_log_stats_total_delete();

-- trigger: webhook_log_stats_total_insert ON webhook_log_stats_daily
CREATE TRIGGER webhook_log_stats_total_insert AFTER INSERT ON webhook_log_stats_daily REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_log_stats_total_insert();

-- trigger: webhook_log_stats_total_update ON webhook_log_stats_daily
CREATE TRIGGER webhook_log_stats_total_update AFTER UPDATE ON webhook_log_stats_daily REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_log_stats_total_update();

-- trigger: webhook_log_stats_update ON webhook_log
CREATE TRIGGER webhook_log_stats_update AFTER UPDATE ON webhook_log REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_log_stats_capture();

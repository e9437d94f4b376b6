import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A search with no other filter in one read of its matches. It took three: the trigram
 * candidates (to learn whether there were more than a thousand matches), the window of the newest
 * logs, then the newest matches (82 ms at 10M rows for a contact with 1,111 old matches).
 *
 * This function reads the matches (id and time only, through each partition's trigram index)
 * partition by partition, newest month first, the default partition before them all (it may hold
 * any time). It stops when it has more than count_cap matches and the page is among them: every
 * month not read is older than that many rows already read, so nothing in it could be on the
 * page, and the count is capped anyway. It returns the page's ids (newest first, before the
 * cursor, after skip), the matches read (exact when every partition was read), and the page's
 * oldest and newest times. With more than max_matches, matches is max_matches + 1 and the list
 * reads the newest logs instead. The page's rows are then fetched through RLS as usual, within
 * the page's times (so only the partitions holding them are read).
 *
 * Which trigrams the index is asked for: GIN checks, for each row that has a pattern's rare
 * trigrams, the posting trees of its common ones (`%lead4242%` read 756 index pages where
 * `%d4242%` read 53, for the same candidate rows, when every email holds "lead"). So the index
 * is asked for the longest run of the search's rare trigrams (webhook_log_search_key: at most 10%
 * of logs hold each, by webhook_log_search_trigram, a sample's shares refreshed by the daily
 * partition job), and each candidate is then checked against the whole pattern. Every match
 * holds that run, so nothing is lost; without statistics, or when no trigram or every trigram is
 * rare, the index is asked for the whole pattern, as before.
 *
 * Runs as the table's owner and reads partitions directly: the roles are those of the
 * webhook_log SELECT policies, applied here (as webhook_log_search_candidates does). EXECUTE
 * plans each partition's read with its patterns. The trigram shares come from every
 * organization's logs, so only these functions read them.
 */
/** This migration's webhook_log_search_page, which migration WebhookLogSearchPageRead replaces (its down() restores it). */
export const SEARCH_PAGE_V1 = `
      CREATE FUNCTION webhook_log_search_page(pattern text, max_matches integer, count_cap integer, before_ts timestamptz, before_id uuid,
                                              skip integer, take integer,
                                              OUT ids uuid[], OUT matches integer, OUT oldest timestamptz, OUT newest timestamptz)
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
      DECLARE
        org uuid := app_org_id();
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
        IF app_is_platform() THEN
          org := NULL;
        ELSIF NOT coalesce(app_role() IN ('owner', 'admin', 'member'), false) OR org IS NULL THEN
          RETURN;
        END IF;
        FOR part, monthly IN
          SELECT c.relname, c.relname ~ '^webhook_log_[pk][0-9]{6}$'
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = 'webhook_log'::regclass
           ORDER BY c.relname ~ '^webhook_log_[pk][0-9]{6}$', substring(c.relname from 14) DESC
        LOOP
          EXECUTE format(
            $q$SELECT coalesce(array_agg(id), '{}'), coalesce(array_agg(created_at), '{}') FROM (
                 SELECT l.id, l.created_at FROM %I l
                  WHERE (coalesce(l.contact_email, '') || ' ' || coalesce(l.campaign_name, '') || ' ' || coalesce(l.error_message, ''))
                        ILIKE $4 ESCAPE '\\'
                    -- The whole pattern, on an expression the index does not serve (a filter).
                    AND (coalesce(l.contact_email, '') || ' ' || coalesce(l.campaign_name, '') || ' ' || coalesce(l.error_message, '') || '')
                        ILIKE $1 ESCAPE '\\'
                    AND ($2::uuid IS NULL OR l.organization_id = $2)
                  LIMIT $3) s$q$, part)
            INTO got_ids, got_ts
            USING pattern, org, max_matches + 1 - matches, key;
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
      $fn$;
`;

export class WebhookLogSearchPage1764100013000 implements MigrationInterface {
  name = 'WebhookLogSearchPage1764100013000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_log_search_trigram (
        trigram text NOT NULL,
        share real NOT NULL,
        CONSTRAINT pk_webhook_log_search_trigram PRIMARY KEY (trigram)
      );
      -- No grant: read and written only by the functions below (which run as the owner, to whom
      -- FORCE applies these policies): read for any caller's search, written by platform roles and jobs.
      ALTER TABLE webhook_log_search_trigram ENABLE ROW LEVEL SECURITY;
      ALTER TABLE webhook_log_search_trigram FORCE ROW LEVEL SECURITY;
      CREATE POLICY webhook_log_search_trigram_read ON webhook_log_search_trigram FOR SELECT USING (true);
      CREATE POLICY webhook_log_search_trigram_platform_all ON webhook_log_search_trigram FOR ALL
        USING ((SELECT app_is_platform())) WITH CHECK ((SELECT app_is_platform()));

      -- The share of logs whose search text holds each trigram, from a sample of about sample_rows
      -- logs (whole pages, TABLESAMPLE SYSTEM). Platform roles and jobs only; returns the trigrams kept.
      CREATE FUNCTION webhook_log_refresh_search_trigrams(sample_rows integer) RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
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
      $fn$;
      REVOKE ALL ON FUNCTION webhook_log_refresh_search_trigrams(integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION webhook_log_refresh_search_trigrams(integer) TO salesbrain_app;

      -- The pattern the trigram index is asked for, for a contains-pattern ('%' || escaped || '%'):
      -- '%' || the longest run of its rare trigrams || '%', or the pattern itself.
      CREATE FUNCTION webhook_log_search_key(pattern text) RETURNS text
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
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
        term := lower(regexp_replace(substr(pattern, 2, length(pattern) - 2), '\\\\(.)', '\\1', 'g'));
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
      $fn$;
      -- Called by webhook_log_search_page (as the owner) only.
      REVOKE ALL ON FUNCTION webhook_log_search_key(text) FROM PUBLIC;

      ${SEARCH_PAGE_V1}
      REVOKE ALL ON FUNCTION webhook_log_search_page(text, integer, integer, timestamptz, uuid, integer, integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION webhook_log_search_page(text, integer, integer, timestamptz, uuid, integer, integer) TO salesbrain_app;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS webhook_log_search_page(text, integer, integer, timestamptz, uuid, integer, integer);
      DROP FUNCTION IF EXISTS webhook_log_search_key(text);
      DROP FUNCTION IF EXISTS webhook_log_refresh_search_trigrams(integer);
      DROP TABLE IF EXISTS webhook_log_search_trigram`);
  }
}

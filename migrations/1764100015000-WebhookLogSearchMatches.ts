import { MigrationInterface, QueryRunner } from 'typeorm';

/** Migration WebhookLogSearch's SEARCH_CANDIDATES_V1, copied: a migration never reads another's text, so history stays as it ran. */
const SEARCH_CANDIDATES_V1 = `
      CREATE FUNCTION webhook_log_search_candidates(pattern text, max_rows integer) RETURNS SETOF uuid
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
      DECLARE
        org uuid := app_org_id();
      BEGIN
        -- The roles of the webhook_log SELECT policies: platform roles see every log, an
        -- organization's owner, admin and member see their organization's; nobody else sees any.
        IF app_is_platform() THEN
          org := NULL;
        ELSIF NOT coalesce(app_role() IN ('owner', 'admin', 'member'), false) OR org IS NULL THEN
          RETURN;
        END IF;
        -- EXECUTE plans with this call's values: the organization and the pattern's rarity choose
        -- between the trigram index (with the organization's index) and a scan that stops early.
        RETURN QUERY EXECUTE
          $q$SELECT l.id FROM webhook_log l
              WHERE (coalesce(l.contact_email, '') || ' ' || coalesce(l.campaign_name, '') || ' ' || coalesce(l.error_message, ''))
                    ILIKE $1 ESCAPE '\\'
                AND ($3::uuid IS NULL OR l.organization_id = $3)
              LIMIT $2$q$
          USING pattern, max_rows, org;
      END
      $fn$;
      REVOKE ALL ON FUNCTION webhook_log_search_candidates(text, integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION webhook_log_search_candidates(text, integer) TO salesbrain_app;
`;

/** Migration WebhookLogSearchNewest's SEARCH_NEWEST_V1, copied: a migration never reads another's text, so history stays as it ran. */
const SEARCH_NEWEST_V1 = `
      CREATE FUNCTION webhook_log_search_newest(pattern text, max_rows integer, before_ts timestamptz, before_id uuid) RETURNS SETOF uuid
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        SET enable_seqscan = off SET enable_indexscan = off AS $fn$
      DECLARE
        org uuid := app_org_id();
      BEGIN
        IF app_is_platform() THEN
          org := NULL;
        ELSIF NOT coalesce(app_role() IN ('owner', 'admin', 'member'), false) OR org IS NULL THEN
          RETURN;
        END IF;
        RETURN QUERY EXECUTE
          $q$SELECT l.id FROM webhook_log l
              WHERE (coalesce(l.contact_email, '') || ' ' || coalesce(l.campaign_name, '') || ' ' || coalesce(l.error_message, ''))
                    ILIKE $1 ESCAPE '\\'
                AND ($3::uuid IS NULL OR l.organization_id = $3)
                AND ($4::timestamptz IS NULL OR (l.created_at, l.id) < ($4, $5))
              ORDER BY l.created_at DESC, l.id DESC
              LIMIT $2$q$
          USING pattern, max_rows, org, before_ts, before_id;
      END
      $fn$;
`;

/**
 * A search with other filters (a status, a type, dates, an organization for the platform) from
 * the matches themselves. It asked the trigram index for up to 1,000 candidates with the whole
 * pattern and, past that, read the newest logs in index order testing each: a contact with 1,221
 * logs over a year, searched with status=failed, took 4.3 s at 10M rows (the walk read every
 * month, and its count walked them again). This function returns every match's id and time, up to
 * max_matches (+ 1 when there are more), read through each partition's trigram index with the
 * search's rare key (webhook_log_search_key, as webhook_log_search_page does); the list then reads
 * just those rows, by primary key, under RLS and the other filters. Past max_matches the pattern
 * is common, and the newest logs hold a page of it: the list reads them in index order as before.
 *
 * Runs as the table's owner and reads partitions directly: the roles are those of the webhook_log
 * SELECT policies, applied here as the other search functions do.
 */
export class WebhookLogSearchMatches1764100015000 implements MigrationInterface {
  name = 'WebhookLogSearchMatches1764100015000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- Whose logs a search may read, as the webhook_log SELECT policies decide: every
      -- organization's (org null) for platform roles, its own for an organization's owner, admin
      -- and member, none (visible false) for anyone else.
      CREATE FUNCTION webhook_log_search_scope(OUT visible boolean, OUT org uuid)
        LANGUAGE sql STABLE SET search_path = public, pg_temp AS $fn$
        SELECT coalesce(app_is_platform(), false) OR (coalesce(app_role() IN ('owner', 'admin', 'member'), false) AND app_org_id() IS NOT NULL),
               CASE WHEN coalesce(app_is_platform(), false) THEN NULL ELSE app_org_id() END
      $fn$;
      REVOKE ALL ON FUNCTION webhook_log_search_scope() FROM PUBLIC;

      -- The partitions a search reads, in its order: the default one (it may hold any time) first,
      -- then the months, newest first.
      CREATE FUNCTION webhook_log_search_parts() RETURNS TABLE (part text, monthly boolean)
        LANGUAGE sql STABLE SET search_path = public, pg_temp AS $fn$
        SELECT c.relname::text, c.relname ~ '^webhook_log_[pk][0-9]{6}$'
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'webhook_log'::regclass
         ORDER BY c.relname ~ '^webhook_log_[pk][0-9]{6}$', substring(c.relname from 14) DESC
      $fn$;
      REVOKE ALL ON FUNCTION webhook_log_search_parts() FROM PUBLIC;

      -- One partition's matches of pattern (up to max_rows, before the cursor, newest first when
      -- asked), read through its trigram index with the search's key and checked against the
      -- whole pattern. Called by the search functions below (as the owner) only.
      CREATE FUNCTION webhook_log_search_read(part text, pattern text, key text, org uuid, before_ts timestamptz, before_id uuid,
                                              max_rows integer, newest_first boolean, OUT ids uuid[], OUT tss timestamptz[])
        LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $fn$
      BEGIN
        EXECUTE format(
          $q$SELECT coalesce(array_agg(id), '{}'), coalesce(array_agg(created_at), '{}') FROM (
               SELECT l.id, l.created_at FROM %I l
                WHERE (coalesce(l.contact_email, '') || ' ' || coalesce(l.campaign_name, '') || ' ' || coalesce(l.error_message, ''))
                      ILIKE $4 ESCAPE '\\'
                  -- The whole pattern, on an expression the index does not serve (a filter).
                  AND (coalesce(l.contact_email, '') || ' ' || coalesce(l.campaign_name, '') || ' ' || coalesce(l.error_message, '') || '')
                      ILIKE $1 ESCAPE '\\'
                  AND ($2::uuid IS NULL OR l.organization_id = $2)
                  AND ($5::timestamptz IS NULL OR (l.created_at, l.id) < ($5, $6))
                %s
                LIMIT $3) s$q$, part, CASE WHEN newest_first THEN 'ORDER BY l.created_at DESC, l.id DESC' ELSE '' END)
          INTO ids, tss
          USING pattern, org, max_rows, key, before_ts, before_id;
      END
      $fn$;
      REVOKE ALL ON FUNCTION webhook_log_search_read(text, text, text, uuid, timestamptz, uuid, integer, boolean) FROM PUBLIC;

      CREATE FUNCTION webhook_log_search_matches(pattern text, max_matches integer, OUT ids uuid[], OUT tss timestamptz[])
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
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
      $fn$;
      REVOKE ALL ON FUNCTION webhook_log_search_matches(text, integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION webhook_log_search_matches(text, integer) TO salesbrain_app;
      -- What the list asked before webhook_log_search_matches; nothing calls it now.
      DROP FUNCTION webhook_log_search_candidates(text, integer);

      -- The newest max_rows matches before the cursor, month by month, newest first (the default
      -- partition, which may hold any time, before them), each month planned with its own
      -- statistics (the index walk for a common pattern, the trigram index for a rare one); it
      -- stops at the first month that completes them. It sorted every match of the whole table
      -- from the trigram index: 1.2-1.9 s for a pattern in a tenth of the logs at 10M rows.
      DROP FUNCTION webhook_log_search_newest(text, integer, timestamptz, uuid);
      CREATE FUNCTION webhook_log_search_newest(pattern text, max_rows integer, before_ts timestamptz, before_id uuid) RETURNS SETOF uuid
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
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
      $fn$;
      REVOKE ALL ON FUNCTION webhook_log_search_newest(text, integer, timestamptz, uuid) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION webhook_log_search_newest(text, integer, timestamptz, uuid) TO salesbrain_app;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION IF EXISTS webhook_log_search_matches(text, integer);
      DROP FUNCTION IF EXISTS webhook_log_search_read(text, text, text, uuid, timestamptz, uuid, integer, boolean);
      DROP FUNCTION IF EXISTS webhook_log_search_parts();
      DROP FUNCTION IF EXISTS webhook_log_search_scope();
      DROP FUNCTION webhook_log_search_newest(text, integer, timestamptz, uuid);
      ${SEARCH_NEWEST_V1}
      REVOKE ALL ON FUNCTION webhook_log_search_newest(text, integer, timestamptz, uuid) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION webhook_log_search_newest(text, integer, timestamptz, uuid) TO salesbrain_app;
      ${SEARCH_CANDIDATES_V1}
    `);
  }
}

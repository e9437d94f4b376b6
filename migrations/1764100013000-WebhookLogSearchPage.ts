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
 * Runs as the table's owner and reads partitions directly: the roles are those of the
 * webhook_log SELECT policies, applied here (as webhook_log_search_candidates does). EXECUTE
 * plans each partition's read with its pattern.
 */
export class WebhookLogSearchPage1764100013000 implements MigrationInterface {
  name = 'WebhookLogSearchPage1764100013000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
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
                        ILIKE $1 ESCAPE '\\'
                    AND ($2::uuid IS NULL OR l.organization_id = $2)
                  LIMIT $3) s$q$, part)
            INTO got_ids, got_ts
            USING pattern, org, max_matches + 1 - matches;
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
      REVOKE ALL ON FUNCTION webhook_log_search_page(text, integer, integer, timestamptz, uuid, integer, integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION webhook_log_search_page(text, integer, integer, timestamptz, uuid, integer, integer) TO salesbrain_app;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS webhook_log_search_page(text, integer, integer, timestamptz, uuid, integer, integer)`);
  }
}

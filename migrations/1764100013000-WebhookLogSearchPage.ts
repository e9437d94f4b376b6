import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A search with no other filter in one index read. It took three: the trigram candidates (to
 * learn whether there were more than a thousand matches), the window of the newest logs, then the
 * newest matches (82 ms at 10M rows for a contact with 1,111 old matches). When the matches number
 * at most max_matches, this function reads them all once (id and time only), and returns the
 * page's ids (newest first, before the cursor, after skip) with the number of matches; with more,
 * matches is max_matches + 1 and the list reads the newest logs as before. The page's rows are
 * then fetched through RLS as usual, within the page's oldest and newest times (so that only
 * the partitions holding them are read). Roles as the webhook_log SELECT policies
 * (webhook_log_search_candidates); EXECUTE plans each call with its pattern.
 */
export class WebhookLogSearchPage1764100013000 implements MigrationInterface {
  name = 'WebhookLogSearchPage1764100013000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION webhook_log_search_page(pattern text, max_matches integer, before_ts timestamptz, before_id uuid, skip integer, take integer,
                                              OUT ids uuid[], OUT matches integer, OUT oldest timestamptz, OUT newest timestamptz)
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
      DECLARE
        org uuid := app_org_id();
      BEGIN
        ids := '{}';
        matches := 0;
        IF app_is_platform() THEN
          org := NULL;
        ELSIF NOT coalesce(app_role() IN ('owner', 'admin', 'member'), false) OR org IS NULL THEN
          RETURN;
        END IF;
        EXECUTE
          $q$WITH m AS (
               SELECT l.id, l.created_at FROM webhook_log l
                WHERE (coalesce(l.contact_email, '') || ' ' || coalesce(l.campaign_name, '') || ' ' || coalesce(l.error_message, ''))
                      ILIKE $1 ESCAPE '\\'
                  AND ($3::uuid IS NULL OR l.organization_id = $3)
                LIMIT $2 + 1)
             SELECT coalesce(array_agg(p.id ORDER BY p.created_at DESC, p.id DESC), '{}'), (SELECT count(*)::int FROM m), min(p.created_at), max(p.created_at)
               FROM (SELECT id, created_at FROM m
                      WHERE $4::timestamptz IS NULL OR (created_at, id) < ($4, $5)
                      ORDER BY created_at DESC, id DESC OFFSET $6 LIMIT $7) p$q$
          INTO ids, matches, oldest, newest
          USING pattern, max_matches, org, before_ts, before_id, greatest(skip, 0), greatest(take, 0);
      END
      $fn$;
      REVOKE ALL ON FUNCTION webhook_log_search_page(text, integer, timestamptz, uuid, integer, integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION webhook_log_search_page(text, integer, timestamptz, uuid, integer, integer) TO salesbrain_app;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS webhook_log_search_page(text, integer, timestamptz, uuid, integer, integer)`);
  }
}

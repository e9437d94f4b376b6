import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The newest logs matching a search, from the trigram index. A search with more than a thousand
 * matches was answered by reading the newest logs in order and filtering them, which is quick
 * when matches are dense and reads most of the table when they are all old (a rare contact at
 * 10M rows: 9 s). The list now reads a bounded window of the newest logs first, and when that
 * does not fill the page asks this function: it sorts the matches the trigram index finds (a
 * bitmap scan; the plain index walk is switched off inside it) and returns the newest max_rows
 * ids before the cursor, with the same roles as the webhook_log SELECT policies
 * (webhook_log_search_candidates). The list then fetches them through RLS as usual.
 */
/** webhook_log_search_newest as this migration creates it (WebhookLogSearchMatches' down restores it). */
export const SEARCH_NEWEST_V1 = `
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

export class WebhookLogSearchNewest1764100011000 implements MigrationInterface {
  name = 'WebhookLogSearchNewest1764100011000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ${SEARCH_NEWEST_V1}
      REVOKE ALL ON FUNCTION webhook_log_search_newest(text, integer, timestamptz, uuid) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION webhook_log_search_newest(text, integer, timestamptz, uuid) TO salesbrain_app;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS webhook_log_search_newest(text, integer, timestamptz, uuid)`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Substring search over the webhook logs without reading the whole table.
 *
 * Under RLS PostgreSQL may only use an index for a condition whose functions are leakproof, and
 * ILIKE is not: a search for a rare substring read every row the caller may see (about a second
 * on a million rows). So the search runs in two steps:
 *
 *   1. webhook_log_search_candidates(pattern, max_rows) returns the ids of the caller's logs whose
 *      contact email, campaign name or error message contain the pattern. It runs as its owner
 *      (SECURITY DEFINER), so the trigram index below can serve the ILIKE, and filters by the
 *      caller's context itself, with the same roles as the webhook_log SELECT policies. It returns
 *      ids only, and EXECUTE plans each call with its pattern (index for rare ones, an early-stopping
 *      scan for common ones).
 *   2. The list query fetches those ids through RLS as usual, so the policies still decide what
 *      comes back even if step 1 were wrong.
 *
 * The owner must bypass RLS for the index to help (a superuser, as the migrations usually run as);
 * an owner subject to RLS gets the same answers, only without the speed-up.
 */
/** webhook_log_search_candidates as this migration creates it (WebhookLogSearchMatches drops it; its down restores it). */
export const SEARCH_CANDIDATES_V1 = `
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

export class WebhookLogSearch1764100006000 implements MigrationInterface {
  name = 'WebhookLogSearch1764100006000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE INDEX idx_webhook_log_search_trgm ON webhook_log USING gin
        ((coalesce(contact_email, '') || ' ' || coalesce(campaign_name, '') || ' ' || coalesce(error_message, '')) gin_trgm_ops);

      ${SEARCH_CANDIDATES_V1}
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION IF EXISTS webhook_log_search_candidates(text, integer);
      DROP INDEX IF EXISTS idx_webhook_log_search_trgm;
    `);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** Migration WebhookLogSearchPage's SEARCH_PAGE_V1, copied: a migration never reads another's text, so history stays as it ran. */
const SEARCH_PAGE_V1 = `
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

/**
 * webhook_log_search_page through the helpers migration WebhookLogSearchMatches added for the
 * other two searches: whose logs it may read (webhook_log_search_scope), the partitions in their
 * order (webhook_log_search_parts) and one partition's matches (webhook_log_search_read, here
 * without a cursor, unordered, as its own statement was). The same checks and statement as
 * before, written once for the three functions instead of twice.
 */
export class WebhookLogSearchPageRead1764100016000 implements MigrationInterface {
  name = 'WebhookLogSearchPageRead1764100016000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION webhook_log_search_page(pattern text, max_matches integer, count_cap integer, before_ts timestamptz, before_id uuid,
                                                         skip integer, take integer,
                                                         OUT ids uuid[], OUT matches integer, OUT oldest timestamptz, OUT newest timestamptz)
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
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
      $fn$;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION webhook_log_search_page(text, integer, integer, timestamptz, uuid, integer, integer);
      ${SEARCH_PAGE_V1}
      REVOKE ALL ON FUNCTION webhook_log_search_page(text, integer, integer, timestamptz, uuid, integer, integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION webhook_log_search_page(text, integer, integer, timestamptz, uuid, integer, integer) TO salesbrain_app;
    `);
  }
}

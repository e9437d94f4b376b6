import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An organization's and a user's lifecycle, enforced where tokens and links are checked.
 *
 * - removed_user: a tombstone for every deleted user (written by a trigger, whatever deleted the
 *   row), so a token naming a removed user is refused while it could still be valid. Only the
 *   trigger writes it; platform roles may read it; the API does not show it.
 * - token_subject_standing(org, user): what the guard needs to accept an organization role's token:
 *   the organization's status and its user's state ('active', 'inactive', 'removed',
 *   'other_organization', or null for a subject that was never a user here). SECURITY DEFINER: it
 *   runs before the request's RLS context exists, and tells nothing beyond those two words for ids
 *   the caller already holds in a signed token.
 * - link_holder_organization_suspended(): whether the organization of the link the holder
 *   presented is suspended (the holder has no policy on organization), as
 *   link_holder_organization_name() gives its name.
 *
 * As with the other SECURITY DEFINER functions, the owner that runs the migrations must bypass RLS
 * for them to answer.
 */
export class Lifecycle1764100019000 implements MigrationInterface {
  name = 'Lifecycle1764100019000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE removed_user (
        user_id uuid NOT NULL,
        organization_id uuid NOT NULL,
        removed_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_removed_user PRIMARY KEY (user_id),
        CONSTRAINT fk_removed_user_organization FOREIGN KEY (organization_id) REFERENCES organization (id) ON DELETE CASCADE
      );
      CREATE INDEX idx_removed_user_organization ON removed_user (organization_id);
      ALTER TABLE removed_user ENABLE ROW LEVEL SECURITY;
      ALTER TABLE removed_user FORCE ROW LEVEL SECURITY;
      GRANT SELECT ON removed_user TO salesbrain_app;
      CREATE POLICY removed_user_platform_select ON removed_user FOR SELECT USING ((SELECT app_is_platform()));

      CREATE FUNCTION record_removed_user() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        INSERT INTO removed_user (user_id, organization_id) VALUES (OLD.id, OLD.organization_id)
          ON CONFLICT (user_id) DO NOTHING;
        RETURN OLD;
      END $$;
      REVOKE ALL ON FUNCTION record_removed_user() FROM PUBLIC;
      CREATE TRIGGER trg_user_removed AFTER DELETE ON "user"
        FOR EACH ROW EXECUTE FUNCTION record_removed_user();

      CREATE FUNCTION token_subject_standing(p_org uuid, p_user uuid)
        RETURNS TABLE (organization_status text, user_state text)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT (SELECT o.status::text FROM organization o WHERE o.id = p_org),
               coalesce((SELECT CASE WHEN u.organization_id = p_org THEN u.status::text ELSE 'other_organization' END
                           FROM "user" u WHERE u.id = p_user),
                        (SELECT 'removed' FROM removed_user r WHERE r.user_id = p_user))
      $$;
      REVOKE ALL ON FUNCTION token_subject_standing(uuid, uuid) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION token_subject_standing(uuid, uuid) TO salesbrain_app;

      CREATE FUNCTION link_holder_organization_suspended() RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT coalesce((SELECT o.status = 'suspended' FROM onboarding_link_token t JOIN organization o ON o.id = t.organization_id
                          WHERE app_role() = 'link_holder' AND t.link_token = app_link_token()), false)
      $$;
      REVOKE ALL ON FUNCTION link_holder_organization_suspended() FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION link_holder_organization_suspended() TO salesbrain_app;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION link_holder_organization_suspended();
      DROP FUNCTION token_subject_standing(uuid, uuid);
      DROP TRIGGER trg_user_removed ON "user";
      DROP FUNCTION record_removed_user();
      DROP TABLE removed_user;
    `);
  }
}

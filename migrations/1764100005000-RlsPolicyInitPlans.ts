import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The same policies, each reading the request's context once per statement instead of once per
 * row. `app_role()` and friends are STABLE SQL functions that PostgreSQL inlines into
 * `current_setting(...)` calls and re-evaluates for every row a scan looks at; wrapped in a scalar
 * sub-select they become InitPlans, computed once, and each row is compared with a constant.
 * Measured on the campaign filter (500 rows scanned under RLS): execution 1.6 ms → 0.8 ms. Who sees
 * what does not change: every policy keeps its roles, columns and commands.
 */
type Fn = { platform: string; role: string; org: string; token: string };

const WRAPPED: Fn = {
  platform: '(SELECT app_is_platform())',
  role: '(SELECT app_role())',
  org: '(SELECT app_org_id())',
  token: '(SELECT app_link_token())',
};
const PLAIN: Fn = { platform: 'app_is_platform()', role: 'app_role()', org: 'app_org_id()', token: 'app_link_token()' };

const list = (roles: string[]) => roles.map((r) => `'${r}'`).join(', ');
const OWNER_ADMIN = ['owner', 'admin'];
const READERS = ['owner', 'admin', 'member'];
const ALL_ORG_ROLES = ['owner', 'admin', 'member', 'viewer'];

/** [table, policy, USING or null, WITH CHECK or null] for every policy, written with f's functions. */
function policies(f: Fn): [string, string, string | null, string | null][] {
  const inOrg = (roles: string[], column = 'organization_id') => `${f.role} IN (${list(roles)}) AND ${column} = ${f.org}`;
  const holder = `${f.role} = 'link_holder'`;
  const holdersOrg = `(SELECT organization_id FROM onboarding_link WHERE link_token = ${f.token})`;
  const out: [string, string, string | null, string | null][] = [];
  const platformAll = (table: string, policy: string) => out.push([table, policy, f.platform, f.platform]);

  platformAll('organization', 'organization_platform_all');
  out.push(['organization', 'organization_org_select', inOrg(ALL_ORG_ROLES, 'id'), null]);
  out.push(['organization', 'organization_org_update', inOrg(OWNER_ADMIN, 'id'), inOrg(OWNER_ADMIN, 'id')]);
  out.push(['organization', 'organization_link_holder_select', `${holder} AND id IN ${holdersOrg}`, null]);
  for (const table of ['"user"', 'campaign', 'contact']) {
    const name = table.replace(/"/g, '');
    platformAll(table, `${name}_platform_all`);
    out.push([table, `${name}_org_select`, inOrg(ALL_ORG_ROLES), null]);
    out.push([table, `${name}_org_manage`, inOrg(OWNER_ADMIN), inOrg(OWNER_ADMIN)]);
  }
  for (const table of ['webhook_log', 'webhook_log_stats_delta', 'webhook_log_stats_daily', 'webhook_log_stats_hourly']) {
    platformAll(table, `${table}_platform_all`);
    out.push([table, `${table}_org_select`, inOrg(READERS), null]);
  }
  platformAll('activity_log', 'activity_log_platform_all');
  out.push(['activity_log', 'activity_log_org_select', inOrg(OWNER_ADMIN), null]);
  out.push(['activity_log', 'activity_log_org_insert', null, inOrg(OWNER_ADMIN)]);
  out.push([
    'activity_log',
    'activity_log_link_holder_insert',
    null,
    `${holder} AND action = 'onboarding.completed' AND organization_id IN ${holdersOrg}`,
  ]);
  for (const [table, short] of [
    ['user_campaign_assignment', 'user_campaign'],
    ['user_contact_assignment', 'user_contact'],
  ]) {
    platformAll(table, `${short}_admin_all`);
    out.push([table, `${short}_org_select`, inOrg(READERS), null]);
    out.push([table, `${short}_admin_manage`, inOrg(OWNER_ADMIN), inOrg(OWNER_ADMIN)]);
  }
  platformAll('onboarding_link', 'onboarding_link_admin_all');
  out.push(['onboarding_link', 'onboarding_link_org_select', inOrg(READERS), null]);
  out.push(['onboarding_link', 'onboarding_link_admin_manage', inOrg(OWNER_ADMIN), inOrg(OWNER_ADMIN)]);
  out.push(['onboarding_link', 'onboarding_link_holder_select', `${holder} AND link_token = ${f.token}`, null]);
  out.push([
    'onboarding_link',
    'onboarding_link_holder_update',
    `${holder} AND link_token = ${f.token}`,
    `${holder} AND link_token = ${f.token}`,
  ]);
  platformAll('job_run', 'job_run_system');
  return out;
}

function alterAll(f: Fn): string {
  return policies(f)
    .map(([table, policy, using, check]) => {
      const parts = [using !== null ? `USING (${using})` : '', check !== null ? `WITH CHECK (${check})` : ''].filter(Boolean);
      return `ALTER POLICY ${policy} ON ${table} ${parts.join(' ')};`;
    })
    .join('\n');
}

export class RlsPolicyInitPlans1764100005000 implements MigrationInterface {
  name = 'RlsPolicyInitPlans1764100005000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(alterAll(WRAPPED));
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(alterAll(PLAIN));
  }
}

import { getRepositoryToken } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { Campaign } from '../src/campaigns/campaign.entity';
import { CampaignRepository } from '../src/campaigns/campaign.repository';
import { Db } from '../src/database/db.service';
import { RlsContext } from '../src/database/rls-context';
import { OrganizationRepository } from '../src/organizations/organization.repository';
import { createOrgFixture, OrgFixture, startTestApp, TestApp } from './support/test-app';

/**
 * TypeORM's repositories run on the RLS transaction's connection: what they find and what they
 * may write is what the policies allow the context's role, checked against the rows at the
 * database through the owner's connection (which bypasses RLS).
 */
describe('TypeORM repositories under RLS', () => {
  let t: TestApp;
  let db: Db;
  /** The CampaignsModule's injected repository, used on each transaction through db.inTx(). */
  let injected: Repository<Campaign>;
  const campaignRepo = () => db.inTx(injected);
  let a: OrgFixture;
  let b: OrgFixture;
  const as = (org: OrgFixture, role: 'owner' | 'admin' | 'member' | 'viewer'): RlsContext => ({
    role,
    orgId: org.id,
    userId: org.users[role],
  });

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(Db);
    injected = t.app.get(getRepositoryToken(Campaign));
    a = await createOrgFixture(t.owner, 'Repo A', ['Repo alpha 1', 'Repo alpha 2']);
    b = await createOrgFixture(t.owner, 'Repo B', ['Repo beta 1']);
  });

  afterAll(async () => {
    await t.app.close();
    await t.owner.end();
  });

  it.each(['owner', 'admin', 'member', 'viewer'] as const)('find() as %s sees its own organization’s campaigns only', async (role) => {
    const found = await db.runAs(as(a, role), async () => (await campaignRepo()).find({ order: { name: 'ASC' } }));
    expect(found.map((c) => c.name)).toEqual(['Repo alpha 1', 'Repo alpha 2']);
    const other = await db.runAs(as(a, role), async () => (await campaignRepo()).findOneBy({ id: b.campaigns[0].id }));
    expect(other).toBeNull();
    // The rows are there: RLS, not the query, hid them.
    const all = await t.owner.query(`SELECT count(*)::int AS n FROM campaign WHERE organization_id = ANY($1::uuid[])`, [[a.id, b.id]]);
    expect(all.rows[0].n).toBe(3);
  });

  it('insert() as an owner writes into its own organization, and is refused for another one', async () => {
    const campaigns = t.app.get(CampaignRepository);
    const mine = await db.runAs(as(a, 'owner'), () =>
      campaigns.create({ organization_id: a.id, name: 'Saved by A', status: 'draft', instantly_campaign_id: null, routes_events: false }),
    );
    expect(mine).toMatchObject({ organization_id: a.id, name: 'Saved by A', status: 'draft' });
    const stored = await t.owner.query(`SELECT organization_id, name FROM campaign WHERE id = $1`, [mine!.id]);
    expect(stored.rows).toEqual([{ organization_id: a.id, name: 'Saved by A' }]);

    const refused = await db
      .runAs(as(a, 'owner'), async () => {
        const repo = await campaignRepo();
        return repo.insert(repo.create({ organization_id: b.id, name: 'Planted by A', status: 'active' }));
      })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(QueryFailedError);
    expect((refused as QueryFailedError & { driverError: { code: string } }).driverError.code).toBe('42501');
    const planted = await t.owner.query(`SELECT count(*)::int AS n FROM campaign WHERE name = 'Planted by A'`);
    expect(planted.rows[0].n).toBe(0);
  });

  it('update() of a loaded row changes it; another organization’s row cannot be loaded or updated', async () => {
    await db.runAs(as(a, 'admin'), async () => {
      const repo = await campaignRepo();
      const c = await repo.findOneByOrFail({ id: a.campaigns[0].id });
      await repo.update({ id: c.id }, { status: 'paused' });
    });
    expect((await t.owner.query(`SELECT status FROM campaign WHERE id = $1`, [a.campaigns[0].id])).rows[0].status).toBe('paused');

    const organizations = t.app.get(OrganizationRepository);
    const changed = await db.runAs(as(a, 'owner'), () => organizations.update(b.id, { name: 'Renamed by A' }));
    expect(changed).toBeNull();
    expect((await t.owner.query(`SELECT name FROM organization WHERE id = $1`, [b.id])).rows[0].name).toBe(b.name);
    const updated = await db.runAs(as(b, 'owner'), async () =>
      (await campaignRepo()).update({ id: a.campaigns[1].id }, { name: 'Renamed by B' }),
    );
    expect(updated.affected).toBe(0);
  });

  it('outside an RLS transaction a repository refuses to run', async () => {
    await expect(campaignRepo()).rejects.toThrow(/outside an RLS transaction/);
  });

  it('the injected repository used bare (on the pool, no context) sees no tenant row', async () => {
    // Its login role is not the runtime role and has no context: RLS or the grants leave it nothing.
    const bare = await injected.find().catch((err: unknown) => err);
    expect(Array.isArray(bare) ? bare : []).toEqual([]);
  });
});

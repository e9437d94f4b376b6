import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { Db } from '../database/db.service';
import { sql } from '../database/sql';
import { Campaign } from './campaign.entity';

export interface CampaignFilter {
  organizationId: string | null;
  /** An ILIKE pattern (escaped by the caller), or null. */
  namePattern: string | null;
  status: string | null;
}

export type CampaignOption = Pick<Campaign, 'id' | 'name' | 'status' | 'organization_id'>;

/** Each part NULL for "any". */
const filter = (f: CampaignFilter) => sql`(${f.organizationId}::uuid IS NULL OR organization_id = ${f.organizationId})
  AND (${f.namePattern}::text IS NULL OR name ILIKE ${f.namePattern} ESCAPE '\\')
  AND (${f.status}::text IS NULL OR status = ${f.status})`;

/** campaign's rows; tenant scoping is RLS's, the organization filter only narrows. */
@Injectable()
export class CampaignRepository {
  constructor(
    private readonly db: Db,
    @InjectRepository(Campaign) private readonly campaignRows: Repository<Campaign>,
  ) {}

  /** The portal's dropdown: at most 100 by name, one statement (the route's whole transaction). */
  options(f: CampaignFilter): Promise<CampaignOption[]> {
    return this.db.query<CampaignOption>(
      sql`SELECT id, name, status, organization_id FROM campaign WHERE ${filter(f)} ORDER BY name, id LIMIT 100`,
    );
  }

  async page(f: CampaignFilter, limit: number, offset: number): Promise<[Campaign[], number]> {
    const [rows, count] = await Promise.all([
      this.db.query<Campaign>(
        sql`SELECT id, organization_id, name, status, instantly_campaign_id, created_at, updated_at
              FROM campaign WHERE ${filter(f)} ORDER BY name, id LIMIT ${limit} OFFSET ${offset}`,
      ),
      this.db.query<{ n: string }>(sql`SELECT count(*) AS n FROM campaign WHERE ${filter(f)}`),
    ]);
    return [rows, Number(count[0]?.n ?? 0)];
  }

  /**
   * Renames or re-statuses a campaign the caller may manage (RLS: platform roles, or its
   * organization's owner and admin); null when there is no such campaign for the caller.
   */
  async update(id: string, changes: { name?: string; status?: string }): Promise<Campaign | null> {
    const rows = await this.db
      .query<Campaign>(sql`UPDATE campaign SET name = coalesce(${changes.name ?? null}, name), status = coalesce(${changes.status ?? null}, status), updated_at = now()
        WHERE id = ${id}
       RETURNING id, organization_id, name, status, instantly_campaign_id, routes_events, created_at, updated_at`);
    return rows[0] ?? null;
  }

  /** The new campaign, or null when the organization has one with that Instantly id already. */
  async create(
    row: Pick<Campaign, 'organization_id' | 'name' | 'status' | 'instantly_campaign_id' | 'routes_events'>,
  ): Promise<Campaign | null> {
    try {
      const campaigns = await this.db.inTx(this.campaignRows);
      const campaign = campaigns.create(row);
      // insert() fills in what the database generated (id, defaults) through RETURNING.
      await campaigns.insert(campaign);
      return campaign;
    } catch (err) {
      const driver = err instanceof QueryFailedError ? (err.driverError as { constraint?: string }) : undefined;
      if (driver?.constraint === 'uq_campaign_instantly') return null;
      throw err;
    }
  }
}

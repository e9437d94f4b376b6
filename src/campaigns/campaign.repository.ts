import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { Db } from '../database/db.service';
import { Campaign } from './campaign.entity';

export interface CampaignFilter {
  organizationId: string | null;
  /** An ILIKE pattern (escaped by the caller), or null. */
  namePattern: string | null;
  status: string | null;
}

export type CampaignOption = Pick<Campaign, 'id' | 'name' | 'status' | 'organization_id'>;

/** $1 organization, $2 name pattern, $3 status; each NULL for "any". */
const FILTER = `($1::uuid IS NULL OR organization_id = $1)
  AND ($2::text IS NULL OR name ILIKE $2 ESCAPE '\\')
  AND ($3::text IS NULL OR status = $3)`;

/** campaign's rows; tenant scoping is RLS's, the organization filter only narrows. */
@Injectable()
export class CampaignRepository {
  constructor(
    private readonly db: Db,
    @InjectRepository(Campaign) private readonly campaignRows: Repository<Campaign>,
  ) {}

  private params(f: CampaignFilter): unknown[] {
    return [f.organizationId, f.namePattern, f.status];
  }

  /** The portal's dropdown: at most 100 by name, one statement (the route's whole transaction). */
  options(f: CampaignFilter): Promise<CampaignOption[]> {
    return this.db.query<CampaignOption>(
      `SELECT id, name, status, organization_id FROM campaign WHERE ${FILTER} ORDER BY name, id LIMIT 100`,
      this.params(f),
    );
  }

  async page(f: CampaignFilter, limit: number, offset: number): Promise<[Campaign[], number]> {
    const [rows, count] = await Promise.all([
      this.db.query<Campaign>(
        `SELECT id, organization_id, name, status, instantly_campaign_id, created_at, updated_at
           FROM campaign WHERE ${FILTER} ORDER BY name, id LIMIT $4 OFFSET $5`,
        [...this.params(f), limit, offset],
      ),
      this.db.query<{ n: string }>(`SELECT count(*) AS n FROM campaign WHERE ${FILTER}`, this.params(f)),
    ]);
    return [rows, Number(count[0]?.n ?? 0)];
  }

  /**
   * Renames or re-statuses a campaign the caller may manage (RLS: platform roles, or its
   * organization's owner and admin); null when there is no such campaign for the caller.
   */
  async update(id: string, changes: { name?: string; status?: string }): Promise<Campaign | null> {
    const rows = await this.db.query<Campaign>(
      `UPDATE campaign SET name = coalesce($2, name), status = coalesce($3, status), updated_at = now()
        WHERE id = $1
       RETURNING id, organization_id, name, status, instantly_campaign_id, routes_events, created_at, updated_at`,
      [id, changes.name ?? null, changes.status ?? null],
    );
    return rows[0] ?? null;
  }

  /** The new campaign, or null when the organization has one with that Instantly id already. */
  async create(
    row: Pick<Campaign, 'organization_id' | 'name' | 'status' | 'instantly_campaign_id' | 'routes_events'>,
  ): Promise<Campaign | null> {
    try {
      const campaigns = await this.db.inTx(this.campaignRows);
      return await campaigns.save(campaigns.create(row));
    } catch (err) {
      const driver = err instanceof QueryFailedError ? (err.driverError as { constraint?: string }) : undefined;
      if (driver?.constraint === 'uq_campaign_instantly') return null;
      throw err;
    }
  }
}

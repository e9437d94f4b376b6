import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ILike, Repository } from 'typeorm';
import { Db, RowRepository } from '../database/db.service';
import { Organization } from './organization.entity';

export type OrganizationChanges = Partial<Pick<Organization, 'name' | 'instantly_workspace_id' | 'auto_assign_strategy' | 'status'>>;

/** organization's rows; RLS limits organization roles to their own. */
@Injectable()
export class OrganizationRepository {
  constructor(
    private readonly db: Db,
    @InjectRepository(Organization) private readonly organizationRows: Repository<Organization>,
  ) {}

  private readonly organizations = (): Promise<RowRepository<Organization>> => this.db.inTx(this.organizationRows);

  /** Whether the caller can see the organization (another tenant's is as absent as a missing one). */
  async exists(id: string): Promise<boolean> {
    return (await this.organizations()).exists({ where: { id } });
  }

  async create(row: Pick<Organization, 'name' | 'instantly_workspace_id' | 'auto_assign_strategy'>): Promise<Organization> {
    const organizations = await this.organizations();
    const organization = organizations.create(row);
    await organizations.insert(organization);
    return organization;
  }

  /** A page by name, and the number of matches; namePattern is an ILIKE pattern (escaped by the caller). */
  async page(namePattern: string | null, limit: number, offset: number): Promise<[Organization[], number]> {
    return (await this.organizations()).findAndCount({
      where: namePattern ? { name: ILike(namePattern) } : {},
      order: { name: 'ASC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
  }

  /** The changed row, or null when the caller cannot see it. */
  async update(id: string, changes: OrganizationChanges): Promise<Organization | null> {
    const organizations = await this.organizations();
    const result = await organizations.update({ id }, { ...changes, updated_at: () => 'now()' });
    return result.affected ? organizations.findOneBy({ id }) : null;
  }
}

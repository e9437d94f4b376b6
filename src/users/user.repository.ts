import { Injectable } from '@nestjs/common';
import { Raw } from 'typeorm';
import { Db } from '../database/db.service';
import { User } from './user.entity';

/** "user"'s rows for the users module. */
@Injectable()
export class UserRepository {
  constructor(private readonly db: Db) {}

  private get users() {
    return this.db.repository(User);
  }

  /** Emails are unique per organization, case-insensitively (uq_user_org_email). */
  async emailTaken(organizationId: string, email: string): Promise<boolean> {
    return this.users.exists({ where: { organization_id: organizationId, email: Raw((column) => `lower(${column}) = lower(:email)`, { email }) } });
  }

  async create(row: Pick<User, 'organization_id' | 'email' | 'first_name' | 'last_name' | 'role'>): Promise<User> {
    return this.users.save(this.users.create(row));
  }
}

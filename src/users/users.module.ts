import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { User } from './user.entity';
import { RemovedUser } from './removed-user.entity';
import { CallerStanding } from '../auth/caller-standing';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Db } from '../database/db.service';
import { SYSTEM_CONTEXT } from '../database/rls-context';
import { OrganizationsModule } from '../organizations/organizations.module';
import { UserRepository } from './user.repository';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/**
 * Users, and the standing of every organization role's token (CallerStanding, global: the auth
 * guard and the organizations module use it), read from the tables this module owns.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([User, RemovedUser]), OrganizationsModule],
  controllers: [UsersController],
  providers: [
    UsersService,
    UserRepository,
    {
      provide: CallerStanding,
      inject: [Db, UserRepository, APP_CONFIG],
      // Before the request's RLS transaction: its own one-statement transaction (the function is
      // SECURITY DEFINER and reads only the two ids it is given).
      useFactory: (db: Db, users: UserRepository, config: AppConfig) =>
        new CallerStanding(
          { standing: (org, user) => db.runAs(SYSTEM_CONTEXT, () => users.standing(org, user), 'read') },
          config.authStandingCacheMs,
        ),
    },
  ],
  exports: [TypeOrmModule, UsersService, CallerStanding],
})
export class UsersModule {}

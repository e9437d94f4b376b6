import { Module } from '@nestjs/common';
import { UsersController } from './users.controller';
import { OrganizationsModule } from '../organizations/organizations.module';
import { UserRepository } from './user.repository';
import { UsersService } from './users.service';

@Module({ imports: [OrganizationsModule], controllers: [UsersController], providers: [UsersService, UserRepository], exports: [UsersService] })
export class UsersModule {}

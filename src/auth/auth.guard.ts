import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AppError } from '../common/app-error';
import { IS_PUBLIC, ROLES } from './auth.decorators';
import { CallerStanding } from './caller-standing';
import { bearerToken, InvalidTokenError, tokenRules, TokenRules, verifyToken } from './jwt';
import { Caller, TokenRole } from './roles';

/**
 * Global: every route needs a valid token unless it is marked @Public. A route with neither
 * @Public nor @Authenticated is refused, so forgetting the decorator fails closed. An organization
 * role's token also needs its organization not suspended and its user neither inactive nor removed
 * (CallerStanding).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly rules: TokenRules;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly standing: CallerStanding,
  ) {
    this.rules = tokenRules(config);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<Request>();
    const token = bearerToken(request.headers.authorization);
    if (!token) throw AppError.unauthorized('missing bearer token');
    let caller: Caller;
    try {
      caller = verifyToken(this.config.jwtSecret, token, this.rules);
    } catch (err) {
      throw AppError.unauthorized(err instanceof InvalidTokenError ? err.message : 'invalid token');
    }
    request.caller = caller;

    const roles = this.reflector.getAllAndOverride<readonly TokenRole[] | undefined>(ROLES, targets);
    if (!roles || !roles.includes(caller.role)) {
      throw AppError.forbidden(`role ${caller.role} may not use this route`);
    }
    // A suspended organization (403), an inactive or removed user (401): read after the role
    // check, so a request refused for its role costs no database work.
    await this.standing.check(caller);
    return true;
  }
}

import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiOperation, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorBodyDto } from '../common/error-body.dto';
import { TokenRole } from './roles';

export const IS_PUBLIC = 'auth:isPublic';
export const ROLES = 'auth:roles';
export const NO_REQUEST_TX = 'db:noRequestTransaction';
export const SINGLE_READ = 'db:singleReadStatement';
export const LINK_HOLDER = 'db:linkHolder';

/**
 * Route access in one place: which roles may call it (the guard enforces it) and the same facts in
 * Swagger. Which rows they then see is decided by the database.
 */
export function Authenticated(roles: readonly TokenRole[], summary: string, description?: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ROLES, roles),
    ApiBearerAuth(),
    ApiOperation({ summary, description: `Roles: ${roles.join(', ')}.${description ? `\n\n${description}` : ''}` }),
    ApiUnauthorizedResponse({
      description: 'Missing, malformed, expired or badly signed token, or its user made inactive or removed',
      type: ErrorBodyDto,
    }),
    ApiForbiddenResponse({ description: 'The token role may not use this route, or its organization is suspended', type: ErrorBodyDto }),
  );
}

/** No JWT: the route authenticates in its own way (webhook secret, onboarding token) or not at all. */
export function Public(summary: string): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(IS_PUBLIC, true), ApiOperation({ summary, description: 'Public: no JWT.' }));
}

/** No request transaction: the handler needs no database (receivers, metrics, the event-type list). */
export const NoRequestTransaction = (): MethodDecorator & ClassDecorator => SetMetadata(NO_REQUEST_TX, true);

/**
 * The handler runs exactly one statement, and it only reads: the request's transaction is that
 * statement with its context, read-only, committed at its Sync, in one round trip (no BEGIN or
 * COMMIT of their own). A second statement, a cursor or a write fails the request: mark only
 * handlers whose one query is all they do.
 */
export const SingleReadStatement = (): MethodDecorator => SetMetadata(SINGLE_READ, true);

/**
 * Public onboarding routes: the request's transaction runs as the holder of the token in the
 * route parameter `param` (RLS shows that token's link only). A token that is not of the link
 * token format is refused with a 400 before any transaction starts.
 */
export const LinkHolder = (param = 'token'): MethodDecorator & ClassDecorator => SetMetadata(LINK_HOLDER, param);

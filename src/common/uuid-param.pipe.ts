import { ParseUUIDPipe } from '@nestjs/common';
import { AppError } from './app-error';

/** A malformed uuid in a path is a 400 that names the parameter. */
export function UuidParam(name: string): ParseUUIDPipe {
  return new ParseUUIDPipe({ exceptionFactory: () => AppError.badRequest(`${name} must be a UUID`) });
}

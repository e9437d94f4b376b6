import { Param, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { UUID_RE } from './uuid';
import { AppError } from './app-error';

/** A malformed uuid in a path is a 400 that names the parameter. */
export function UuidParam(name: string): PipeTransform<string, string> {
  return {
    transform(value: string): string {
      if (typeof value !== 'string' || !UUID_RE.test(value)) throw AppError.badRequest(`${name} must be a UUID`);
      return value;
    },
  };
}

/**
 * A uuid path parameter: the value (a 400 naming it when malformed) and its documentation
 * (`format: uuid`) from one declaration.
 */
export function UuidPath(name: string): ParameterDecorator {
  return (target, key, index) => {
    Param(name, UuidParam(name))(target, key, index);
    if (key === undefined) return;
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    if (descriptor) ApiParam({ name, type: String, format: 'uuid', required: true })(target, key, descriptor);
  };
}

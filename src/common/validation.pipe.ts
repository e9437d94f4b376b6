import { ArgumentMetadata, BadRequestException, HttpException, ValidationError, ValidationPipe } from '@nestjs/common';

function flatten(errors: ValidationError[], parent = ''): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const path = parent ? `${parent}.${e.property}` : e.property;
    if (e.constraints) {
      for (const text of Object.values(e.constraints)) {
        // class-validator prefixes with the bare property name; show the full path instead.
        out.push(text.startsWith(e.property) ? path + text.slice(e.property.length) : `${path}: ${text}`);
      }
    }
    if (e.children?.length) out.push(...flatten(e.children, path));
  }
  return out;
}

/**
 * A validator that throws instead of answering (validator.js's isEmail throws URIError on a lone
 * UTF-16 surrogate, found by the fuzz test) is a bad value, not a server error.
 */
class AppValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && metadata.metatype !== Object) {
      // A DTO body is a JSON object; left out, it is an empty one (the document marks a body whose
      // fields are all optional as not required).
      if (value === undefined) value = {};
      else if (value === null || typeof value !== 'object' || Array.isArray(value))
        throw new BadRequestException({ message: ['the body must be a JSON object'] });
    }
    try {
      return await super.transform(value, metadata);
    } catch (err) {
      if (err instanceof HttpException) throw err;
      throw new BadRequestException({ message: [`the ${metadata.type} has a value that cannot be validated`] });
    }
  }
}

/** One pipe for the whole app: converts types, rejects unknown fields, names every bad field. */
export function createValidationPipe(): ValidationPipe {
  return new AppValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new BadRequestException({ message: flatten(errors) }),
  });
}

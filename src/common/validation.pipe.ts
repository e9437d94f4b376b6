import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

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

/** One pipe for the whole app: converts types, rejects unknown fields, names every bad field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new BadRequestException({ message: flatten(errors) }),
  });
}

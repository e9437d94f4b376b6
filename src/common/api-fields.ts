import { applyDecorators, Type as Class } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { CALENDAR_DATE_TIME } from './date-time';
import { UUID_RE } from './uuid';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  Matches,
  Max,
  Min,
  registerDecorator,
  ValidateBy,
  ValidateIf,
  ValidationArguments,
} from 'class-validator';

/**
 * One declaration per request field: each decorator here applies both the validation the pipe runs
 * (class-validator, and for query strings the conversion) and the OpenAPI schema the document shows
 * (@nestjs/swagger), from the same options, so the two cannot drift. test/request-schema.e2e-spec.ts
 * proves it both ways on every operation of the served document.
 *
 * Conventions:
 * - optional means "may be absent"; JSON `null` is refused unless the field is also `nullable`;
 * - a body's number is a JSON number and a body's boolean a JSON boolean (no coercion of `"5"`,
 *   `true` or `"0x10"`); a query string's integer is its decimal digits, its boolean `true`/`false`;
 * - lengths count Unicode code points, as JSON Schema's minLength/maxLength do;
 * - text refuses the NUL character, which PostgreSQL cannot store or compare.
 */

/** Text PostgreSQL can store: no NUL character. */
const NO_NUL = '^[^\\u0000]*$';

/**
 * The email addresses the service accepts: HTML's definition of a valid email address (WHATWG), with
 * a dot in the domain. Written once, for the validation and the document's `pattern`.
 */
export const EMAIL_PATTERN =
  "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$";

interface Common {
  /** May be absent (the document lists it as not required). */
  optional?: boolean;
  /** JSON null is a value of its own (documented `nullable`). */
  nullable?: boolean;
  description?: string;
  example?: unknown;
  /** The value the server fills in when absent; documented (for bodies in words: see openapi-document.ts). */
  default?: unknown;
  /** The field is a query-string parameter: its integer or boolean arrives as text. */
  query?: boolean;
}

function presence(o: Common): PropertyDecorator[] {
  if (!o.optional && !o.nullable) return [];
  // Validation is skipped only for what the document allows: absence, and null when nullable.
  return [ValidateIf((_: unknown, v: unknown) => !((o.optional && v === undefined) || (o.nullable && v === null)))];
}

function doc(o: Common, schema: ApiPropertyOptions): PropertyDecorator {
  const options = {
    ...schema,
    required: !o.optional,
    ...(o.nullable ? { nullable: true } : {}),
    ...(o.description !== undefined ? { description: o.description } : {}),
    ...(o.example !== undefined ? { example: o.example } : {}),
    ...(o.default !== undefined ? { default: o.default } : {}),
  } as ApiPropertyOptions;
  return ApiProperty(options);
}

function codePoints(min: number, max: number): PropertyDecorator {
  return ValidateBy({
    name: 'codePointLength',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return false;
        const n = [...value].length;
        return n >= min && n <= max;
      },
      // class-validator's own wording (MinLength, MaxLength), counted in code points.
      defaultMessage: (args?: ValidationArguments) =>
        typeof args?.value === 'string' && [...args.value].length < min
          ? `${args?.property} must be longer than or equal to ${min} characters`
          : `${args?.property} must be shorter than or equal to ${max} characters`,
    },
  });
}

/** Text: `minLength` (default 0), `maxLength`, and optionally a `pattern` (which replaces the NUL rule). */
export function TextField(
  o: Common & { minLength?: number; maxLength: number; pattern?: string; patternMessage?: string; format?: string },
): PropertyDecorator {
  const min = o.minLength ?? 0;
  const pattern = o.pattern ?? NO_NUL;
  const message = o.patternMessage ?? (o.pattern ? `$property has the wrong format` : '$property must not contain the NUL character');
  return applyDecorators(
    ...presence(o),
    IsString(),
    codePoints(min, o.maxLength),
    Matches(new RegExp(pattern), { message }),
    doc(o, {
      type: String,
      ...(min > 0 ? { minLength: min } : {}),
      maxLength: o.maxLength,
      pattern,
      ...(o.format ? { format: o.format } : {}),
    }),
  );
}

/** An email address (see EMAIL_PATTERN), at most 320 characters. */
export function EmailField(o: Common = {}): PropertyDecorator {
  return TextField({ ...o, maxLength: 320, pattern: EMAIL_PATTERN, format: 'email', patternMessage: '$property must be an email address' });
}

/** A date, optionally with a time and offset (CALENDAR_DATE_TIME). */
export function DateTimeField(o: Common = {}): PropertyDecorator {
  return TextField({
    ...o,
    maxLength: 40,
    pattern: CALENDAR_DATE_TIME,
    patternMessage: '$property must be a calendar date, optionally with a time (YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|±HH:MM])',
  });
}

export function UuidField(o: Common = {}): PropertyDecorator {
  return applyDecorators(
    ...presence(o),
    IsString(),
    Matches(UUID_RE, { message: '$property must be a UUID' }),
    doc(o, { type: String, format: 'uuid' }),
  );
}

/** A list of uuids, `minItems`..`maxItems` long. */
export function UuidArrayField(o: Common & { minItems?: number; maxItems: number }): PropertyDecorator {
  const min = o.minItems ?? 0;
  return applyDecorators(
    ...presence(o),
    IsArray(),
    ...(min > 0 ? [ArrayMinSize(min)] : []),
    ArrayMaxSize(o.maxItems),
    IsString({ each: true }),
    Matches(UUID_RE, { each: true, message: 'each value in $property must be a UUID' }),
    doc(o, { type: 'array', items: { type: 'string', format: 'uuid' }, ...(min > 0 ? { minItems: min } : {}), maxItems: o.maxItems }),
  );
}

/** A whole number between `minimum` and `maximum`. */
export function IntField(o: Common & { minimum: number; maximum: number }): PropertyDecorator {
  return applyDecorators(
    ...(o.query
      ? [Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value))]
      : []),
    ...presence(o),
    IsInt(),
    Min(o.minimum),
    Max(o.maximum),
    doc(o, { type: 'integer', minimum: o.minimum, maximum: o.maximum }),
  );
}

export function BoolField(o: Common = {}): PropertyDecorator {
  return applyDecorators(
    ...(o.query ? [Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))] : []),
    ...presence(o),
    IsBoolean(),
    doc(o, { type: Boolean }),
  );
}

/** One of `values`. */
export function EnumField(values: readonly string[], o: Common = {}): PropertyDecorator {
  // OpenAPI 3.0.3: a nullable enum lists null among its values.
  return applyDecorators(
    ...presence(o),
    IsIn(values as string[]),
    doc(o, { type: String, enum: o.nullable ? [...values, null] : [...values] }),
  );
}

/** A nested object of a DTO class (validate it with @ValidateNested and @Type beside this). */
export function ObjectField(model: Class<unknown>, o: Common = {}): PropertyDecorator {
  return applyDecorators(...presence(o), IsObject(), doc(o, { type: model }));
}

/**
 * Schemas whose body must carry exactly one of some fields, by schema (class) name: the document
 * builder writes them as `oneOf` (openapi-document.ts).
 */
export const EXACTLY_ONE_OF = new Map<string, readonly string[]>();

/**
 * Exactly one of `fields` must be present. Validated as a constraint of the object (class-validator
 * runs it under the name "<a> or <b>", which no request can send), documented as `oneOf`.
 */
export function ExactlyOneOf(fields: readonly string[]): ClassDecorator {
  return (target) => {
    EXACTLY_ONE_OF.set(target.name, fields);
    registerDecorator({
      name: 'exactlyOneOf',
      target,
      propertyName: fields.join(' or '),
      options: { message: `give exactly one of ${fields.join(', ')}` },
      validator: {
        validate: (_: unknown, args: ValidationArguments) =>
          fields.filter((f) => (args.object as Record<string, unknown>)[f] !== undefined).length === 1,
      },
    });
  };
}

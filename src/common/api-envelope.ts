import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';

/** The contract's success envelope, `{success: true, data}`; `data` is composed per route by @ApiEnvelope. */
export class EnvelopeDto {
  @ApiProperty({ enum: [true], example: true }) readonly success!: true;
}

/** What a handler that answers in the envelope returns. */
export interface Envelope<T> {
  success: true;
  data: T;
}

/** `{success: true, data}`: the one place the envelope is built. */
export function ok<T>(data: T): Envelope<T> {
  return { success: true, data };
}

/**
 * Documents an answer as the envelope with `data` of the given model (or an array of it): the
 * envelope schema once, composed with the model by `$ref` (allOf), as the portal's generated client
 * expects. `status` 201 for creates.
 */
export function ApiEnvelope(model: Type<unknown>, options: { status?: number; isArray?: boolean; description?: string } = {}) {
  const data = options.isArray ? { type: 'array', items: { $ref: getSchemaPath(model) } } : { $ref: getSchemaPath(model) };
  return applyDecorators(
    ApiExtraModels(EnvelopeDto, model),
    ApiResponse({
      status: options.status ?? 200,
      description: options.description ?? 'Success',
      schema: { allOf: [{ $ref: getSchemaPath(EnvelopeDto) }, { type: 'object', required: ['data'], properties: { data } }] },
    }),
  );
}

/** Documents a flat answer (the contract's bulk retry, cleanup, assignment and onboarding writes). */
export function ApiFlat(model: Type<unknown>, options: { status?: number; description?: string } = {}) {
  return applyDecorators(
    ApiExtraModels(model),
    ApiResponse({ status: options.status ?? 200, description: options.description ?? 'Success', type: model }),
  );
}

/** Fields every paged list has beside its items. */
export class PageMetaDto {
  @ApiProperty({ minimum: 0 }) readonly total!: number;
  @ApiProperty({ minimum: 1 }) readonly limit!: number;
  @ApiProperty({ minimum: 0 }) readonly offset!: number;
  @ApiProperty() readonly has_more!: boolean;
}

/** The flat `{success, message}` answer of the writes the contract keeps flat (unassign, onboarding writes). */
export class MessageResultDto {
  @ApiProperty({ enum: [true] }) readonly success!: true;
  @ApiProperty() readonly message!: string;
}

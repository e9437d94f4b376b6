import { IntField } from './api-fields';

export class PageQueryDto {
  @IntField({ optional: true, query: true, minimum: 1, maximum: 500, default: 50 })
  readonly limit: number = 50;

  @IntField({ optional: true, query: true, minimum: 0, maximum: 10_000_000, default: 0 })
  readonly offset: number = 0;
}

/** The contract's list envelope: `{<items>: [...], total, limit, offset, has_more}`. */
export function toPage<K extends string, T>(
  key: K,
  items: T[],
  total: number,
  limit: number,
  offset: number,
): { [P in K]: T[] } & { total: number; limit: number; offset: number; has_more: boolean } {
  return { [key]: items, total, limit, offset, has_more: offset + items.length < total } as { [P in K]: T[] } & {
    total: number;
    limit: number;
    offset: number;
    has_more: boolean;
  };
}

/** Makes `%`, `_` and `\` literal inside an ILIKE pattern (used with ESCAPE '\'). */
export function containsPattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export { ok } from './api-envelope';

/** Any hex uuid in its 8-4-4-4-12 form, as JSON Schema's `format: uuid` and PostgreSQL's uuid type read it. */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

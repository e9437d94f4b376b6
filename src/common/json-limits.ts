/** How deeply a JSON body may nest. Instantly's payloads are two levels deep; validation and serialization recurse. */
export const MAX_JSON_DEPTH = 64;

/**
 * True when the JSON text nests objects or arrays deeper than max. One pass over the characters,
 * skipping string contents, before anything recursive (the parser's prototype scan, the validation
 * pipe, JSON.stringify) sees the value: 5,000 levels used to overflow the stack there.
 */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A string PostgreSQL can store: no U+0000 (text and jsonb refuse it), no lone UTF-16 surrogate (jsonb refuses `\ud800`). */
export function storableString(s: string): string {
  let out = s.includes('\u0000') ? s.replaceAll('\u0000', '\uFFFD') : s;
  LONE_SURROGATE.lastIndex = 0;
  if (LONE_SURROGATE.test(out)) out = out.replace(LONE_SURROGATE, '\uFFFD');
  return out;
}

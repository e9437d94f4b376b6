import type { Client } from 'pg';

/** A function or trigger of the schema, as PostgreSQL spells its definition. */
export interface DbObject {
  kind: 'function' | 'trigger';
  /** `name(identity arguments)` of a function, `name ON table` of a trigger. */
  key: string;
  def: string;
}

/**
 * Every function and trigger of the public schema: the ones extensions own (pg_trgm's) left out,
 * and a partition's copy of its table's trigger too.
 */
export async function schemaObjects(client: Client): Promise<DbObject[]> {
  const { rows } = await client.query<DbObject>(
    `SELECT 'function' AS kind, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS key, pg_get_functiondef(p.oid) AS def
       FROM pg_proc p
      WHERE p.pronamespace = 'public'::regnamespace
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
     UNION ALL
     SELECT 'trigger', t.tgname || ' ON ' || c.relname, pg_get_triggerdef(t.oid, true)
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal AND t.tgparentid = 0
      ORDER BY 1, 2`,
  );
  return rows;
}

export const FUNCTIONS_FILE_HEADER = `-- The current definition of each database function and trigger this module owns, as PostgreSQL
-- spells it (pg_get_functiondef, pg_get_triggerdef). To change one, change it here and write a
-- migration that runs the same statement; migrations keep their own copies, so history replays as
-- it ran. test/db-functions.e2e-spec.ts compares the migrated database with these files
-- (\`npm run sql:update\` rewrites them from it).
`;

const SECTION = /^-- (function|trigger): (.+)$/;

/** The objects a functions file defines, in its order. */
export function parseFunctionsFile(text: string): DbObject[] {
  const objects: DbObject[] = [];
  let current: { kind: DbObject['kind']; key: string; lines: string[] } | null = null;
  const close = () => {
    if (current) objects.push({ kind: current.kind, key: current.key, def: current.lines.join('\n').trim().replace(/;$/, '') });
  };
  for (const line of text.split('\n')) {
    const m = SECTION.exec(line);
    if (m) {
      close();
      current = { kind: m[1] as DbObject['kind'], key: m[2], lines: [] };
    } else if (current) current.lines.push(line);
  }
  close();
  return objects;
}

/** A functions file with these objects, functions first, each in its section. */
export function renderFunctionsFile(objects: DbObject[]): string {
  const sorted = [...objects].sort((a, b) => a.kind.localeCompare(b.kind) || a.key.localeCompare(b.key));
  return FUNCTIONS_FILE_HEADER + sorted.map((o) => `\n-- ${o.kind}: ${o.key}\n${o.def.trim()};\n`).join('');
}

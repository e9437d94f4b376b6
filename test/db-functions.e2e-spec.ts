import { Client } from 'pg';
import { readChecked, filesEnding, UPDATING_SQL, writeOrMatch } from './support/checked-in-sql';
import { DbObject, parseFunctionsFile, renderFunctionsFile, schemaObjects } from './support/db-functions';
import { adminUrlFor, testDbName } from './support/db-urls';

/**
 * One definition of each database function and trigger: its module's `*.functions.sql` holds the
 * current text, and the database the migrations built holds exactly that text, object for object.
 */
describe('database functions and triggers: one definition each, in the module that owns it', () => {
  let client: Client;
  let inDatabase: DbObject[];
  const files = filesEnding('src', '.functions.sql');
  const declared = files.map((file) => ({ file, objects: parseFunctionsFile(readChecked(file)) }));

  beforeAll(async () => {
    client = new Client({ connectionString: adminUrlFor(testDbName()) });
    await client.connect();
    inDatabase = await schemaObjects(client);
  });

  afterAll(() => client.end());

  it('every function and trigger of the migrated schema is declared in exactly one module file', () => {
    const owners = new Map<string, string[]>();
    for (const { file, objects } of declared) for (const o of objects) owners.set(o.key, [...(owners.get(o.key) ?? []), file]);
    const unowned = inDatabase
      .filter((o) => !owners.has(o.key))
      .map((o) => `${o.kind} ${o.key}: add "-- ${o.kind}: ${o.key}" to its module's *.functions.sql`);
    const twice = [...owners].filter(([, f]) => f.length > 1).map(([key, f]) => `${key} in ${f.join(', ')}`);
    const gone = [...owners.keys()]
      .filter((key) => !inDatabase.some((o) => o.key === key))
      .map((key) => `${key}: declared, not in the migrated database`);
    expect([...unowned, ...twice, ...gone]).toEqual([]);
  });

  it('each file holds exactly the definitions the migrations left in the database', () => {
    const byKey = new Map(inDatabase.map((o) => [o.key, o]));
    const differing = declared.filter(({ file, objects }) => {
      const current = objects.map((o) => byKey.get(o.key) ?? o);
      return !writeOrMatch(file, renderFunctionsFile(current));
    });
    expect(differing.map(({ file }) => `${file} differs from the migrated database (npm run sql:update shows how)`)).toEqual([]);
  });

  it('the files parse back to what they render', () => {
    for (const { file, objects } of declared) {
      expect(parseFunctionsFile(renderFunctionsFile(objects))).toEqual(
        [...objects].sort((a, b) => a.kind.localeCompare(b.kind) || a.key.localeCompare(b.key)),
      );
      if (!UPDATING_SQL) expect(objects.length).toBeGreaterThan(0);
      expect(file).toMatch(/^src\/([\w-]+)\/\1\.functions\.sql$|^src\/database\/rls\.functions\.sql$/);
    }
  });
});

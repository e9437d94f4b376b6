import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { buildDataSourceOptions, ENTITY_FILES } from '../src/database/data-source';
import { adminUrlFor, testDbName } from './support/db-urls';

/** Only here, to show the diff sees the entities it is given. */
@Entity('schema_diff_probe')
class SchemaDiffProbe {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  note!: string;
}

/** What `migration:generate` would write: the statements TypeORM computes from entities to database. */
async function schemaDiff(entities: NonNullable<ConstructorParameters<typeof DataSource>[0]['entities']>): Promise<string[]> {
  const ds = new DataSource({ ...buildDataSourceOptions({ url: adminUrlFor(testDbName()), poolSize: 1 }), entities });
  await ds.initialize();
  try {
    const sql = await ds.driver.createSchemaBuilder().log();
    return sql.upQueries.map((q) => q.query);
  } finally {
    await ds.destroy();
  }
}

describe('entities and migrations', () => {
  it('TypeORM computes no difference between the entities and the migrated database', async () => {
    expect(await schemaDiff([ENTITY_FILES])).toEqual([]);
  });

  it("every table of the schema has its entity (a partition is its table's)", async () => {
    const ds = new DataSource(buildDataSourceOptions({ url: adminUrlFor(testDbName()), poolSize: 1 }));
    await ds.initialize();
    try {
      const tables: { table_name: string }[] = await ds.query(
        `SELECT c.relname AS table_name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> 'typeorm_migrations' ORDER BY 1`,
      );
      expect(ds.entityMetadatas.map((m) => m.tableName).sort()).toEqual(tables.map((t) => t.table_name));
    } finally {
      await ds.destroy();
    }
  });

  it('the diff is not blind: an entity without a table is a CREATE TABLE', async () => {
    const diff = await schemaDiff([ENTITY_FILES, SchemaDiffProbe]);
    expect(diff).toHaveLength(1);
    expect(diff[0]).toMatch(/^CREATE TABLE "schema_diff_probe"/);
  });
});

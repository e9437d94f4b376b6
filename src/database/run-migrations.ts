import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source';

export async function runMigrations(url: string, embedded: boolean): Promise<string[]> {
  const dataSource = new DataSource(buildDataSourceOptions({ url, poolSize: 1, embedded }));
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}

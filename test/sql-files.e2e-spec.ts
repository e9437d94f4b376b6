import { join } from 'path';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { Db } from '../src/database/db.service';
import type { RlsContext } from '../src/database/rls-context';
import type { Sql } from '../src/database/sql';
import { filesEnding, ROOT, writeOrMatch } from './support/checked-in-sql';
import { SQL_SAMPLES } from './support/sql-samples';
import { startTestApp, TestApp } from './support/test-app';

type RepositoryClass = { name: string; prototype: Record<string, unknown> };

const PLATFORM: RlsContext = { role: 'sb_admin', orgId: null, userId: null };
/** Thrown at the end of each sample call: its transaction rolls back. */
const ROLLBACK = new Error('rollback');

/** A statement as the file shows it: its text with the code's indentation taken off, ending with a semicolon. */
function layout(text: string): string {
  const lines = text.split('\n').map((l) => l.trimEnd());
  const rest = lines.slice(1).filter((l) => l.trim());
  const indent = rest.length ? Math.min(...rest.map((l) => l.length - l.trimStart().length)) : 0;
  return [lines[0].trim(), ...lines.slice(1).map((l) => l.slice(indent))].join('\n').trim() + ';';
}

const repositoryFiles = filesEnding('src', '.repository.ts');

function classesOf(file: string): RepositoryClass[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = require(join(ROOT, file)) as Record<string, unknown>;
  return Object.values(exported).filter((v): v is RepositoryClass => typeof v === 'function' && /Repository$/.test(v.name));
}

function methodsOf(cls: RepositoryClass): string[] {
  return Object.getOwnPropertyNames(cls.prototype)
    .filter((name) => name !== 'constructor')
    .sort();
}

/**
 * Every repository's statements, written out: each method is called with its samples
 * (test/support/sql-samples.ts) inside a transaction that is rolled back, and every statement it
 * sends (through Db, as a cursor, or built by TypeORM) goes into the repository's `.sql` file
 * beside it. A change to a statement shows in that file's diff; `npm run sql:update` rewrites them.
 */
describe('repositories: their SQL, written out and checked in', () => {
  let t: TestApp;
  let db: Db;
  let sent: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_WORKERS: '0' });
    db = t.app.get(Db);
    const record = (statement: Sql) => sent.push(layout(statement.text));
    const execute = db.execute.bind(db);
    const cursor = db.cursor.bind(db);
    jest.spyOn(db, 'execute').mockImplementation((statement) => (record(statement), execute(statement)));
    jest.spyOn(db, 'cursor').mockImplementation((statement) => (record(statement), cursor(statement)));
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called back with its own `this` below
    const typeormQuery = PostgresQueryRunner.prototype.query;
    jest.spyOn(PostgresQueryRunner.prototype, 'query').mockImplementation(function (
      this: PostgresQueryRunner,
      text: string,
      ...rest: unknown[]
    ) {
      if (!/^(START TRANSACTION|COMMIT|ROLLBACK)/.test(text)) sent.push(layout(text));
      return (typeormQuery as (...a: unknown[]) => Promise<unknown>).call(this, text, ...rest);
    } as typeof typeormQuery);
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await t.close();
  });

  it('every repository method has sample calls, and every sample names a method that exists', () => {
    const classes = repositoryFiles.flatMap(classesOf);
    const missing = classes.flatMap((cls) =>
      methodsOf(cls)
        .filter((m) => !SQL_SAMPLES[cls.name]?.[m])
        .map((m) => `${cls.name}.${m}`),
    );
    const stale = Object.entries(SQL_SAMPLES).flatMap(([name, methods]) => {
      const cls = classes.find((c) => c.name === name);
      return Object.keys(methods)
        .filter((m) => !cls || !methodsOf(cls).includes(m))
        .map((m) => `${name}.${m}`);
    });
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });

  it("each repository's .sql file holds the statements its methods send", async () => {
    const differing: string[] = [];
    for (const file of repositoryFiles) {
      const sections: string[] = [];
      for (const cls of classesOf(file)) {
        const repo = t.app.get<unknown, Record<string, (...args: unknown[]) => Promise<unknown>>>(cls as never);
        for (const method of methodsOf(cls)) {
          const seen = new Set<string>();
          for (const args of SQL_SAMPLES[cls.name]?.[method] ?? []) {
            sent = [];
            await db
              .runAs(PLATFORM, async () => {
                const result = await repo[method](...args);
                // A cursor: nothing is read; closing it ends its portal.
                if (result && typeof (result as { close?: unknown }).close === 'function')
                  await (result as { close(): Promise<void> }).close();
                throw ROLLBACK;
              })
              // A sample may fail in the database (a foreign key to nothing): its statements were sent all the same.
              .catch(() => undefined);
            const text = sent.join('\n\n');
            if (seen.has(text)) continue;
            seen.add(text);
            sections.push(`-- ${cls.name}.${method}${seen.size > 1 ? ` (${seen.size})` : ''}\n${text || '-- (no statement)'}\n`);
          }
        }
      }
      const target = file.replace(/\.ts$/, '.sql');
      const header = `-- The statements of ${file}, one section per method and branch, as test/sql-files.e2e-spec.ts\n-- records them from test/support/sql-samples.ts (npm run sql:update rewrites this file; do not edit it).\n`;
      if (!writeOrMatch(target, [header, ...sections].join('\n')))
        differing.push(`${target} differs from what the repository sends (npm run sql:update)`);
    }
    expect(differing).toEqual([]);
  });
});

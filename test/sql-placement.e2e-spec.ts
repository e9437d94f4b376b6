import { readdirSync, readFileSync, statSync } from 'fs';
import { join, relative } from 'path';

const SRC = join(__dirname, '..', 'src');
/** A statement in a string literal: SELECT …, INSERT INTO, UPDATE … SET, DELETE FROM, WITH … AS (. */
const SQL_STATEMENT = /\b(SELECT\s+[\w*($"]|INSERT\s+INTO\b|UPDATE\s+["\w]+\s+SET\b|DELETE\s+FROM\b|WITH\s+\w+\s+AS\s*\()/;
const STRING_LITERAL = /`(?:\\[\s\S]|[^`\\])*`|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"/g;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Where SQL may live: repositories, the SQL pieces a module's repositories share (`*.sql.ts`), and the database folder (transactions, context, migrations runner). */
function mayHoldSql(path: string): boolean {
  const rel = relative(SRC, path);
  return rel.endsWith('.repository.ts') || rel.endsWith('.sql.ts') || rel.startsWith('database/') || rel.endsWith('.spec.ts');
}

function sqlLiterals(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  return (code.match(STRING_LITERAL) ?? []).filter((literal) => SQL_STATEMENT.test(literal));
}

describe('SQL lives in repositories', () => {
  it('no file under src/ outside *.repository.ts, *.sql.ts and the database folder holds an SQL statement', () => {
    const offenders = files(SRC)
      .filter((path) => !mayHoldSql(path))
      .flatMap((path) =>
        sqlLiterals(readFileSync(path, 'utf8')).map((literal) => `${relative(SRC, path)}: ${literal.slice(0, 80).replace(/\s+/g, ' ')}`),
      );
    expect(offenders).toEqual([]);
  });

  it('the scan finds statements in every form a service could write them', () => {
    const sample = [
      "const a = 'SELECT id FROM campaign';",
      'const b = `INSERT INTO contact (email) VALUES ($1)`;',
      'const c = "UPDATE webhook_log SET status = $1";',
      'const d = `DELETE FROM job_run WHERE slot < now()`;',
      'const e = `WITH moved AS (UPDATE x SET y = 1 RETURNING id) SELECT count(*) FROM moved`;',
      'const f = `SELECT ${columns} FROM webhook_log`;',
    ].join('\n');
    expect(sqlLiterals(sample)).toHaveLength(6);
    expect(sqlLiterals("// SELECT in a comment\nconst m = 'select a campaign first';")).toEqual([]);
  });
});

import { sql } from './sql';

describe('the sql template', () => {
  it('numbers each interpolated value as a parameter, in order', () => {
    const org = '00000000-0000-4000-8000-000000000001';
    expect(sql`SELECT id FROM campaign WHERE organization_id = ${org} AND name ILIKE ${'%q%'} LIMIT ${50}`.compile()).toEqual({
      text: 'SELECT id FROM campaign WHERE organization_id = $1 AND name ILIKE $2 LIMIT $3',
      values: [org, '%q%', 50],
    });
  });

  it('splices a fragment in with its parameters renumbered, however deep', () => {
    const inner = sql`status = ${'failed'}`;
    const middle = sql`(${inner} OR attempts > ${3})`;
    const q = sql`SELECT 1 FROM webhook_log WHERE id = ${'x'} AND ${middle} AND ${inner} LIMIT ${10}`;
    expect(q.compile()).toEqual({
      text: 'SELECT 1 FROM webhook_log WHERE id = $1 AND (status = $2 OR attempts > $3) AND status = $4 LIMIT $5',
      values: ['x', 'failed', 3, 'failed', 10],
    });
  });

  it('keeps a value that looks like SQL a value, and null, arrays and objects as parameters', () => {
    const q = sql`SELECT ${"'; DROP TABLE campaign; --"}, ${null}, ${['a', 'b']}, ${{ k: 1 }}`;
    expect(q.compile()).toEqual({ text: 'SELECT $1, $2, $3, $4', values: ["'; DROP TABLE campaign; --", null, ['a', 'b'], { k: 1 }] });
  });

  it('a statement without values is its text; a named one keeps its name and text', () => {
    expect(sql`SELECT 1`.compile()).toEqual({ text: 'SELECT 1', values: [] });
    const named = sql`SELECT ${1}`.named('sb_test');
    expect([named.name, named.text]).toEqual(['sb_test', 'SELECT $1']);
  });
});

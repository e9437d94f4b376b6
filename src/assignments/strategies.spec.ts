import { assignByLeadScore, assignRoundRobin, UserLoad } from './strategies';

const contacts = (n: number, score = (i: number) => i) =>
  Array.from({ length: n }, (_, i) => ({ contactId: `c${String(i).padStart(4, '0')}`, leadScore: score(i) }));
const countBy = (xs: { userId: string }[]) => xs.reduce<Record<string, number>>((m, x) => ((m[x.userId] = (m[x.userId] ?? 0) + 1), m), {});

describe('round robin', () => {
  it('evens out an uneven start: final counts differ by at most one', () => {
    const users: UserLoad[] = [
      { userId: 'u1', count: 10, scoreSum: 0 },
      { userId: 'u2', count: 0, scoreSum: 0 },
      { userId: 'u3', count: 3, scoreSum: 0 },
    ];
    const out = assignRoundRobin(users, contacts(20), (id) => id.charCodeAt(1));
    const added = countBy(out);
    const final = users.map((u) => u.count + (added[u.userId] ?? 0));
    expect(Math.max(...final) - Math.min(...final)).toBeLessThanOrEqual(1);
    expect(added.u1 ?? 0).toBe(1);
    expect(out).toHaveLength(20);
  });

  it('cannot undo an imbalance larger than the batch, but never feeds the fullest user', () => {
    const out = assignRoundRobin(
      [
        { userId: 'a', count: 50, scoreSum: 0 },
        { userId: 'b', count: 0, scoreSum: 0 },
      ],
      contacts(5),
      () => 0,
    );
    expect(countBy(out)).toEqual({ b: 5 });
  });

  it('equal users take turns', () => {
    const out = assignRoundRobin(
      ['a', 'b', 'c'].map((userId) => ({ userId, count: 0, scoreSum: 0 })),
      contacts(6),
      (id) => ({ a: 2, b: 0, c: 1 })[id]!,
    );
    expect(out.map((x) => x.userId)).toEqual(['b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('no users, no assignments', () => {
    expect(assignRoundRobin([], contacts(3), () => 0)).toEqual([]);
  });
});

describe('lead score', () => {
  it('spreads high scores: greedy to the lowest summed score', () => {
    const users = ['u1', 'u2'].map((userId) => ({ userId, count: 0, scoreSum: 0 }));
    const set = [90, 80, 50, 40, 10].map((s, i) => ({ contactId: `c${i}`, leadScore: s }));
    const out = assignByLeadScore(users, set);
    // 90→u1, 80→u2 (0<90), 50→u2 (80<90), 40→u1 (90<130), 10→u1 (130=130, fewer contacts: u1 has 2, u2 has 2 → id)
    expect(out).toEqual([
      { contactId: 'c0', userId: 'u1' },
      { contactId: 'c1', userId: 'u2' },
      { contactId: 'c2', userId: 'u2' },
      { contactId: 'c3', userId: 'u1' },
      { contactId: 'c4', userId: 'u1' },
    ]);
  });

  it('takes existing load into account', () => {
    const out = assignByLeadScore(
      [
        { userId: 'rich', count: 3, scoreSum: 500 },
        { userId: 'poor', count: 0, scoreSum: 0 },
      ],
      contacts(3, () => 100),
    );
    expect(countBy(out)).toEqual({ poor: 3 });
  });
});

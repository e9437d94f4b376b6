/**
 * Auto-assignment strategies as pure functions over the current load, so they can be tested
 * exactly and then written in one INSERT.
 */
export interface UserLoad {
  userId: string;
  /** Active contacts now. */
  count: number;
  /** Sum of the lead scores of those contacts. */
  scoreSum: number;
}

export interface ContactToAssign {
  contactId: string;
  leadScore: number;
}

export interface Assignment {
  contactId: string;
  userId: string;
}

/** A binary min-heap; compare returns < 0 when a should come first. */
class MinHeap<T> {
  private items: T[] = [];
  constructor(private readonly compare: (a: T, b: T) => number) {}
  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.compare(a[i], a[p]) >= 0) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    if (!a.length) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.compare(a[l], a[m]) < 0) m = l;
        if (r < a.length && this.compare(a[r], a[m]) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Round robin: each contact goes to the user with the fewest active contacts at that moment.
 * Ties go to the user who has waited longest in this run, starting from a shuffled order (the
 * `tieBreak` rank), so equal users take turns and nobody is always first.
 */
export function assignRoundRobin(users: UserLoad[], contacts: ContactToAssign[], tieBreak: (userId: string) => number): Assignment[] {
  if (!users.length) return [];
  type Entry = { userId: string; count: number; turn: number; rank: number };
  const heap = new MinHeap<Entry>((a, b) => a.count - b.count || a.turn - b.turn || a.rank - b.rank);
  for (const u of users) heap.push({ userId: u.userId, count: u.count, turn: 0, rank: tieBreak(u.userId) });
  const out: Assignment[] = [];
  let turn = 0;
  for (const c of contacts) {
    const e = heap.pop()!;
    out.push({ contactId: c.contactId, userId: e.userId });
    heap.push({ ...e, count: e.count + 1, turn: ++turn });
  }
  return out;
}

/**
 * Lead score: contacts from the highest score down, each to the user whose summed lead score of
 * active contacts is lowest (then fewest contacts, then user id), so high-value leads spread evenly.
 */
export function assignByLeadScore(users: UserLoad[], contacts: ContactToAssign[]): Assignment[] {
  if (!users.length) return [];
  type Entry = { userId: string; sum: number; count: number };
  const heap = new MinHeap<Entry>((a, b) => a.sum - b.sum || a.count - b.count || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  for (const u of users) heap.push({ userId: u.userId, sum: u.scoreSum, count: u.count });
  const sorted = [...contacts].sort((a, b) => b.leadScore - a.leadScore || (a.contactId < b.contactId ? -1 : 1));
  const out: Assignment[] = [];
  for (const c of sorted) {
    const e = heap.pop()!;
    out.push({ contactId: c.contactId, userId: e.userId });
    heap.push({ userId: e.userId, sum: e.sum + c.leadScore, count: e.count + 1 });
  }
  return out;
}

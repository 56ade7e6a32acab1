/**
 * Streaming sorted merge-join of two keyed streams (Odoo side and target side).
 *
 * Both inputs must be ordered by the same key under the same comparator (`compareKeys`, plain
 * code-unit order, the order of a PostgreSQL `COLLATE "C"` sort). The join reads each side
 * lazily, one item of look-ahead each, so memory is O(largest group) whatever the input size.
 * Consecutive items with an equal key are grouped: a group carries every Odoo item and every
 * target item of that key (usually 0 or 1 each; 2+ is how duplicates show up).
 *
 * An input that goes backwards is rejected with UnsortedInputError naming the side, the two
 * keys and the position: a vendor that cannot sort is put through `externalSort` first
 * (external-sort.ts), never silently joined out of order.
 */

export type Key = string;

/** Code-unit (binary) order: deterministic and locale-free. */
export function compareKeys(a: Key, b: Key): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class UnsortedInputError extends Error {
  constructor(readonly side: string, readonly previous: Key, readonly key: Key, readonly position: number) {
    super(`${side} input is not sorted by key: '${key}' (item ${position}) comes after '${previous}'`);
    this.name = 'UnsortedInputError';
  }
}

export interface JoinGroup<L, R> {
  key: Key;
  odoo: L[];
  target: R[];
}

/** Iterates one side, checking the order, and yields runs of equal keys. */
async function* groups<T>(side: string, source: AsyncIterable<T> | Iterable<T>, keyOf: (item: T) => Key, cmp: (a: Key, b: Key) => number): AsyncGenerator<{ key: Key; items: T[] }> {
  let current: { key: Key; items: T[] } | undefined;
  let position = 0;
  for await (const item of source as AsyncIterable<T>) {
    position += 1;
    const key = keyOf(item);
    if (current) {
      const c = cmp(current.key, key);
      if (c === 0) { current.items.push(item); continue; }
      if (c > 0) throw new UnsortedInputError(side, current.key, key, position);
      yield current;
    }
    current = { key, items: [item] };
  }
  if (current) yield current;
}

export interface MergeJoinOptions<L, R> {
  odooKey: (item: L) => Key;
  targetKey: (item: R) => Key;
  compare?: (a: Key, b: Key) => number;
}

/**
 * Full outer merge-join. Yields groups in key order; a group has at least one item on one side.
 */
export async function* mergeJoin<L, R>(
  odoo: AsyncIterable<L> | Iterable<L>,
  target: AsyncIterable<R> | Iterable<R>,
  opts: MergeJoinOptions<L, R>,
): AsyncGenerator<JoinGroup<L, R>> {
  const cmp = opts.compare ?? compareKeys;
  const left = groups('odoo', odoo, opts.odooKey, cmp);
  const right = groups('target', target, opts.targetKey, cmp);
  try {
    let l = await left.next();
    let r = await right.next();
    while (!l.done || !r.done) {
      if (r.done || (!l.done && cmp(l.value.key, r.value.key) < 0)) {
        const g = l.value!;
        yield { key: g.key, odoo: g.items, target: [] };
        l = await left.next();
      } else if (l.done || cmp(l.value.key, r.value.key) > 0) {
        yield { key: r.value.key, odoo: [], target: r.value.items };
        r = await right.next();
      } else {
        yield { key: l.value.key, odoo: l.value.items, target: r.value.items };
        l = await left.next();
        r = await right.next();
      }
    }
  } finally {
    await left.return(undefined);
    await right.return(undefined);
  }
}

/** Pages of a cursor-paged read as a flat stream (`next` false/null/undefined ends it). */
export async function* paged<T, C>(fetchPage: (cursor: C | false) => Promise<{ items: T[]; next: C | false | null | undefined }>): AsyncGenerator<T> {
  let cursor: C | false = false;
  const seen = new Set<string>();
  for (;;) {
    const page = await fetchPage(cursor);
    for (const item of page.items) yield item;
    if (page.next === false || page.next === null || page.next === undefined || page.items.length === 0) return;
    const mark = JSON.stringify(page.next);
    if (seen.size > 0 && seen.has(mark)) throw new Error(`paged read repeated cursor ${mark}; stopping`);
    seen.clear();
    seen.add(mark);
    cursor = page.next;
  }
}

/** Maps a stream (lazy). */
export async function* mapStream<T, U>(source: AsyncIterable<T> | Iterable<T>, fn: (item: T) => U | U[] | undefined): AsyncGenerator<U> {
  for await (const item of source as AsyncIterable<T>) {
    const out = fn(item);
    if (out === undefined) continue;
    if (Array.isArray(out)) yield* out;
    else yield out;
  }
}

/** Groups consecutive items (sorted input) of an equal key into one item with `merge`. */
export async function* sumSorted<T>(source: AsyncIterable<T>, keyOf: (item: T) => Key, merge: (into: T, add: T) => T): AsyncGenerator<T> {
  let cur: T | undefined;
  let curKey: Key | undefined;
  for await (const item of source) {
    const k = keyOf(item);
    if (cur !== undefined && k === curKey) { cur = merge(cur, item); continue; }
    if (cur !== undefined) yield cur;
    cur = item;
    curKey = k;
  }
  if (cur !== undefined) yield cur;
}

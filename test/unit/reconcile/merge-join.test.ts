import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { externalSort } from '../../../bridge/reconcile/external-sort.js';
import { mergeJoin, paged, sumSorted, UnsortedInputError } from '../../../bridge/reconcile/merge-join.js';
import { collect } from './helpers.js';

async function* pagedList<T>(items: T[], pageSize: number): AsyncGenerator<T> {
  yield* paged<T, number>(async (after) => {
    const start = after === false ? 0 : after;
    return { items: items.slice(start, start + pageSize), next: start + pageSize < items.length ? start + pageSize : false };
  });
}

describe('reconcile: streaming merge-join', () => {
  it('full outer join of two paged, sorted sides', async () => {
    const odoo = pagedList([{ k: 'a' }, { k: 'b' }, { k: 'd' }, { k: 'e' }], 2);
    const target = pagedList([{ k: 'b' }, { k: 'c' }, { k: 'e' }, { k: 'f' }], 3);
    const groups = await collect(mergeJoin(odoo, target, { odooKey: (x) => x.k, targetKey: (x) => x.k }));
    expect(groups.map((g) => `${g.key}:${g.odoo.length}${g.target.length}`)).to.deep.equal(['a:10', 'b:11', 'c:01', 'd:10', 'e:11', 'f:01']);
  });

  it('groups equal keys (duplicates show as 2+ on a side)', async () => {
    const groups = await collect(mergeJoin([{ k: 'a' }], [{ k: 'a', n: 1 }, { k: 'a', n: 2 }, { k: 'b', n: 3 }], { odooKey: (x) => x.k, targetKey: (x) => x.k }));
    expect(groups).to.have.length(2);
    expect(groups[0]!.target).to.have.length(2);
  });

  it('rejects an unsorted side, naming it and the keys', async () => {
    try {
      await collect(mergeJoin([{ k: 'a' }, { k: 'b' }], [{ k: 'b' }, { k: 'a' }], { odooKey: (x) => x.k, targetKey: (x) => x.k }));
      expect.fail('should throw');
    } catch (err) {
      expect(err).to.be.instanceOf(UnsortedInputError);
      expect((err as UnsortedInputError).side).to.equal('target');
      expect((err as Error).message).to.match(/'a' \(item 2\) comes after 'b'/);
    }
  });

  it('empty sides', async () => {
    expect(await collect(mergeJoin([], [], { odooKey: (x: { k: string }) => x.k, targetKey: (x: { k: string }) => x.k }))).to.deep.equal([]);
    const only = await collect(mergeJoin([], [{ k: 'x' }], { odooKey: (x: { k: string }) => x.k, targetKey: (x) => x.k }));
    expect(only.map((g) => g.key)).to.deep.equal(['x']);
  });

  it('unsorted input is handled by the external sort (spilling runs) then joined', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'recon-test-'));
    const n = 5_000;
    const shuffled = Array.from({ length: n }, (_, i) => ({ k: `SKU-${String((i * 7919) % n).padStart(5, '0')}` }));
    let spills = 0;
    const sorted = externalSort(shuffled, { keyOf: (x) => x.k, chunkSize: 700, tmpDir: tmp, onSpill: () => { spills += 1; } });
    const odoo = Array.from({ length: n }, (_, i) => ({ k: `SKU-${String(i).padStart(5, '0')}` }));
    const groups = await collect(mergeJoin(odoo, sorted, { odooKey: (x) => x.k, targetKey: (x) => x.k }));
    expect(groups).to.have.length(n);
    expect(groups.every((g) => g.odoo.length === 1 && g.target.length === 1)).to.equal(true);
    expect(spills).to.equal(Math.ceil(n / 700));
    expect(fs.readdirSync(tmp)).to.deep.equal([]); // temporary runs removed
  });

  it('external sort cleans up when the consumer stops early', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'recon-test-'));
    const items = Array.from({ length: 300 }, (_, i) => ({ k: String(300 - i).padStart(4, '0') }));
    for await (const x of externalSort(items, { keyOf: (y) => y.k, chunkSize: 50, tmpDir: tmp })) { expect(x.k).to.equal('0001'); break; }
    expect(fs.readdirSync(tmp)).to.deep.equal([]);
  });

  it('sumSorted merges adjacent equal keys', async () => {
    async function* src() { yield* [{ k: 'a', q: 1 }, { k: 'a', q: 2 }, { k: 'b', q: 5 }]; }
    const out = await collect(sumSorted(src(), (x) => x.k, (a, b) => ({ k: a.k, q: a.q + b.q })));
    expect(out).to.deep.equal([{ k: 'a', q: 3 }, { k: 'b', q: 5 }]);
  });
});

/**
 * The run-time specialisations give the same answers as the general code they shortcut:
 * fastRead per path length (1, 2, 3 names unrolled, longer ones looped), conditions run as plain
 * data (conds.ts), and relations read once per item (Prefixes).
 */
import { expect } from 'chai';
import { compileMapping, formatRunIssue, runMapping } from '../../bridge/mapping/index.js';
import { fastRead, fastReadLoop, makeFastPath, MISS, Prefixes, scopeRead, type Scope } from '../../bridge/mapping/runtime.js';
import { mappingText } from './helpers.js';

const SHAPES: unknown[] = [
  undefined,
  null,
  false,
  0,
  'text',
  [],
  [{ a: 1 }],
  {},
  { a: 1 },
  { a: false },
  { a: null },
  { a: [] },
  { a: 'x' },
  { a: { b: 2 } },
  { a: { b: false } },
  { a: { b: [1] } },
  { a: { b: { c: 3 } } },
  { a: { b: { c: { d: 4 } } } },
  { a: { b: { c: { d: { e: 5 } } } } },
  { a: { b: { c: { d: { e: null } } } } },
  { a: { b: { c: { d: 'x' } } } },
];
const NAMES = ['a', 'b', 'c', 'd', 'e'];

/** The answer of fastRead by definition: MISS when a value on the way is not a plain object. */
function reference(o: unknown, names: string[]): unknown {
  for (const k of names) {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return MISS;
    o = (o as Record<string, unknown>)[k];
  }
  return o;
}

describe('fastRead per path length', () => {
  for (let n = 1; n <= NAMES.length; n++) {
    const names = NAMES.slice(0, n);
    it(`${n} name(s): the same as the loop and the definition, for every shape`, () => {
      const fp = makeFastPath(names)!;
      expect(fp.n).to.equal(n);
      for (const shape of SHAPES) {
        const want = reference(shape, names);
        expect(fastRead(shape, fp), `${names.join('.')} of ${JSON.stringify(shape)}`).to.equal(want);
        expect(fastReadLoop(shape, fp), `loop ${names.join('.')} of ${JSON.stringify(shape)}`).to.equal(want);
      }
    });
  }
});

describe('relations read once per item (Prefixes)', () => {
  it('a path reading from c0 / c1 gives what it gives reading from the item, for every shape', () => {
    const texts = ['a.b', 'a.b.c', 'a.b.c.d.e', 'a.x', 'b.c', 'b.d', 'c', 'e.f'];
    const paths = texts.map((t) => makeFastPath(t.split('.'))!);
    const p = new Prefixes(paths);
    // 'a' (4 paths) and 'b' (2 paths) are shared; 'c' has one name, 'e' one path.
    expect([p.n, p.k0, p.k1]).to.deep.equal([2, 'a', 'b']);
    expect(paths.map((fp) => fp.reg)).to.deep.equal([1, 1, 1, 1, 2, 2, 0, 0]);
    const items = [...SHAPES, { a: { x: 1, b: { c: 2 } }, b: { c: 'bc', d: false }, c: 3, e: { f: 4 } }, { b: [1], a: 'x' }];
    for (const v of items) {
      const s: Scope = { v, rec: undefined, c0: undefined, c1: undefined, p: null, i: 0, from: null, seg: '' };
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        s.rec = v as Record<string, unknown>;
        p.load(s, s.rec);
      }
      texts.forEach((t, i) => {
        expect(scopeRead(s, paths[i]!), `${t} of ${JSON.stringify(v)}`).to.equal(fastRead(v, makeFastPath(t.split('.'))!));
      });
    }
  });

  it('fields sharing a relation in an each map like the same fields one at a time', () => {
    const fields = {
      code: { path: 'product_id.default_code', optional: true, type: 'any' },
      uom: { path: 'product_id.uom_id.name', optional: true, type: 'any' },
      name: { path: 'product_id.name', optional: true, type: 'any' },
    };
    const items = [
      { product_id: { default_code: 'A', name: 'n', uom_id: { name: 'Units' } } },
      { product_id: false },
      { product_id: { default_code: false, uom_id: false } },
      { product_id: { uom_id: { name: null } } },
      {},
    ];
    const runWith = (f: Record<string, unknown>) => {
      const c = compileMapping(mappingText({ lines: { each: 'items', fields: f } }), 'x.yaml');
      if (!c.ok) throw new Error('did not compile');
      const r = runMapping(c.mapping, { items });
      if (!r.ok) throw new Error(r.errors.map(formatRunIssue).join('\n'));
      return (r.value as { lines: Record<string, unknown>[] }).lines;
    };
    const together = runWith(fields);
    const alone = Object.entries(fields).map(([k, v]) => runWith({ [k]: v }));
    expect(together).to.deep.equal(items.map((_, i) => Object.assign({}, ...alone.map((a) => a[i]))));
  });
});

describe('relations read once per item: errors', () => {
  it('report what the engine reported before the cache (lines produced by the previous engine)', () => {
    const fields = {
      code: 'product_id.default_code',
      uom: { path: 'product_id.uom_id.name', type: 'string' },
      q: { path: 'qty', pipe: [{ uom: { from: 'product_id.uom_id', to: 'product_id.uom_id' } }] },
    };
    const c = compileMapping(mappingText({ lines: { each: 'items', fields } }), 'x.yaml');
    if (!c.ok) throw new Error('did not compile');
    const units = { name: 'U', factor: 1, rounding: 1, category_id: 1 };
    const items = [
      { product_id: { default_code: 'A', uom_id: units }, qty: 2 },
      { product_id: false, qty: 1 },
      { product_id: { default_code: 'B', uom_id: { name: 3 } }, qty: 1 },
      { product_id: [1], qty: 'x' },
    ];
    const r = runMapping(c.mapping, { items });
    expect(r.ok).to.equal(false);
    if (r.ok) return;
    expect(r.errors.map(formatRunIssue)).to.deep.equal([
      'x.yaml:11:13 fields.lines.each.code: items[1].product_id.default_code: missing (items[1].product_id is false) (add optional: true to allow)',
      'x.yaml:13:9 fields.lines.each.uom: items[1].product_id.uom_id.name: missing (items[1].product_id is false) (add optional: true to allow)',
      'x.yaml:18:13 fields.lines.each.q.pipe[0]: items[1].product_id.uom_id: uom: missing unit of measure',
      'x.yaml:13:9 fields.lines.each.uom: items[2].product_id.uom_id.name: expected a string, got number 3',
      'x.yaml:18:13 fields.lines.each.q.pipe[0]: items[2].qty: uom: unit of measure has no positive factor',
      "x.yaml:11:13 fields.lines.each.code: items[3].product_id: expected an object to read 'default_code' from, got a list (use each: to map a list)",
      "x.yaml:13:9 fields.lines.each.uom: items[3].product_id: expected an object to read 'uom_id' from, got a list (use each: to map a list)",
      'x.yaml:18:13 fields.lines.each.q.pipe[0]: items[3].qty: uom: expected a quantity, got string "x"',
    ]);
  });
});

describe('path reads: the fast readers give the values and errors of the general reader', () => {
  // `x.y` (scope paths, read by fastRead) and `$root.x.y` (the general getter) name the same data
  // at the top of a record: values and error lines must be identical.
  const PATHS = ['a', 'a.b', 'a.b.c', 'a.b.c.d', 'a.b.c.d.e'];
  const run = (path: string, optional: boolean, input: unknown) => {
    const r = compileMapping(mappingText({ v: { path, optional, type: 'any' } }), 'p.yaml');
    if (!r.ok) throw new Error('did not compile');
    const out = runMapping(r.mapping, input);
    return out.ok ? { value: out.value } : { errors: out.errors.map(formatRunIssue) };
  };
  for (const path of PATHS) {
    it(`${path} vs $root.${path}`, () => {
      for (const input of SHAPES.filter((s) => s !== null && typeof s === 'object' && !Array.isArray(s))) {
        for (const optional of [false, true]) {
          expect(run(path, optional, input), `${path} on ${JSON.stringify(input)}`).to.deep.equal(run(`$root.${path}`, optional, input));
        }
      }
    });
  }
});

describe('conditions as plain data', () => {
  // The comparators as they were written before conds.ts (one closure each).
  const before = (op: string, arg: unknown, v: unknown): boolean => {
    switch (op) {
      case 'eq':
        return arg === null ? v == null : v === arg;
      case 'ne':
        return arg === null ? v != null : v !== arg;
      case 'in':
        return new Set(arg as unknown[]).has(v ?? null);
      case 'not_in':
        return !new Set(arg as unknown[]).has(v ?? null);
      case 'exists':
        return arg ? v != null && v !== false : v == null || v === false;
      case 'starts_with':
        return typeof v === 'string' && v.startsWith(arg as string);
      default: {
        if (v == null || v === false || typeof v !== typeof arg) return false;
        const a = v as number;
        const b = arg as number;
        return op === 'gt' ? a > b : op === 'gte' ? a >= b : op === 'lt' ? a < b : a <= b;
      }
    }
  };
  const OPS: [string, unknown][] = [
    ['eq', 1],
    ['eq', 'a'],
    ['eq', true],
    ['eq', null],
    ['ne', 1],
    ['ne', null],
    ['in', ['a', 1, null]],
    ['not_in', ['a', 1]],
    ['exists', true],
    ['exists', false],
    ['starts_with', 'W'],
    ['gt', 1],
    ['gte', 1],
    ['lt', 'm'],
    ['lte', 1],
  ];
  const VALUES: unknown[] = [undefined, null, false, true, 0, 1, 2, 'a', 'W1', 'z'];

  it('each comparator gives the same answer as before, for where (each) and if', () => {
    for (const [op, arg] of OPS) {
      const text = mappingText({
        kept: { each: 'items', where: { path: 'v', [op]: arg }, value: { path: 'n' } },
        r: { if: { path: 'v', [op]: arg }, then: { const: 'yes' }, else: { const: 'no' } },
      });
      const c = compileMapping(text, 'c.yaml');
      if (!c.ok) throw new Error(`${op} did not compile`);
      for (const v of VALUES) {
        const items = VALUES.map((x, n) => ({ n, v: x }));
        const out = runMapping(c.mapping, { items, v });
        const ordered = ['gt', 'gte', 'lt', 'lte'].includes(op);
        const mismatched = ordered && v != null && v !== false && typeof v !== typeof arg;
        if (mismatched) {
          expect(out.ok, `${op} ${JSON.stringify(arg)} on ${JSON.stringify(v)}`).to.equal(false);
          continue;
        }
        // Items of another type make gt & co fail the run; compare where on the others only.
        const comparable = items.filter((i) => !(ordered && i.v != null && i.v !== false && typeof i.v !== typeof arg));
        const c2 = runMapping(c.mapping, { items: comparable, v });
        expect(c2.ok, `${op} ${JSON.stringify(arg)} on ${JSON.stringify(v)}`).to.equal(true);
        if (!c2.ok) continue;
        const value = c2.value as { kept: number[]; r: string };
        expect(value.r, `if ${op} ${JSON.stringify(arg)} on ${JSON.stringify(v)}`).to.equal(before(op, arg, v) ? 'yes' : 'no');
        expect(value.kept ?? [], `where ${op} ${JSON.stringify(arg)}`).to.deep.equal(comparable.filter((i) => before(op, arg, i.v)).map((i) => i.n));
      }
    }
  });

  it('all / any stop at the first item that decides, and report a type mismatch with its comparator', () => {
    const text = mappingText({
      all: { each: 'items', where: { all: [{ path: 'a', exists: true }, { path: 'b', gt: 1 }] }, value: { path: 'n' } },
      any: { each: 'items', where: { any: [{ path: 'a', eq: 'x' }, { path: 'b', lte: 1 }] }, value: { path: 'n' } },
    });
    const c = compileMapping(text, 'l.yaml');
    if (!c.ok) throw new Error('did not compile');
    const items = [
      { n: 0, a: 'x', b: 2 },
      { n: 1, a: false, b: 'not a number' }, // all: stops at a; any: a is not 'x', then b fails
      { n: 2, a: 'y', b: 1 },
      { n: 3, a: 'x', b: 'nan' }, // any: a decides; all: b is compared and fails
    ];
    const out = runMapping(c.mapping, { items });
    expect(out.ok).to.equal(false);
    if (out.ok) return;
    expect(out.errors.map(formatRunIssue)).to.deep.equal([
      'l.yaml:14:11 fields.all.where.all[1]: items[3].b: cannot compare string "nan" with number 1 (gt)',
      'l.yaml:24:11 fields.any.where.any[1]: items[1].b: cannot compare string "not a number" with number 1 (lte)',
    ]);
  });
});

/**
 * The run-time specialisations give the same answers as the general code they shortcut:
 * fastRead per path length (1, 2, 3 names unrolled, longer ones looped), conditions run as plain
 * data (conds.ts), and the fast paths of the hot pipe functions (fast-steps.ts).
 */
import { expect } from 'chai';
import { fastStepOf, runFastStep } from '../../bridge/mapping/fast-steps.js';
import { compileMapping, formatRunIssue, runMapping } from '../../bridge/mapping/index.js';
import { fastRead, fastReadLoop, makeFastPath, MISS, Rt, type Scope, type Site } from '../../bridge/mapping/runtime.js';
import { compileStep, type StepFn } from '../../bridge/mapping/steps.js';
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

describe('fast paths of the pipe functions', () => {
  const site: Site = { construct: 'f', line: 1, col: 1, data: () => '' };
  const helpers = {
    site,
    limits: { maxItems: 100 },
    path: (text: unknown) => {
      const names = String(text).split('.');
      const fp = makeFastPath(names);
      return {
        read: (s: Scope) => {
          let o = s.v;
          for (const k of names) o = o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined;
          return o;
        },
        site,
        display: () => String(text),
        fp,
      };
    },
  };
  const UNITS = { factor: 1, rounding: 1, category_id: 1, name: 'Units' };
  const DOZENS = { factor: 1 / 12, rounding: 1, category_id: 1, name: 'Dozens' };
  const GRAMS = { factor: 1000, rounding: 0.01, category_id: [2, 'Weight'], name: 'g' };
  const KG = { factor: 1, rounding: 0.001, category_id: 2, name: 'kg' };
  const STEPS: [string, unknown][] = [
    ['trim', undefined],
    ['lower', undefined],
    ['upper', undefined],
    ['truncate', 3],
    ['round', 2],
    ['round', { digits: 0, method: 'DOWN' }],
    ['map', { table: { a: 'A', b: null }, keep_unmatched: true }],
    ['map', { table: { a: 'A' }, fallback: 'F' }],
    ['uom', { from: 'f', to: 't' }],
    ['uom', { from: 'f', to: 't', round: false }],
    ['format_date', { format: 'iso' }],
  ];
  const VALUES: unknown[] = ['', ' Ab ', 'abcdef', 'ab\ud83d\ude00', 'a', 'b', 'c', 1, 2.675, -1.005, 0, NaN, Infinity, true, null, {}, [],
    '2026-01-31 12:00:00', '2026-02-30 12:00:00', '2026-01-31T12:00:00', '0999-01-01 00:00:00'];
  const SCOPES: unknown[] = [
    { f: UNITS, t: UNITS },
    { f: DOZENS, t: UNITS },
    { f: KG, t: GRAMS },
    { f: UNITS, t: KG },
    { f: UNITS, t: false },
    { f: { factor: 0, rounding: 1, category_id: 1 }, t: UNITS },
    { f: [UNITS], t: UNITS },
  ];

  for (const [name, arg] of STEPS) {
    it(`${name} ${JSON.stringify(arg) ?? ''}: when the fast path answers, it answers like the function`, () => {
      const fn = compileStep(name, arg, helpers) as StepFn;
      expect(typeof fn).to.equal('function');
      const fast = fastStepOf(fn);
      expect(fast, 'has a fast path').to.not.equal(undefined);
      let answered = 0;
      for (const data of SCOPES) {
        const s: Scope = { v: data, p: null, i: -1, from: null, seg: '' };
        for (const v of VALUES) {
          const r = runFastStep(fast!, v, s);
          if (r === MISS) continue;
          answered++;
          const rt = new Rt('t.yaml', {}, s, 50);
          expect(r, `${name}(${String(v)})`).to.deep.equal(fn(v, s, rt));
          expect(rt.errors, `${name}(${String(v)}) has no error`).to.equal(undefined);
        }
      }
      expect(answered, 'the fast path answers some inputs').to.be.greaterThan(0);
    });
  }

  it('other pipe functions have no fast path (their closure runs)', () => {
    const fn = compileStep('prefix', 'x', helpers) as StepFn;
    expect(fastStepOf(fn)).to.equal(undefined);
    const local = compileStep('format_date', { format: 'iso', tz: 'Europe/Brussels' }, helpers) as StepFn;
    expect(fastStepOf(local)).to.equal(undefined);
  });
});

/** Run-time pieces shared by the compiled closures: scopes, the run state, path reads, type checks. */
import type { MappingRunIssue } from './errors.js';
import { getSlot, slotOf } from './slots.js';
import { BAD_SHAPE, describe, diagnose, isForbiddenKey, makeGetter, renderSegs, type ParsedPath } from './path.js';

/** Returned by a node that failed (its error is already recorded); distinct from absent (undefined). */
export const FAIL: unique symbol = Symbol('mapping-fail');

/*
 * isFail / isMiss: the sentinels are tested with typeof first. A plain `v === FAIL` on a value
 * that may be a string, a number or an object has no type the optimiser can use and becomes a
 * call to the generic comparison; after the typeof test it is one pointer comparison.
 */

/** True for FAIL. */
export function isFail(v: unknown): v is typeof FAIL {
  return typeof v === 'symbol' && v === FAIL;
}

/** Where a list item sits: value, enclosing scope, index, and the scope its list path was read from. */
export interface Scope {
  v: unknown;
  /** `v` when it is a plain object (checked once per item, for the fast path reads), else undefined. */
  rec: Record<string, unknown> | undefined;
  /** Relations read once per item for the paths that share them (see Prefixes), else undefined. */
  c0: unknown;
  c1: unknown;
  p: Scope | null;
  i: number;
  from: Scope | null;
  seg: string;
}

export interface Site {
  construct: string;
  line: number;
  col: number;
  /** Renders the data path this construct reads, for error messages. */
  data: (s: Scope) => string;
}

/** Cross-references pre-fetched by the sidecar (sync.link and natural keys). All synchronous. */
export interface XrefResolver {
  /** External id of an Odoo record in a system, or undefined when not linked. */
  toExternal(model: string, id: number, system: string): string | undefined;
  /** Odoo id linked to an external id, or undefined. */
  fromExternal(system: string, model: string, externalId: string): number | undefined;
  /** Odoo id of the record whose `field` equals `value` (e.g. product.product default_code), or undefined. */
  byKey?(model: string, field: string, value: string | number): number | undefined;
}

/** What the sidecar passes to a run. */
export interface MappingContext {
  /** The event being mapped (must be one of the mapping's events when given). */
  event?: string;
  /** `$now`; defaults to the current time. */
  now?: Date | string | number;
  /** Installation settings, read as `$vars.<name>` (channel ids, location ids, pricebook ...). */
  vars?: Record<string, unknown>;
  /** Per-message metadata, read as `$meta.<name>` (message_id, received_at ...). */
  meta?: Record<string, unknown>;
  xref?: XrefResolver;
}

export type LookupRequest =
  | { kind: 'to_external'; system: string; model: string; id: number }
  | { kind: 'from_external'; system: string; model: string; externalId: string }
  | { kind: 'by_key'; model: string; field: string; value: string | number };

export class Rt {
  /** The errors found so far; allocated by the first one (a run without errors allocates none). */
  errors: MappingRunIssue[] | undefined;
  dropped = 0;
  items = 0;
  nowValue: string | undefined;
  /** When set, lookups are recorded and answered with placeholders (collectLookups). */
  recorder: Map<string, LookupRequest> | undefined;

  constructor(
    readonly mapping: string,
    readonly ctx: MappingContext,
    readonly root: Scope,
    readonly maxErrors: number,
  ) {}

  fail(site: Site, dataPath: string, message: string): typeof FAIL {
    const errors = (this.errors ??= []);
    if (errors.length < this.maxErrors) {
      errors.push({ mapping: this.mapping, line: site.line, col: site.col, field: site.construct, dataPath, message });
    } else this.dropped++;
    return FAIL;
  }

  xref(kind: 'to_external' | 'from_external', model: string, system: string, key: number | string): unknown {
    if (this.recorder) {
      const req: LookupRequest =
        kind === 'to_external'
          ? { kind, system, model, id: key as number }
          : { kind, system, model, externalId: key as string };
      this.recorder.set(JSON.stringify(req), req);
      return kind === 'to_external' ? '?' : 0;
    }
    const x = this.ctx.xref;
    if (!x) return undefined;
    const r = kind === 'to_external' ? x.toExternal(model, key as number, system) : x.fromExternal(system, model, key as string);
    return r === null ? undefined : r;
  }

  byKey(model: string, field: string, value: string | number): unknown {
    if (this.recorder) {
      const req: LookupRequest = { kind: 'by_key', model, field, value };
      this.recorder.set(JSON.stringify(req), req);
      return 0;
    }
    const r = this.ctx.xref?.byKey?.(model, field, value);
    return r === null ? undefined : r;
  }
}

/** Data path of a scope: '' for the record, `order_line[3]` for an item. */
export function scopePath(s: Scope | null): string {
  if (!s || s.i < 0) return '';
  const base = s.from ? scopePath(s.from) : '';
  const seg = s.seg ? (base ? `${base}.${s.seg}` : s.seg) : base;
  return `${seg}[${s.i}]`;
}

function nowString(rt: Rt): string {
  if (rt.nowValue === undefined) {
    const n = rt.ctx.now;
    const d = n === undefined ? new Date() : n instanceof Date ? n : new Date(n);
    rt.nowValue = Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 19).replace('T', ' ');
  }
  return rt.nowValue;
}

export type Reader = (s: Scope, rt: Rt, site: Site) => unknown;

/** Returned by fastRead when the value is not on the common path; the full reader decides. */
export const MISS: unique symbol = Symbol('mapping-miss');

/** True for MISS (see isFail). */
export function isMiss(v: unknown): v is typeof MISS {
  return typeof v === 'symbol' && v === MISS;
}

/**
 * Returns the property name as V8's internalized string (names sliced out of the YAML text are
 * not): keyed loads and stores with an internalized key skip a string-table lookup.
 */
export function internalize(k: string): string {
  const o: Record<string, number> = {};
  o[k] = 0;
  return Object.keys(o)[0]!;
}

/**
 * A path made only of property names, read inline by the compiled nodes. The first three names
 * and their slots are also kept in fields, so that fastRead can read paths of one, two or three
 * names (nearly all paths in mappings) without a loop or array reads.
 */
export class FastPath {
  /**
   * 0: read from the scope's value; 1 or 2: the first name was read once for the item into the
   * scope's c0 or c1 (Prefixes), the read starts there. Set when the each that owns the scope
   * is compiled, before any run.
   */
  reg = 0;
  readonly n: number;
  readonly k0: string;
  readonly s0: number;
  readonly k1: string;
  readonly s1: number;
  readonly k2: string;
  readonly s2: number;
  constructor(
    readonly names: readonly string[],
    readonly slots: readonly number[],
  ) {
    this.n = names.length;
    this.k0 = names[0] ?? '';
    this.s0 = slots[0] ?? 0;
    this.k1 = names[1] ?? '';
    this.s1 = slots[1] ?? 0;
    this.k2 = names[2] ?? '';
    this.s2 = slots[2] ?? 0;
  }
}

/** The FastPath of property names (internalized here), or undefined for an empty path. */
export function makeFastPath(names: readonly string[]): FastPath | undefined {
  if (names.length === 0) return undefined;
  const ks = names.map(internalize);
  return new FastPath(Object.freeze(ks), Object.freeze(ks.map(slotOf)));
}

/** The FastPath of a parsed path, or undefined when it starts elsewhere or takes list indexes. */
export function fastPath(p: ParsedPath): FastPath | undefined {
  if (p.root !== 'scope' || !p.segs.every((x) => typeof x === 'string')) return undefined;
  return makeFastPath(p.segs as string[]);
}

/** True when `o` can be read by name on the fast path: a plain object (not absent, a list or a scalar). */
export function isRecord(o: unknown): o is Record<string, unknown> {
  return o !== null && typeof o === 'object' && !Array.isArray(o);
}

/**
 * The hot path of a path read: follows the names through plain objects. Returns MISS as soon as a
 * value on the way is not a plain object (absent, false, a list, a scalar): the full reader then
 * gives the same answer as always, including its error. A static function: the optimiser can
 * inline it into the compiled closures. Paths of one to three names are read without a loop.
 */
export function fastRead(o: unknown, fp: FastPath): unknown {
  return isRecord(o) ? fastReadFrom(o, fp) : MISS;
}

/**
 * fastRead of a scope's value: the scope has checked once whether its value is a plain object,
 * and may hold the path's first relation already (FastPath.reg).
 */
export function scopeRead(s: Scope, fp: FastPath): unknown {
  const o = s.rec;
  if (o === undefined) return MISS;
  switch (fp.reg) {
    case 0:
      return fastReadFrom(o, fp);
    case 1:
      return fromFirst(s.c0, fp);
    default:
      return fromFirst(s.c1, fp);
  }
}

/** fastRead after the first name, from its value `a` (paths of two names or more). */
function fromFirst(a: unknown, fp: FastPath): unknown {
  if (!isRecord(a)) return MISS;
  switch (fp.n) {
    case 2:
      return getSlot(a, fp.s1, fp.k1);
    case 3: {
      const b = getSlot(a, fp.s1, fp.k1);
      return isRecord(b) ? getSlot(b, fp.s2, fp.k2) : MISS;
    }
    default:
      return readNames(a, fp, 1);
  }
}

/**
 * The relations read once per item of an each: the first name of the paths (two names or more)
 * that two or more of them share, at most two (product_id for product_id.default_code,
 * product_id.name and product_id.uom_id). Their paths then read from the scope's c0 / c1.
 */
export class Prefixes {
  readonly n: number;
  readonly k0: string;
  readonly s0: number;
  readonly k1: string;
  readonly s1: number;
  constructor(paths: readonly FastPath[]) {
    const uses = new Map<string, number>();
    for (const fp of paths) if (fp.n >= 2) uses.set(fp.k0, (uses.get(fp.k0) ?? 0) + 1);
    const shared = [...uses].filter(([, n]) => n >= 2).sort((a, b) => b[1] - a[1]).slice(0, 2).map(([k]) => k);
    for (const fp of paths) if (fp.n >= 2 && shared.includes(fp.k0)) fp.reg = shared.indexOf(fp.k0) + 1;
    this.n = shared.length;
    this.k0 = shared[0] ?? '';
    this.s0 = slotOf(this.k0);
    this.k1 = shared[1] ?? '';
    this.s1 = slotOf(this.k1);
  }

  /** Reads the shared relations of an item (a plain object) into its scope. */
  load(s: Scope, o: Record<string, unknown>): void {
    if (this.n > 0) s.c0 = getSlot(o, this.s0, this.k0);
    if (this.n > 1) s.c1 = getSlot(o, this.s1, this.k1);
  }
}

/** fastRead from a plain object. */
function fastReadFrom(o: Record<string, unknown>, fp: FastPath): unknown {
  const a = getSlot(o, fp.s0, fp.k0);
  return fp.n === 1 ? a : fromFirst(a, fp);
}

/** fastRead of a path of any length, by a loop (paths of four names or more). */
export function fastReadLoop(o: unknown, fp: FastPath): unknown {
  return readNames(o, fp, 0);
}

/** Follows the names of a path from the `start`-th on. */
function readNames(o: unknown, fp: FastPath, start: number): unknown {
  const names = fp.names;
  const slots = fp.slots;
  for (let i = start; i < names.length; i++) {
    if (!isRecord(o)) return MISS;
    o = getSlot(o, slots[i]!, names[i]!);
  }
  return o;
}

/** Compiles a parsed path into a reader: value, undefined (absent) or FAIL (wrong shape, recorded). */
export function readPath(p: ParsedPath): Reader {
  const segs = p.segs.map((x) => (typeof x === 'string' ? internalize(x) : x));
  const get = makeGetter(segs);
  const onBad = (start: unknown, s: Scope, rt: Rt, site: Site): typeof FAIL => {
    const prefix = p.root === 'vars' || p.root === 'meta' ? '$' + p.root : p.root === 'root' ? '' : scopePath(p.root === 'parent' ? s.p : s);
    const d = diagnose(start, segs, prefix);
    return rt.fail(site, d.at, d.problem);
  };
  const names = segs.every((x) => typeof x === 'string') ? (segs as string[]) : undefined;
  // Property-name paths go through fastRead (one access site per name, see slots.ts); the
  // readers below answer when it cannot decide (absent or wrong-shaped values on the way).
  const fp = names ? makeFastPath(names) : undefined;
  if (fp && (p.root === 'scope' || p.root === 'vars' || p.root === 'meta')) {
    const slow = readPathSlow(p, segs, get, onBad, names);
    if (p.root === 'scope') {
      return (s, rt, site) => {
        const v = scopeRead(s, fp);
        return isMiss(v) ? slow(s, rt, site) : v;
      };
    }
    const key = p.root;
    return (s, rt, site) => {
      const v = fastRead(rt.ctx[key], fp);
      return isMiss(v) ? slow(s, rt, site) : v;
    };
  }
  return readPathSlow(p, segs, get, onBad, names);
}

function readPathSlow(
  p: ParsedPath,
  segs: (string | number)[],
  get: (v: unknown) => unknown,
  onBad: (start: unknown, s: Scope, rt: Rt, site: Site) => typeof FAIL,
  names: string[] | undefined,
): Reader {
  switch (p.root) {
    case 'scope':
      if (segs.length === 0) return (s) => s.v;
      // Fused readers for the common short paths (one closure call instead of two).
      if (names && names.length === 1) {
        const a = names[0]!;
        return (s, rt, site) => {
          const o = s.v;
          if (o === null || typeof o !== 'object' || Array.isArray(o)) return o === undefined || o === null || o === false ? undefined : onBad(o, s, rt, site);
          return (o as Record<string, unknown>)[a];
        };
      }
      if (names && names.length === 2) {
        const a = names[0]!;
        const b = names[1]!;
        return (s, rt, site) => {
          const o = s.v;
          if (o === null || typeof o !== 'object' || Array.isArray(o)) return o === undefined || o === null || o === false ? undefined : onBad(o, s, rt, site);
          const w = (o as Record<string, unknown>)[a];
          if (w === null || w === undefined || w === false) return undefined;
          if (typeof w !== 'object' || Array.isArray(w)) return onBad(o, s, rt, site);
          return (w as Record<string, unknown>)[b];
        };
      }
      if (names && names.length === 3) {
        const a = names[0]!;
        const b = names[1]!;
        const c = names[2]!;
        return (s, rt, site) => {
          const o = s.v;
          if (o === null || typeof o !== 'object' || Array.isArray(o)) return o === undefined || o === null || o === false ? undefined : onBad(o, s, rt, site);
          const w = (o as Record<string, unknown>)[a];
          if (w === null || w === undefined || w === false) return undefined;
          if (typeof w !== 'object' || Array.isArray(w)) return onBad(o, s, rt, site);
          const x = (w as Record<string, unknown>)[b];
          if (x === null || x === undefined || x === false) return undefined;
          if (typeof x !== 'object' || Array.isArray(x)) return onBad(o, s, rt, site);
          return (x as Record<string, unknown>)[c];
        };
      }
      return (s, rt, site) => {
        const v = get(s.v);
        return v === BAD_SHAPE ? onBad(s.v, s, rt, site) : v;
      };
    case 'root':
      return (_s, rt, site) => {
        const v = get(rt.root.v);
        return v === BAD_SHAPE ? onBad(rt.root.v, _s, rt, site) : v;
      };
    case 'parent':
      return (s, rt, site) => {
        const start = s.p?.v;
        const v = get(start);
        return v === BAD_SHAPE ? onBad(start, s, rt, site) : v;
      };
    case 'vars':
    case 'meta': {
      const key = p.root;
      return (s, rt, site) => {
        const start = rt.ctx[key];
        const v = get(start);
        return v === BAD_SHAPE ? onBad(start, s, rt, site) : v;
      };
    }
    case 'event':
      return (_s, rt) => rt.ctx.event;
    case 'now':
      return (_s, rt) => nowString(rt) || undefined;
  }
}

/** Slow path used for error messages: where exactly a path is missing. */
export function explainPath(p: ParsedPath, s: Scope, rt: Rt): { at: string; problem: string } {
  switch (p.root) {
    case 'event':
      return { at: '$event', problem: 'no event given' };
    case 'now':
      return { at: '$now', problem: 'invalid current time' };
    case 'vars':
    case 'meta':
      return diagnose(rt.ctx[p.root], p.segs, '$' + p.root);
    case 'root':
      return diagnose(rt.root.v, p.segs, '');
    case 'parent':
      return diagnose(s.p?.v, p.segs, scopePath(s.p));
    case 'scope':
      return p.segs.length ? diagnose(s.v, p.segs, scopePath(s)) : { at: scopePath(s), problem: 'missing' };
  }
}

export interface ValueLimits {
  maxValueDepth: number;
  maxValueNodes: number;
}

/** Copies a value passed through from the data, refusing prototype keys and oversize trees. */
export function sanitizeValue(v: unknown, limits: ValueLimits): { value: unknown } | string {
  let nodes = 0;
  const walk = (x: unknown, depth: number): unknown => {
    if (++nodes > limits.maxValueNodes) throw new Error(`value too large (more than ${limits.maxValueNodes} nodes)`);
    if (x === null || typeof x !== 'object') return x;
    if (depth >= limits.maxValueDepth) throw new Error(`value nested too deeply (more than ${limits.maxValueDepth} levels)`);
    if (Array.isArray(x)) return x.map((y) => walk(y, depth + 1));
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(x)) {
      if (isForbiddenKey(k)) throw new Error(`key '${k}' is not allowed in data`);
      o[k] = walk((x as Record<string, unknown>)[k], depth + 1);
    }
    return o;
  };
  try {
    return { value: walk(v, 0) };
  } catch (e) {
    return (e as Error).message;
  }
}

export type TypeCheck = (v: unknown) => undefined | string | { value: unknown };

/**
 * The check for a structured type (object, array, any). With `passThrough` (the value was read
 * from the data by a path) the value is copied, refusing prototype keys and oversize trees.
 */
export function checkType(type: string, limits: ValueLimits, passThrough: boolean): TypeCheck | undefined {
  const isObj = (v: unknown) => v !== null && typeof v === 'object';
  switch (type) {
    case 'object':
      return (v) => {
        if (!isObj(v) || Array.isArray(v)) return `expected an object, got ${describe(v)}`;
        return passThrough ? sanitizeValue(v, limits) : undefined;
      };
    case 'array':
      return (v) => {
        if (!Array.isArray(v)) return `expected a list, got ${describe(v)}`;
        return passThrough ? sanitizeValue(v, limits) : undefined;
      };
    default:
      return passThrough ? (v) => (isObj(v) ? sanitizeValue(v, limits) : undefined) : undefined;
  }
}

export type Node = (s: Scope, rt: Rt) => unknown;
export type Cond = (s: Scope, rt: Rt) => boolean;

export { renderSegs };

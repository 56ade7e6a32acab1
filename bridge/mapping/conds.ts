/**
 * Conditions (where / when / if) on a path, compiled to plain data evaluated by static functions.
 *
 * A comparison is a Compare (operator code, the path, the argument); `all` / `any` of comparisons
 * is a CondList. evalCompare and evalList are static functions: `each` calls them directly for
 * its `where`, so a filter costs no closure call per item, and the path is read inline by
 * fastRead. The closures the compiler returns (type Cond) call the same functions, so both ways
 * give the same answers and report the same errors.
 */
import { describe } from './path.js';
import { isFail, isMiss, MISS, scopeRead, type FastPath, type Reader, type Rt, type Scope, type Site } from './runtime.js';

/** Comparator codes. */
export const enum Op {
  Eq,
  EqNull,
  Ne,
  NeNull,
  In,
  NotIn,
  Exists,
  Absent,
  StartsWith,
  Gt,
  Gte,
  Lt,
  Lte,
}

const OP_OF: Record<string, Op> = { eq: Op.Eq, ne: Op.Ne, in: Op.In, not_in: Op.NotIn, starts_with: Op.StartsWith, gt: Op.Gt, gte: Op.Gte, lt: Op.Lt, lte: Op.Lte };

/** One comparison of the value at a path with a constant. */
export class Compare {
  readonly op: Op;
  /** The argument (eq, ne, starts_with, gt ...). */
  readonly arg: unknown;
  readonly set: ReadonlySet<unknown> | undefined;
  /** typeof the argument, for the ordering comparators. */
  readonly want: string;
  constructor(
    /** The comparator's name, as written (eq, gt ...). */
    readonly comparator: string,
    arg: unknown,
    /** Property names read inline, when the path is made only of them. */
    readonly fp: FastPath | undefined,
    /** The full reader: the same value, or the error, when fastRead cannot decide. */
    readonly full: Reader,
    readonly site: Site,
    /** Odoo `false` counts as absent (outbound) for exists. */
    readonly falseAbsent: boolean,
  ) {
    this.op =
      comparator === 'exists' ? (arg ? Op.Exists : Op.Absent) : comparator === 'eq' && arg === null ? Op.EqNull : comparator === 'ne' && arg === null ? Op.NeNull : OP_OF[comparator]!;
    this.arg = arg;
    this.set = this.op === Op.In || this.op === Op.NotIn ? new Set(arg as unknown[]) : undefined;
    this.want = typeof arg;
  }
}

/** `all` (every item true) or `any` (one item true) of comparisons. */
export class CondList {
  constructor(
    readonly all: boolean,
    readonly items: readonly Compare[],
  ) {}
}

export type CondPlan = Compare | CondList;

/** Evaluates a comparison. A read that fails (wrong shape) records its error; the run fails whatever this gives. */
export function evalCompare(c: Compare, s: Scope, rt: Rt): boolean {
  const fp = c.fp;
  let v = fp === undefined ? MISS : scopeRead(s, fp);
  if (isMiss(v)) v = c.full(s, rt, c.site);
  switch (c.op) {
    case Op.Eq:
      return v === c.arg;
    case Op.EqNull:
      return v == null;
    case Op.Ne:
      return v !== c.arg;
    case Op.NeNull:
      return v != null;
    case Op.In:
      return c.set!.has(v ?? null);
    case Op.NotIn:
      return !c.set!.has(v ?? null);
    case Op.Exists:
      return v != null && !(c.falseAbsent && v === false);
    case Op.Absent:
      return v == null || (c.falseAbsent && v === false);
    case Op.StartsWith:
      return typeof v === 'string' && v.startsWith(c.arg as string);
    default:
      return order(c, v, s, rt);
  }
}

/** gt, gte, lt, lte: false for an absent value; an error (and false) for a value of another type. */
function order(c: Compare, v: unknown, s: Scope, rt: Rt): boolean {
  if (v == null || v === false || isFail(v)) return false;
  if (typeof v !== c.want) {
    rt.fail(c.site, c.site.data(s), `cannot compare ${describe(v)} with ${c.want} ${String(c.arg)} (${c.comparator})`);
    return false;
  }
  const a = v as number;
  const b = c.arg as number;
  switch (c.op) {
    case Op.Gt:
      return a > b;
    case Op.Gte:
      return a >= b;
    case Op.Lt:
      return a < b;
    default:
      return a <= b;
  }
}

/** Evaluates `all` / `any` in order, stopping at the first item that decides. */
export function evalList(l: CondList, s: Scope, rt: Rt): boolean {
  const items = l.items;
  const n = items.length;
  if (l.all) {
    for (let i = 0; i < n; i++) if (!evalCompare(items[i]!, s, rt)) return false;
    return true;
  }
  for (let i = 0; i < n; i++) if (evalCompare(items[i]!, s, rt)) return true;
  return false;
}

/** Evaluates a condition plan (a comparison or a list of them). */
export function evalPlan(p: CondPlan, s: Scope, rt: Rt): boolean {
  return p instanceof CondList ? evalList(p, s, rt) : evalCompare(p, s, rt);
}

/**
 * The common case of the hot pipe functions, as plain data run by one static function.
 *
 * Each pipe function is a closure (steps.ts) that checks its input and reports errors. For the
 * functions that dominate real mappings (trim, lower, upper, truncate, round, map, uom,
 * format_date to ISO), compileStep also records a FastStep: the operation code and its compiled
 * argument. runFastStep applies it when the input is of the expected kind and gives MISS
 * otherwise; the closure then runs and gives its usual answer or error. So the fast path never
 * decides an error, and a run gives the same values with or without it; it only saves the
 * closure call (one shared call site for every step of every mapping, which the optimiser cannot
 * inline).
 */
import { odooUtcToIso } from './datetime.js';
import { convertUomRecords, floatRound, type RoundMethod } from './numeric.js';
import { isRecord, MISS, scopeRead, type FastPath, type Scope } from './runtime.js';
import type { StepFn } from './steps.js';

export const enum FastOp {
  Trim,
  Lower,
  Upper,
  Truncate,
  Round,
  Lookup,
  Uom,
  IsoDate,
}

export class FastStep {
  constructor(
    readonly op: FastOp,
    /** truncate: the length; round: the rounding (0.01 for 2 digits). */
    readonly n = 0,
    /** round, uom: the rounding method. */
    readonly method: RoundMethod = 'HALF-UP',
    /** map: the table (string keys). */
    readonly table: ReadonlyMap<string, unknown> | undefined = undefined,
    /** uom: the unit paths (property names only) and whether to round. */
    readonly from: FastPath | undefined = undefined,
    readonly to: FastPath | undefined = undefined,
    readonly round = true,
  ) {}
}

const FAST = new WeakMap<StepFn, FastStep>();

/** Records the fast path of a step closure; returns the closure. */
export function withFast(fn: StepFn, fast: FastStep | undefined): StepFn {
  if (fast) FAST.set(fn, fast);
  return fn;
}

/** The fast path recorded for a step closure, if any. */
export function fastStepOf(fn: StepFn): FastStep | undefined {
  return FAST.get(fn);
}

/** The step's result for the common inputs, MISS for anything else (the closure decides). */
export function runFastStep(f: FastStep, v: unknown, s: Scope): unknown {
  switch (f.op) {
    case FastOp.Trim:
      return typeof v === 'string' ? v.trim() : MISS;
    case FastOp.Lower:
      return typeof v === 'string' ? v.toLowerCase() : MISS;
    case FastOp.Upper:
      return typeof v === 'string' ? v.toUpperCase() : MISS;
    case FastOp.Truncate:
      // Longer strings are cut by the closure (it keeps surrogate pairs whole).
      return typeof v === 'string' && v.length <= f.n ? v : MISS;
    case FastOp.Round:
      return typeof v === 'number' && Number.isFinite(v) ? floatRound(v, f.n, f.method) : MISS;
    case FastOp.Lookup:
      return typeof v === 'string' && f.table!.has(v) ? f.table!.get(v) : MISS;
    case FastOp.Uom:
      return uom(f, v, s);
    default: {
      const iso = odooUtcToIso(v);
      return iso === undefined ? MISS : iso;
    }
  }
}

/** uom when the quantity is a number and both units are records that convert without error. */
function uom(f: FastStep, v: unknown, s: Scope): unknown {
  if (typeof v !== 'number' || !Number.isFinite(v)) return MISS;
  const fu = scopeRead(s, f.from!);
  const tu = scopeRead(s, f.to!);
  if (!isRecord(fu) || !isRecord(tu)) return MISS;
  const r = convertUomRecords(v, fu, tu, f.round, f.method);
  return typeof r === 'number' ? r : MISS;
}

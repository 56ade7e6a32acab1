/**
 * Mapping compiler: YAML text -> validated constructs -> closures, once per mapping version.
 *
 * Pure: no I/O. Every problem in a file is collected (with line and column) before giving up.
 */
import { createHash } from 'node:crypto';
import { isMap, isSeq, isScalar, LineCounter, parseDocument, visit, type Node as YamlNode } from 'yaml';
import * as z from 'zod';
import { canonicalSchema, CANONICAL_KINDS } from '../canonical/index.js';
import type { MappingIssue } from './errors.js';
import {
  ARG_STEPS,
  COMPARATORS,
  conditionKinds,
  exprKinds,
  headerSchema,
  LANGUAGE_VERSION,
  MODIFIER_KEYS,
  NO_ARG_STEPS,
  SOURCE_KEYS,
  STEP_ARG_SCHEMAS,
  STEP_NAMES,
  type SourceKey,
} from './schema.js';
import { isForbiddenKey, parsePath, renderSegs, type ParsedPath } from './path.js';
import { compileStep, type StepFn } from './steps.js';
import { Compare, CondList, evalCompare, evalList, evalPlan, type CondPlan } from './conds.js';
import { setSlot, slotOf, withSlotOwner } from './slots.js';
import {
  FAIL,
  isFail,
  isMiss,
  MISS,
  fastPath,
  internalize,
  type FastPath,
  scopeRead,
  isRecord,
  Prefixes,
  type Cond,
  type Node,
  type Rt,
  type Scope,
  type Site,
  checkType,
  scopePath,
  readPath,
  explainPath,
} from './runtime.js';
import { describe } from './path.js';

export interface Limits {
  /** Largest mapping file accepted, in characters. */
  maxFileChars: number;
  /** Deepest nesting of constructs in a mapping file. */
  maxDepth: number;
  /** Most expressions in one mapping file. */
  maxNodes: number;
  /** Longest list one `each` (or `split`) may produce / walk. */
  maxItems: number;
  /** Most list items walked in one run, over all `each`. */
  maxTotalItems: number;
  /** Most run-time errors reported for one record (the rest are counted). */
  maxErrors: number;
  /** Deepest / largest object passed through with type object|array|any. */
  maxValueDepth: number;
  maxValueNodes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxFileChars: 512 * 1024,
  maxDepth: 40,
  maxNodes: 5000,
  maxItems: 10_000,
  maxTotalItems: 200_000,
  maxErrors: 50,
  maxValueDepth: 32,
  maxValueNodes: 10_000,
};

/** A cross-reference the mapping needs (declared statically; see collectLookups for concrete keys). */
export interface LookupDecl {
  kind: 'to_external' | 'from_external' | 'by_key';
  model: string;
  /** External system (to_external / from_external). */
  system?: string;
  /** Natural key field (by_key). */
  field?: string;
  /** Data path of the value looked up, `[]` marks list items, e.g. `order_line[].product_id`. */
  of: string;
  /** Construct in the mapping, e.g. `fields.products.each.inventory_item_id`. */
  construct: string;
}

/** One use of a path into the source record, for requiredSpec. */
export interface PathUse {
  segs: string[];
  /** Sub-fields needed under the leaf (e.g. factor, rounding, category_id for a uom). */
  leafFields?: string[];
  /** Where the path is written in the mapping file (for problems found later, e.g. the Odoo field check). */
  at: { line: number; col: number; construct: string };
}

export interface CompiledMapping {
  readonly file: string;
  readonly direction: 'outbound' | 'inbound';
  readonly source: string;
  readonly system: string;
  readonly events: readonly string[];
  readonly output: string;
  readonly odooModel: string | undefined;
  readonly description: string | undefined;
  /** sha256 (hex) of the normalised mapping (comments and layout do not count) and language version. */
  readonly version: string;
  readonly lookups: readonly LookupDecl[];
  /** Names used as $vars.<name> / $meta.<name>. */
  readonly vars: readonly string[];
  readonly meta: readonly string[];
  readonly usesNow: boolean;
  /** @internal */ readonly root: Node;
  /** @internal */ readonly paths: readonly PathUse[];
  /** @internal */ readonly outputSchema: z.ZodType | undefined;
  /** @internal */ readonly limits: Limits;
}

export type CompileResult = { ok: true; mapping: CompiledMapping } | { ok: false; issues: MappingIssue[] };

type YPath = (string | number)[];

interface Frame {
  /** Display path of the construct: fields.products.each.quantity */
  construct: string;
  /** Path of the node in the YAML document. */
  ypath: YPath;
  depth: number;
  /** Segment stack of record-relative scopes; null entries are scopes not inside the record. */
  scopes: (string[] | null)[];
  /** Display of the data path of each scope, e.g. order_line[] */
  scopeDisplay: string[];
  /** Inside `first`: absence is not an error here. */
  lenient: boolean;
}

const EXPR_SHALLOW = exprKinds(z.unknown(), z.unknown(), z.unknown());
const COND_SHALLOW = conditionKinds(z.unknown());
const HEADER_SHALLOW = headerSchema(z.unknown());

function levenshtein(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

function suggest(word: string, options: readonly string[]): string {
  let best = '';
  let bestD = 3;
  for (const o of options) {
    const d = levenshtein(word, o);
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return best ? ` did you mean '${best}'?` : '';
}

function stableStringify(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return '[' + v.map(stableStringify).join(',') + ']';
  const o = v as Record<string, unknown>;
  return '{' + Object.keys(o).sort().map((k) => JSON.stringify(k) + ':' + stableStringify(o[k])).join(',') + '}';
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

interface SourceNode {
  get: Node;
  explain: (s: Scope, rt: Rt) => { at: string; problem: string };
  data: (s: Scope) => string;
  /** Path sources: the raw reader, so expr() can fuse read, absence and checks in one closure. */
  read?: (s: Scope, rt: Rt, site: Site) => unknown;
  readSite?: Site;
  falseAbsent?: boolean;
  /** Property names of a scope-relative path, read inline with fastRead. */
  names?: FastPath | undefined;
}

/** Type codes checked inline (no closure call): 1 string, 2 number, 3 integer, 4 boolean, 5 date, 6 datetime. */
const SIMPLE_TYPES: Record<string, number> = { string: 1, number: 2, integer: 3, boolean: 4, date: 5, datetime: 6 };
const DATE_ONLY_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Checks a value against a simple type code (0: a single value, not an object or list). */
function simpleTypeError(code: number, v: unknown): string | undefined {
  switch (code) {
    case 0:
      return v !== null && typeof v === 'object' ? `expected a single value, got ${describe(v)} (declare type: object, array or any to pass it through)` : undefined;
    case 1:
      return typeof v === 'string' ? undefined : `expected a string, got ${describe(v)}`;
    case 2:
      return typeof v === 'number' && Number.isFinite(v) ? undefined : `expected a number, got ${describe(v)}`;
    case 3:
      return Number.isInteger(v) ? undefined : `expected an integer, got ${describe(v)}`;
    case 4:
      return typeof v === 'boolean' ? undefined : `expected true or false, got ${describe(v)}`;
    case 5:
      return typeof v === 'string' && DATE_ONLY_RE.test(v) ? undefined : `expected a date YYYY-MM-DD, got ${describe(v)}`;
    default:
      return typeof v === 'string' && DATETIME_RE.test(v) ? undefined : `expected a datetime, got ${describe(v)}`;
  }
}

/**
 * A field read by a path, possibly piped and type-checked: the hot case. fieldsObject evaluates it
 * with the static runPlain (a direct call the optimiser can inline) instead of calling a closure
 * per field through one shared, megamorphic call site.
 */
class PlainField {
  readonly nsteps: number;
  constructor(
    /** Property names read inline, when the path is made only of them. */
    readonly fp: FastPath | undefined,
    /** The full reader: the same value, or the error, when fastRead cannot decide. */
    readonly read: (s: Scope, rt: Rt, site: Site) => unknown,
    readonly rsite: Site,
    /** Odoo `false` counts as absent. */
    readonly fa: boolean,
    readonly steps: readonly StepFn[],
    readonly stepNames: readonly (string | undefined)[],
    /** Simple type code (0: a single value). */
    readonly simple: number,
    readonly absent: (s: Scope, rt: Rt, after?: string) => unknown,
    readonly site: Site,
  ) {
    this.nsteps = steps.length;
  }
}

function runPlain(pf: PlainField, s: Scope, rt: Rt): unknown {
  const fp = pf.fp;
  let v = fp === undefined ? MISS : scopeRead(s, fp);
  if (isMiss(v)) v = pf.read(s, rt, pf.rsite);
  if (v === undefined || v === null || (pf.fa && v === false)) return pf.absent(s, rt);
  if (isFail(v)) return FAIL;
  const nsteps = pf.nsteps;
  if (nsteps > 0) {
    const steps = pf.steps;
    for (let i = 0; i < nsteps; i++) {
      v = steps[i]!(v, s, rt);
      if (isFail(v)) return FAIL;
      if (v === undefined) return pf.absent(s, rt, pf.stepNames[i]);
    }
  }
  // The common outcomes of the type check without a call; the rest (and every error) in simpleTypeError.
  const simple = pf.simple;
  if (simple === 0) {
    if (typeof v !== 'object') return v;
  } else if (simple === 1) {
    if (typeof v === 'string') return v;
  } else if (simple === 3) {
    if (Number.isInteger(v)) return v;
  }
  const err = simpleTypeError(simple, v);
  return err === undefined ? v : rt.fail(pf.site, pf.site.data(s), err);
}

/** An output object: its field names in order and how each value is computed. */
class ObjectPlan {
  readonly len: number;
  readonly slots: readonly number[];
  constructor(
    readonly names: readonly string[],
    readonly nodes: readonly Node[],
    /** The PlainField of each field that has one (evaluated by runPlain, not its closure). */
    readonly plain: readonly (PlainField | undefined)[],
  ) {
    this.len = names.length;
    this.slots = names.map(slotOf);
  }
}

/** Builds an output object; absent values leave their key out; FAIL when a field failed. */
function buildObject(op: ObjectPlan, s: Scope, rt: Rt): unknown {
  const o: Record<string, unknown> = {};
  let failed = false;
  const len = op.len;
  for (let i = 0; i < len; i++) {
    const pf = op.plain[i];
    const v = pf !== undefined ? runPlain(pf, s, rt) : op.nodes[i]!(s, rt);
    if (isFail(v)) failed = true;
    else if (v !== undefined) setSlot(o, op.slots[i]!, op.names[i]!, v);
  }
  return failed ? FAIL : o;
}

class Compiler {
  /** Plain path fields (see PlainField), by their node, for fieldsObject. */
  readonly plain = new WeakMap<Node, PlainField>();
  /** Conditions compiled to plain data (see conds.ts), by their closure, for each's where. */
  readonly condPlans = new WeakMap<Cond, CondPlan>();
  /** Fast paths read in each scope, by the scope stack of their frame (see Prefixes). */
  readonly scopePaths = new WeakMap<object, FastPath[]>();
  /** Output objects (see ObjectPlan), by their node, for each's fields. */
  readonly objects = new WeakMap<Node, ObjectPlan>();
  readonly issues: MappingIssue[] = [];
  readonly lookups: LookupDecl[] = [];
  readonly paths: PathUse[] = [];
  readonly vars = new Set<string>();
  readonly meta = new Set<string>();
  usesNow = false;
  nodes = 0;
  direction: 'outbound' | 'inbound' = 'outbound';
  system = '';

  constructor(
    readonly file: string,
    readonly lc: LineCounter,
    readonly doc: ReturnType<typeof parseDocument>,
    readonly limits: Limits,
    readonly odooSeries: number,
  ) {}

  // ---- positions and issues -------------------------------------------------------------

  /** Key -> pair of each YAML map, built on first use (positions are looked up for every node). */
  private readonly pairIndex = new WeakMap<object, Map<string, { key: unknown; value: unknown }>>();

  private nodeAt(ypath: YPath, key = false): YamlNode | undefined {
    let node: unknown = this.doc.contents;
    for (let i = 0; i < ypath.length; i++) {
      const seg = ypath[i]!;
      if (isMap(node)) {
        let index = this.pairIndex.get(node);
        if (!index) {
          index = new Map();
          for (const p of node.items) {
            const k = isScalar(p.key) ? String(p.key.value) : String(p.key);
            if (!index.has(k)) index.set(k, p);
          }
          this.pairIndex.set(node, index);
        }
        const pair = index.get(String(seg));
        if (!pair) return node as YamlNode;
        if (key && i === ypath.length - 1) return pair.key as YamlNode;
        node = pair.value ?? pair.key;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) return node as YamlNode;
        node = item;
      } else {
        return node as YamlNode;
      }
    }
    return node as YamlNode;
  }

  pos(ypath: YPath, key = false): { line: number; col: number } {
    const node = this.nodeAt(ypath, key);
    const offset = node?.range?.[0];
    if (offset === undefined) return { line: 1, col: 1 };
    return this.lc.linePos(offset);
  }

  issue(ypath: YPath, construct: string, message: string, key = false): void {
    const { line, col } = this.pos(ypath, key);
    this.issues.push({ file: this.file, line, col, construct, message });
  }

  site(f: Frame, dataDisplay?: (s: Scope) => string): Site {
    const { line, col } = this.pos(f.ypath);
    return { construct: f.construct, line, col, data: dataDisplay ?? ((s) => scopePath(s)) };
  }

  /** Validates `value` with a zod schema, reporting every issue at its own node. */
  validate(schema: z.ZodType, value: unknown, f: Frame, construct = f.construct): boolean {
    const r = schema.safeParse(value);
    if (r.success) return true;
    for (const iss of r.error.issues) {
      const sub = iss.path.filter((p): p is string | number => typeof p !== 'symbol');
      const ypath = [...f.ypath, ...sub];
      const where = sub.length ? `${construct}.${renderSegs(sub)}` : construct;
      if (iss.code === 'unrecognized_keys') {
        const allowed = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
        for (const k of iss.keys) {
          this.issue([...ypath, k], `${where}.${k}`.replace(/^\./, ''), `unknown key '${k}'${allowed.length ? ` (expected one of: ${allowed.join(', ')})` : ''}${suggest(k, allowed).replace(' did', '; did')}`, true);
        }
        continue;
      }
      let got: unknown = value;
      for (const s of sub) got = isPlainObject(got) || Array.isArray(got) ? (got as Record<string | number, unknown>)[s] : undefined;
      let msg: string;
      switch (iss.code) {
        case 'invalid_type':
          msg = got === undefined ? `required (expected ${iss.expected})` : `expected ${iss.expected}, got ${describe(got)}`;
          break;
        case 'invalid_value':
          msg = got === undefined ? `required (expected one of: ${iss.values.map((v) => String(v)).join(', ')})` : `expected one of: ${iss.values.map((v) => String(v)).join(', ')}; got ${describe(got)}`;
          break;
        case 'too_small':
          msg = iss.origin === 'array' ? `expected at least ${String(iss.minimum)} item(s)` : iss.origin === 'string' ? 'expected a non-empty string' : `expected at least ${String(iss.minimum)}, got ${describe(got)}`;
          break;
        case 'too_big':
          msg = iss.origin === 'array' ? `expected at most ${String(iss.maximum)} item(s)` : `expected at most ${String(iss.maximum)}, got ${describe(got)}`;
          break;
        case 'invalid_format':
          msg = `expected ${iss.message.replace(/^Invalid string: must match pattern .*$/, 'a valid name')}, got ${describe(got)}`;
          break;
        case 'invalid_union':
          msg = `expected ${describeUnion(where)}, got ${describe(got)}`;
          break;
        default:
          msg = iss.message;
      }
      this.issue(ypath, where, msg);
    }
    return false;
  }

  // ---- paths -------------------------------------------------------------------------------

  /**
   * Compiles a path reference relative to frame `f`; records its use for requiredSpec.
   * Returns the parsed path and, when inside the record, the absolute record segments.
   */
  path(text: unknown, f: Frame, ypath: YPath, construct: string, leafFields?: string[]): ParsedPath | undefined {
    if (typeof text !== 'string') {
      this.issue(ypath, construct, `expected a path string, got ${describe(text)}`);
      return undefined;
    }
    const p = parsePath(text);
    if (typeof p === 'string') {
      this.issue(ypath, construct, p);
      return undefined;
    }
    if (p.root === 'parent' && f.scopes.length < 2) {
      this.issue(ypath, construct, `'$parent' is only available inside each`);
      return undefined;
    }
    if (p.root === 'vars') this.vars.add(String(p.segs[0]));
    if (p.root === 'meta') this.meta.add(String(p.segs[0]));
    if (p.root === 'now') this.usesNow = true;
    const base = this.recordBase(p, f);
    if (base) {
      const segs = [...base, ...p.segs.filter((s): s is string => typeof s === 'string')];
      if (segs.length > 0 || leafFields) {
        const at = { ...this.pos(ypath), construct };
        this.paths.push(leafFields ? { segs, leafFields, at } : { segs, at });
      }
    }
    return p;
  }

  /** The FastPath of a path read in frame f, noted for its each's Prefixes. */
  fastPath(p: ParsedPath, f: Frame): FastPath | undefined {
    const fp = fastPath(p);
    if (fp) this.scopePaths.get(f.scopes)?.push(fp);
    return fp;
  }

  recordBase(p: ParsedPath, f: Frame): string[] | null {
    if (p.root === 'root') return [];
    if (p.root === 'scope') return f.scopes[f.scopes.length - 1] ?? null;
    if (p.root === 'parent') return f.scopes[f.scopes.length - 2] ?? null;
    return null;
  }

  displayOf(p: ParsedPath, f: Frame): string {
    const prefix =
      p.root === 'root' ? '' : p.root === 'scope' ? f.scopeDisplay[f.scopeDisplay.length - 1]! : p.root === 'parent' ? f.scopeDisplay[f.scopeDisplay.length - 2]! : '$' + p.root;
    return renderSegs(p.segs, prefix);
  }

  // ---- conditions ----------------------------------------------------------------------------

  cond(raw: unknown, f: Frame): Cond | undefined {
    if (f.depth > this.limits.maxDepth) {
      this.issue(f.ypath, f.construct, `nested too deeply (at most ${this.limits.maxDepth} levels)`);
      return undefined;
    }
    if (!isPlainObject(raw)) {
      this.issue(f.ypath, f.construct, `expected a condition object ({path, eq: ...}, {all: [...]}, {any: [...]} or {not: ...}), got ${describe(raw)}`);
      return undefined;
    }
    const sub = (k: string | number, r: unknown, name: string): Cond | undefined =>
      this.cond(r, { ...f, ypath: [...f.ypath, ...(typeof k === 'number' ? ['x', k].slice(1) : [k])], construct: name, depth: f.depth + 1 });
    if ('all' in raw || 'any' in raw) {
      const k = 'all' in raw ? 'all' : 'any';
      if (!this.validate(COND_SHALLOW[k], raw, f)) return undefined;
      const list = (raw[k] as unknown[]).map((c, i) =>
        this.cond(c, { ...f, ypath: [...f.ypath, k, i], construct: `${f.construct}.${k}[${i}]`, depth: f.depth + 1 }),
      );
      if (list.some((c) => !c)) return undefined;
      const cs = list as Cond[];
      const plans = cs.map((c) => this.condPlans.get(c));
      if (plans.every((x) => x instanceof Compare)) {
        const l = new CondList(k === 'all', plans as Compare[]);
        const node: Cond = (s, rt) => evalList(l, s, rt);
        this.condPlans.set(node, l);
        return node;
      }
      return k === 'all'
        ? (s, rt) => {
            for (const c of cs) if (!c(s, rt)) return false;
            return true;
          }
        : (s, rt) => {
            for (const c of cs) if (c(s, rt)) return true;
            return false;
          };
    }
    if ('not' in raw) {
      if (!this.validate(COND_SHALLOW.not, raw, f)) return undefined;
      const c = sub('not', raw['not'], `${f.construct}.not`);
      return c ? (s, rt) => !c(s, rt) : undefined;
    }
    if (!('path' in raw)) {
      this.issue(f.ypath, f.construct, `a condition needs path (with one of: ${COMPARATORS.join(', ')}), all, any or not${suggest(Object.keys(raw)[0] ?? '', ['path', 'all', 'any', 'not']).replace(' did', '; did')}`);
      return undefined;
    }
    if (!this.validate(COND_SHALLOW.compare, raw, f)) return undefined;
    const ops = COMPARATORS.filter((c) => c in raw);
    if (ops.length !== 1) {
      this.issue(f.ypath, f.construct, ops.length === 0 ? `expected one comparator (one of: ${COMPARATORS.join(', ')})` : `expected exactly one comparator, got ${ops.join(' and ')}`);
      return undefined;
    }
    const p = this.path(raw['path'], f, [...f.ypath, 'path'], `${f.construct}.path`);
    if (!p) return undefined;
    const op = ops[0]!;
    const arg = raw[op];
    // A read that fails (wrong shape) records its error; the run fails whatever the condition gives.
    const full = readPath(p);
    const falseAbsent = this.direction === 'outbound';
    const site = this.site(f, explainDisplay(this.displayOf(p, f), p));
    // Property-name paths are read inline by fastRead; the full reader answers otherwise.
    const c = new Compare(op, arg, this.fastPath(p, f), full, site, falseAbsent);
    const node: Cond = (s, rt) => evalCompare(c, s, rt);
    this.condPlans.set(node, c);
    return node;
  }

  // ---- expressions ---------------------------------------------------------------------------

  fieldsObject(raw: unknown, f: Frame): Node | undefined {
    if (!isPlainObject(raw)) {
      this.issue(f.ypath, f.construct, `expected a map of output field names to expressions, got ${describe(raw)}`);
      return undefined;
    }
    const keys: string[] = [];
    const nodes: Node[] = [];
    let ok = true;
    for (const k of Object.keys(raw)) {
      const construct = `${f.construct}.${k}`;
      if (k.length === 0 || k.length > 200 || isForbiddenKey(k)) {
        this.issue([...f.ypath, k], construct, `output field name '${k}' is not allowed`, true);
        ok = false;
        continue;
      }
      const n = this.expr(raw[k], { ...f, ypath: [...f.ypath, k], construct, depth: f.depth + 1, lenient: false });
      if (!n) ok = false;
      else {
        keys.push(k);
        nodes.push(n);
      }
    }
    if (!ok) return undefined;
    const op = new ObjectPlan(keys.map(internalize), nodes, nodes.map((n) => this.plain.get(n)));
    const node: Node = (s, rt) => buildObject(op, s, rt);
    this.objects.set(node, op);
    return node;
  }

  expr(raw: unknown, f: Frame): Node | undefined {
    if (++this.nodes > this.limits.maxNodes) {
      if (this.nodes === this.limits.maxNodes + 1) this.issue(f.ypath, f.construct, `too many expressions (at most ${this.limits.maxNodes})`);
      return undefined;
    }
    if (f.depth > this.limits.maxDepth) {
      this.issue(f.ypath, f.construct, `nested too deeply (at most ${this.limits.maxDepth} levels)`);
      return undefined;
    }
    if (typeof raw === 'string') return this.expr({ path: raw }, f);
    if (!isPlainObject(raw)) {
      this.issue(f.ypath, f.construct, `expected a path string or an expression object (with one of: ${SOURCE_KEYS.join(', ')}), got ${describe(raw)}; write constants as {const: ...}`);
      return undefined;
    }
    const sources = SOURCE_KEYS.filter((k) => k in raw);
    // `fields` inside `each` is part of each, not a second source.
    const kinds = sources.includes('each') ? sources.filter((k) => k !== 'fields') : sources;
    if (kinds.length === 0) {
      const unknown = Object.keys(raw).filter((k) => !(MODIFIER_KEYS as readonly string[]).includes(k));
      const hint = unknown.length ? ` (unknown key '${unknown[0]}'${suggest(unknown[0]!, SOURCE_KEYS).replace('?', '')})`.replace(" did you mean", "; did you mean") : '';
      this.issue(unknown.length ? [...f.ypath, unknown[0]!] : f.ypath, f.construct, `expected one of: ${SOURCE_KEYS.join(', ')}${hint}`, unknown.length > 0);
      return undefined;
    }
    if (kinds.length > 1) {
      this.issue(f.ypath, f.construct, `conflicting sources ${kinds.map((k) => `'${k}'`).join(' and ')} (use exactly one)`);
      return undefined;
    }
    const kind = kinds[0] as SourceKey;
    if (!this.validate(EXPR_SHALLOW[kind], raw, f)) return undefined;
    const type = raw['type'] as string | undefined;
    const optional = raw['optional'] === true || f.lenient;
    const hasDefault = 'default' in raw;
    if (hasDefault && !this.constantOk(raw['default'], [...f.ypath, 'default'], `${f.construct}.default`)) return undefined;
    const defaultValue = hasDefault ? deepFreeze(raw['default']) : undefined;

    let when: Cond | undefined;
    if ('when' in raw) {
      when = this.cond(raw['when'], { ...f, ypath: [...f.ypath, 'when'], construct: `${f.construct}.when`, depth: f.depth + 1 });
      if (!when) return undefined;
    }

    // Source.
    const src = this.source(kind, raw, f, type);
    if (!src) return undefined;

    // Pipe.
    const steps: StepFn[] = [];
    if (Array.isArray(raw['pipe'])) {
      let ok = true;
      (raw['pipe'] as unknown[]).forEach((st, i) => {
        const sf = this.step(st, { ...f, ypath: [...f.ypath, 'pipe', i], construct: `${f.construct}.pipe[${i}]`, depth: f.depth + 1 }, src.data);
        if (sf) steps.push(sf);
        else ok = false;
      });
      if (!ok) return undefined;
    }

    const site = this.site(f, src.data);
    // Simple types (and the implicit "single value" of a path read) are checked inline by code;
    // object / array / any go through checkType, which copies values passed through from data.
    const simple = type === undefined ? (kind === 'path' ? 0 : -1) : (SIMPLE_TYPES[type] ?? -1);
    const structured = type !== undefined && simple < 0 ? checkType(type, this.limits, kind === 'path') : undefined;
    const get = src.get;
    const explain = src.explain;
    const nsteps = steps.length;
    const stepNames = Array.isArray(raw['pipe']) ? (raw['pipe'] as unknown[]).map((st) => (typeof st === 'string' ? st : Object.keys(st as object)[0])) : [];

    const absent = (s: Scope, rt: Rt, after?: string): unknown => {
      if (hasDefault) return defaultValue;
      if (optional) return undefined;
      const why = explain(s, rt);
      return rt.fail(site, why.at, after ? `empty after ${after} (add optional: true or a default to allow)` : `${why.problem} (add optional: true to allow)`);
    };
    const finish = (v: unknown, s: Scope, rt: Rt): unknown => {
      if (simple >= 0) {
        const err = simpleTypeError(simple, v);
        return err === undefined ? v : rt.fail(site, site.data(s), err);
      }
      if (!structured) return v;
      const r = structured(v);
      if (r === undefined) return v;
      return typeof r === 'string' ? rt.fail(site, site.data(s), r) : r.value;
    };

    let node: Node;
    if (src.read && simple >= 0) {
      // Fused path read (the hot case): one static function (runPlain) does the read, Odoo-false
      // handling, pipe and type check; fieldsObject calls it directly for its plain fields.
      const pf = new PlainField(src.names, src.read, src.readSite!, src.falseAbsent === true, steps, stepNames, simple, absent, site);
      node = (s, rt) => runPlain(pf, s, rt);
      if (!when) this.plain.set(node, pf);
    } else if (nsteps === 0 && simple < 0 && !structured) {
      node = (s, rt) => {
        const v = get(s, rt);
        return v === undefined ? absent(s, rt) : v;
      };
    } else {
      node = (s, rt) => {
        let v = get(s, rt);
        if (isFail(v)) return FAIL;
        if (v === undefined) return absent(s, rt);
        for (let i = 0; i < nsteps; i++) {
          v = steps[i]!(v, s, rt);
          if (isFail(v)) return FAIL;
          if (v === undefined) return absent(s, rt, stepNames[i]);
        }
        return finish(v, s, rt);
      };
    }
    if (when) {
      const inner = node;
      const w = when;
      return (s, rt) => (w(s, rt) ? inner(s, rt) : undefined);
    }
    return node;
  }

  constantOk(v: unknown, ypath: YPath, construct: string, depth = 0): boolean {
    if (depth > this.limits.maxValueDepth) {
      this.issue(ypath, construct, 'constant nested too deeply');
      return false;
    }
    if (Array.isArray(v)) return v.every((x, i) => this.constantOk(x, [...ypath, i], construct, depth + 1));
    if (isPlainObject(v)) {
      for (const k of Object.keys(v)) {
        if (isForbiddenKey(k)) {
          this.issue([...ypath, k], construct, `key '${k}' is not allowed`, true);
          return false;
        }
        if (!this.constantOk(v[k], [...ypath, k], construct, depth + 1)) return false;
      }
    }
    return true;
  }

  source(
    kind: SourceKey,
    raw: Record<string, unknown>,
    f: Frame,
    type: string | undefined,
  ): SourceNode | undefined {
    const none = () => ({ at: '', problem: 'missing' });
    const here = (s: Scope) => scopePath(s);
    switch (kind) {
      case 'path': {
        const p = this.path(raw['path'], f, [...f.ypath, 'path'], `${f.construct}.path`);
        if (!p) return undefined;
        const read = readPath(p);
        const falseAbsent = this.direction === 'outbound' && type !== 'boolean' && type !== 'any';
        const data = explainDisplay(this.displayOf(p, f), p);
        const site = this.site(f, data);
        const get: Node = falseAbsent
          ? (s, rt) => {
              const v = read(s, rt, site);
              return v === null || v === false ? undefined : v;
            }
          : (s, rt) => {
              const v = read(s, rt, site);
              return v === null ? undefined : v;
            };
        return { get, explain: (s, rt) => explainPath(p, s, rt), data, read, readSite: site, falseAbsent, names: this.fastPath(p, f) };
      }
      case 'const': {
        if (!this.constantOk(raw['const'], [...f.ypath, 'const'], `${f.construct}.const`)) return undefined;
        const c = deepFreeze(raw['const']);
        return { get: c === null ? () => undefined : () => c, explain: () => ({ at: '', problem: 'constant is null' }), data: here };
      }
      case 'list': {
        const list = raw['list'] as unknown[];
        const parts = list.map((e, i) => this.expr(e, { ...f, ypath: [...f.ypath, 'list', i], construct: `${f.construct}.list[${i}]`, depth: f.depth + 1, lenient: false }));
        if (parts.some((p) => !p)) return undefined;
        const ps = parts as Node[];
        return {
          get: (s, rt) => {
            const out: unknown[] = [];
            let failed = false;
            for (const p of ps) {
              const v = p(s, rt);
              if (isFail(v)) failed = true;
              else if (v !== undefined) out.push(v);
            }
            return failed ? FAIL : out;
          },
          explain: none,
          data: here,
        };
      }
      case 'concat':
      case 'first': {
        const list = raw[kind] as unknown[];
        const parts = list.map((e, i) =>
          this.expr(e, { ...f, ypath: [...f.ypath, kind, i], construct: `${f.construct}.${kind}[${i}]`, depth: f.depth + 1, lenient: kind === 'first' }),
        );
        if (parts.some((p) => !p)) return undefined;
        const ps = parts as Node[];
        if (kind === 'first') {
          return {
            get: (s, rt) => {
              for (const p of ps) {
                const v = p(s, rt);
                if (v !== undefined) return v;
              }
              return undefined;
            },
            explain: () => ({ at: '', problem: `all ${ps.length} alternatives are missing` }),
            data: here,
          };
        }
        const sep = typeof raw['sep'] === 'string' ? raw['sep'] : '';
        const site = this.site(f);
        return {
          get: (s, rt) => {
            let out = '';
            let any = false;
            for (let i = 0; i < ps.length; i++) {
              const v = ps[i]!(s, rt);
              if (isFail(v)) return FAIL;
              if (v === undefined || v === '') continue;
              if (typeof v !== 'string' && typeof v !== 'number') return rt.fail(site, scopePath(s), `concat part ${i + 1}: expected a string or number, got ${describe(v)}`);
              out = any ? out + sep + v : String(v);
              any = true;
            }
            return any ? out : undefined;
          },
          explain: () => ({ at: '', problem: 'all parts are empty' }),
          data: here,
        };
      }
      case 'if': {
        const c = this.cond(raw['if'], { ...f, ypath: [...f.ypath, 'if'], construct: `${f.construct}.if`, depth: f.depth + 1 });
        const t = this.expr(raw['then'], { ...f, ypath: [...f.ypath, 'then'], construct: `${f.construct}.then`, depth: f.depth + 1 });
        const e = 'else' in raw ? this.expr(raw['else'], { ...f, ypath: [...f.ypath, 'else'], construct: `${f.construct}.else`, depth: f.depth + 1 }) : null;
        if (!c || !t || e === undefined) return undefined;
        return {
          get: e ? (s, rt) => (c(s, rt) ? t(s, rt) : e(s, rt)) : (s, rt) => (c(s, rt) ? t(s, rt) : undefined),
          explain: () => ({ at: '', problem: 'condition is false and there is no else' }),
          data: here,
        };
      }
      case 'fields': {
        const n = this.fieldsObject(raw['fields'], { ...f, ypath: [...f.ypath, 'fields'] });
        return n ? { get: n, explain: none, data: here } : undefined;
      }
      case 'each':
        return this.each(raw, f);
      case 'external_id':
      case 'odoo_id':
        return this.lookup(kind, raw[kind] as Record<string, unknown>, f);
    }
  }

  each(raw: Record<string, unknown>, f: Frame): ReturnType<Compiler['source']> {
    const hasFields = 'fields' in raw;
    const hasValue = 'value' in raw;
    if (hasFields === hasValue) {
      this.issue(f.ypath, f.construct, hasFields ? "use either fields or value in each, not both" : 'each needs fields: (a list of objects) or value: (a list of values)');
      return undefined;
    }
    const command = raw['command'] as string | undefined;
    if (command && this.direction !== 'inbound') {
      this.issue([...f.ypath, 'command'], `${f.construct}.command`, 'x2many commands are only for inbound mappings', true);
      return undefined;
    }
    const p = this.path(raw['each'], f, [...f.ypath, 'each'], `${f.construct}.each`);
    if (!p) return undefined;
    const base = this.recordBase(p, f);
    const itemSegs = base ? [...base, ...p.segs.filter((s): s is string => typeof s === 'string')] : null;
    const disp = this.displayOf(p, f) + '[]';
    const inner: Frame = {
      ...f,
      construct: `${f.construct}.each`,
      depth: f.depth + 1,
      scopes: [...f.scopes, itemSegs],
      scopeDisplay: [...f.scopeDisplay, disp],
      lenient: false,
    };
    this.scopePaths.set(inner.scopes, []);
    let where: Cond | undefined;
    if ('where' in raw) {
      where = this.cond(raw['where'], { ...inner, ypath: [...f.ypath, 'where'], construct: `${f.construct}.where` });
      if (!where) return undefined;
    }
    const body = hasFields
      ? this.fieldsObject(raw['fields'], { ...inner, ypath: [...f.ypath, 'fields'] })
      : this.expr(raw['value'], { ...inner, ypath: [...f.ypath, 'value'], construct: `${f.construct}.each.value` });
    if (!body) return undefined;
    const prefixes = new Prefixes(this.scopePaths.get(inner.scopes)!);
    const read = readPath(p);
    const data = explainDisplay(this.displayOf(p, f), p);
    const site = this.site(f, data);
    const segText = renderSegs(p.segs);
    const rootKind = p.root;
    const limits = this.limits;
    const w = where;
    const wp = where ? this.condPlans.get(where) : undefined;
    const bp = this.objects.get(body);
    const get: Node = (s, rt) => {
      const arr = read(s, rt, site);
      if (arr === undefined || arr === null || arr === false) return undefined;
      if (isFail(arr)) return FAIL;
      if (!Array.isArray(arr)) return rt.fail(site, site.data(s), `expected a list, got ${describe(arr)}`);
      const n = arr.length;
      if (n > limits.maxItems) return rt.fail(site, site.data(s), `list too long (${n} items, at most ${limits.maxItems})`);
      rt.items += n;
      if (rt.items > limits.maxTotalItems) return rt.fail(site, site.data(s), `too many list items in one record (more than ${limits.maxTotalItems})`);
      const from = rootKind === 'root' ? rt.root : rootKind === 'parent' ? (s.p ?? s) : rootKind === 'scope' ? s : null;
      const out: unknown[] = [];
      let failed = false;
      // One scope object per list, moved from item to item: nothing keeps a scope after its
      // item is done (error messages render the data path when the error is recorded).
      const item: Scope = { v: undefined, rec: undefined, c0: undefined, c1: undefined, p: s, i: 0, from, seg: segText };
      for (let i = 0; i < n; i++) {
        const v0 = arr[i];
        item.v = v0;
        if (isRecord(v0)) {
          item.rec = v0;
          prefixes.load(item, v0);
        } else item.rec = undefined;
        item.i = i;
        if (wp !== undefined ? !evalPlan(wp, item, rt) : w && !w(item, rt)) continue;
        const v = bp !== undefined ? buildObject(bp, item, rt) : body(item, rt);
        if (isFail(v)) failed = true;
        else if (v !== undefined) out.push(v);
      }
      if (failed) return FAIL;
      switch (command) {
        case undefined:
          return out;
        case 'create':
          return out.map((v) => [0, 0, v]);
        case 'link':
          return out.map((v) => [4, v, 0]);
        case 'set':
          return [[6, 0, out]];
        default:
          return [[5, 0, 0], ...out.map((v) => [0, 0, v])];
      }
    };
    return { get, explain: (s, rt) => explainPath(p, s, rt), data };
  }

  lookup(kind: 'external_id' | 'odoo_id', spec: Record<string, unknown>, f: Frame): ReturnType<Compiler['source']> {
    const model = spec['model'] as string;
    const system = (spec['system'] as string | undefined) ?? this.system;
    const by = spec['by'] as string | undefined;
    const ypath = [...f.ypath, kind, 'of'];
    const p = this.path(spec['of'], f, ypath, `${f.construct}.${kind}.of`);
    if (!p) return undefined;
    if (by !== undefined && isForbiddenKey(by)) {
      this.issue([...f.ypath, kind, 'by'], `${f.construct}.${kind}.by`, `'${by}' is not allowed`);
      return undefined;
    }
    const display = this.displayOf(p, f).replace(/\[\]/g, '[]');
    const decl: LookupDecl =
      kind === 'external_id'
        ? { kind: 'to_external', model, system, of: display, construct: f.construct }
        : by
          ? { kind: 'by_key', model, field: by, of: display, construct: f.construct }
          : { kind: 'from_external', model, system, of: display, construct: f.construct };
    this.lookups.push(decl);
    const read = readPath(p);
    const data = explainDisplay(this.displayOf(p, f), p);
    const site = this.site(f, data);
    const falseAbsent = this.direction === 'outbound';
    const key = (s: Scope, rt: Rt): unknown => {
      const v = read(s, rt, site);
      if (v === null || v === undefined || (falseAbsent && v === false)) return undefined;
      return v;
    };
    if (kind === 'external_id') {
      const idOf = (v: unknown): number | undefined =>
        typeof v === 'number' ? v : isPlainObject(v) && typeof v['id'] === 'number' ? v['id'] : undefined;
      return {
        get: (s, rt) => {
          const v = key(s, rt);
          if (v === undefined || isFail(v)) return v;
          const id = idOf(v);
          if (id === undefined) return rt.fail(site, site.data(s), `expected a record or an id, got ${describe(v)}`);
          return rt.xref('to_external', model, system, id);
        },
        explain: (s, rt) => {
          const v = key(s, rt);
          if (v === undefined) return explainPath(p, s, rt);
          return { at: site.data(s), problem: `no ${system} id linked to ${model} ${String(idOf(v))}` };
        },
        data,
      };
    }
    return {
      get: (s, rt) => {
        const v = key(s, rt);
        if (v === undefined || isFail(v)) return v;
        if (typeof v !== 'string' && typeof v !== 'number') return rt.fail(site, site.data(s), `expected a string or number key, got ${describe(v)}`);
        return by ? rt.byKey(model, by, v) : rt.xref('from_external', model, system, String(v));
      },
      explain: (s, rt) => {
        const v = key(s, rt);
        if (v === undefined) return explainPath(p, s, rt);
        return {
          at: site.data(s),
          problem: by ? `no ${model} with ${by} = ${JSON.stringify(v)}` : `no ${model} linked to ${system} id ${JSON.stringify(String(v))}`,
        };
      },
      data,
    };
  }

  step(raw: unknown, f: Frame, data: (s: Scope) => string): StepFn | undefined {
    let name: string;
    let arg: unknown;
    let hasArg: boolean;
    if (typeof raw === 'string') {
      name = raw;
      arg = undefined;
      hasArg = false;
    } else if (isPlainObject(raw) && Object.keys(raw).length === 1) {
      name = Object.keys(raw)[0]!;
      arg = raw[name];
      hasArg = true;
    } else {
      this.issue(f.ypath, f.construct, `expected a function name or {name: argument}, got ${describe(raw)}`);
      return undefined;
    }
    if (!STEP_NAMES.includes(name)) {
      this.issue(f.ypath, f.construct, `unknown function '${name}' (expected one of: ${STEP_NAMES.join(', ')})${suggest(name, STEP_NAMES).replace(' did', '; did')}`);
      return undefined;
    }
    const argFrame = { ...f, ypath: hasArg ? [...f.ypath, name] : f.ypath, construct: `${f.construct}.${name}` };
    if ((NO_ARG_STEPS as readonly string[]).includes(name)) {
      if (hasArg) {
        this.issue(argFrame.ypath, argFrame.construct, `'${name}' takes no argument (write it as - ${name})`);
        return undefined;
      }
    } else {
      if (!hasArg) {
        this.issue(f.ypath, argFrame.construct, `'${name}' needs an argument (write it as - ${name}: ...)`);
        return undefined;
      }
      if (!this.validate(STEP_ARG_SCHEMAS[name as (typeof ARG_STEPS)[number]], arg, argFrame)) return undefined;
    }
    const site = this.site(f, data);
    const r = compileStep(name, arg, {
      site,
      limits: this.limits,
      odooSeries: this.odooSeries,
      path: (text, sub, leafFields) => {
        const p = this.path(text, f, [...argFrame.ypath, sub], `${argFrame.construct}.${sub}`, leafFields);
        if (!p) return undefined;
        const read = readPath(p);
        const d = explainDisplay(this.displayOf(p, f), p);
        const s2 = this.site(f, d);
        return { read, site: s2, display: d };
      },
    });
    if (typeof r === 'string') {
      this.issue(argFrame.ypath, argFrame.construct, r);
      return undefined;
    }
    return r;
  }
}

function describeUnion(construct: string): string {
  if (construct.endsWith('.round')) return 'a number of decimals (0-12) or {digits, method}';
  if (/\.(gt|gte|lt|lte)$/.test(construct)) return 'a number or a string';
  return 'a valid value';
}

/** Display of a data path relative to the scope it is read in. */
function explainDisplay(_display: string, p: ParsedPath): (s: Scope) => string {
  return (s) => {
    if (p.root === 'vars' || p.root === 'meta' || p.root === 'event' || p.root === 'now') return renderSegs(p.segs, '$' + p.root);
    const base = p.root === 'root' ? '' : p.root === 'parent' ? scopePath(s.p) : scopePath(s);
    return renderSegs(p.segs, base);
  };
}

export interface CompileOptions {
  limits?: Partial<Limits>;
  /**
   * Major version of the Odoo the mapping reads (default 18). It changes what Odoo-aware steps
   * read and how they compute: `uom` reads `category_id` and divides by the source factor up to
   * Odoo 18, and reads `parent_path` and multiplies by the source factor from Odoo 19 on (19
   * removed UoM categories and inverted the factor). The mapping's version hash does not
   * depend on it.
   */
  odooSeries?: number;
}

/** The series assumed when none is given: the addon's (Odoo 18). */
export const DEFAULT_ODOO_SERIES = 18;

/** Compiles mapping text. Never throws for a bad mapping: all issues come back with positions. */
export function compileMapping(text: string, file: string, options: CompileOptions = {}): CompileResult {
  // The property slots of this file's names (see slots.ts).
  return withSlotOwner(file, () => compile(text, file, options));
}

function compile(text: string, file: string, options: CompileOptions): CompileResult {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const fail = (line: number, col: number, construct: string, message: string): CompileResult => ({
    ok: false,
    issues: [{ file, line, col, construct, message }],
  });
  if (typeof text !== 'string') return fail(0, 0, '', 'expected the mapping text');
  if (text.length > limits.maxFileChars) return fail(0, 0, '', `file too large (${text.length} characters, at most ${limits.maxFileChars})`);
  const lc = new LineCounter();
  // uniqueKeys is checked below in one pass: the library's own check is quadratic in map size.
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false, strict: true, version: '1.2' });
  const duplicates: MappingIssue[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (seen.has(k)) {
          const lp = lc.linePos((pair.key as YamlNode | null)?.range?.[0] ?? 0);
          duplicates.push({ file, line: lp.line, col: lp.col, construct: '(yaml)', message: `invalid YAML: Map keys must be unique ('${k}' appears twice)` });
        }
        seen.add(k);
      }
    },
  });
  if (duplicates.length > 0 && doc.errors.length === 0) return { ok: false, issues: duplicates };
  if (doc.errors.length > 0) {
    // Later YAML errors are mostly consequences of the first ones: report a handful.
    const shown = doc.errors.slice(0, 5).map((e) => {
      const lp = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
      const hint = /flow-seq-start|flow-map|comma/.test(e.message) ? ' (inside { } or [ ], quote values that contain [ ] { } , or #)' : '';
      return { file, line: lp.line, col: lp.col, construct: '(yaml)', message: `invalid YAML: ${e.message.split('\n')[0]}${hint}` };
    });
    if (doc.errors.length > 5) shown.push({ ...shown[4]!, message: `... and ${doc.errors.length - 5} more YAML error(s) after this one` });
    return { ok: false, issues: shown };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    return fail(1, 1, '(yaml)', `invalid YAML: ${(e as Error).message}`);
  }
  const c = new Compiler(file, lc, doc, limits, options.odooSeries ?? DEFAULT_ODOO_SERIES);
  const top: Frame = { construct: '', ypath: [], depth: 0, scopes: [[]], scopeDisplay: [''], lenient: false };
  if (!isPlainObject(raw)) {
    c.issue([], '(file)', `expected a mapping document (direction, source, system, events, output, fields), got ${describe(raw)}`);
    return { ok: false, issues: c.issues };
  }
  const headerOk = c.validate(HEADER_SHALLOW, raw, top, '');
  // Fix up construct names for header issues (`.direction` -> `direction`).
  for (const i of c.issues) i.construct = i.construct.replace(/^\./, '') || '(file)';
  const direction = raw['direction'] === 'inbound' ? 'inbound' : 'outbound';
  c.direction = direction;
  c.system = typeof raw['system'] === 'string' ? raw['system'] : '';
  const output = typeof raw['output'] === 'string' ? raw['output'] : '';
  let outputSchema: z.ZodType | undefined;
  if (direction === 'inbound' && typeof raw['output'] === 'string') {
    if (output === 'odoo.vals') {
      if (typeof raw['odoo_model'] !== 'string') c.issue(['output'], 'output', 'odoo.vals needs odoo_model (the Odoo model the values are written to)');
    } else {
      outputSchema = canonicalSchema(output);
      if (!outputSchema) c.issue(['output'], 'output', `unknown output '${output}' for an inbound mapping (expected one of: ${[...CANONICAL_KINDS, 'odoo.vals'].join(', ')})`);
    }
  } else if (direction === 'outbound' && output.startsWith('canonical.')) {
    c.issue(['output'], 'output', 'canonical outputs are for inbound mappings');
  }
  if (direction === 'outbound' && 'odoo_model' in raw) c.issue(['odoo_model'], 'odoo_model', 'odoo_model is only for inbound mappings with output odoo.vals', true);
  let root: Node | undefined;
  if (isPlainObject(raw['fields'])) root = c.fieldsObject(raw['fields'], { ...top, construct: 'fields', ypath: ['fields'] });
  if (!headerOk || c.issues.length > 0 || !root) {
    c.issues.sort((a, b) => a.line - b.line || a.col - b.col);
    return { ok: false, issues: c.issues };
  }
  const version = createHash('sha256').update(`odoo-sync-bridge-mapping/${LANGUAGE_VERSION}\n`).update(stableStringify(raw)).digest('hex');
  const mapping: CompiledMapping = Object.freeze({
    file,
    direction,
    source: raw['source'] as string,
    system: raw['system'] as string,
    events: Object.freeze([...(raw['events'] as string[])]),
    output,
    odooModel: raw['odoo_model'] as string | undefined,
    description: raw['description'] as string | undefined,
    version,
    lookups: Object.freeze(c.lookups),
    vars: Object.freeze([...c.vars].sort()),
    meta: Object.freeze([...c.meta].sort()),
    usesNow: c.usesNow,
    root,
    paths: Object.freeze(c.paths),
    outputSchema,
    limits,
  });
  return { ok: true, mapping };
}

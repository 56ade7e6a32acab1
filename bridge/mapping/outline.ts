/**
 * What an outbound mapping writes, read statically (pure: no I/O): the output fields with their
 * source positions, and the finite set of values a field can take when the mapping alone decides
 * it (constants, `if` / `first` branches, a value map's table, $vars). Used by `sync-bridge
 * check-targets` to compare a mapping with the target's schema (CRM properties, picklists).
 * Run it on a mapping that compiles (loadMapping): a malformed file gives a partial outline.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode, type YAMLMap } from 'yaml';

/** One output field: where it is written and its expression (plain data). */
export interface FieldOutline {
  name: string;
  /** 1-based position of the field's key. */
  line: number;
  col: number;
  /** The expression as plain data (a path string or an expression object). */
  expr: unknown;
  /** Sub-fields: `fields: {...}` or `each: ... fields: {...}`. */
  fields?: Record<string, FieldOutline>;
  /** Items of `list: [...]` (each item an outline named by its index). */
  items?: FieldOutline[];
}

export interface MappingOutline {
  file: string;
  direction: string;
  source: string;
  system: string;
  events: string[];
  output: string;
  fields: Record<string, FieldOutline>;
}

function posOf(lc: LineCounter, node: YamlNode | null | undefined): { line: number; col: number } {
  const at = node?.range?.[0];
  return at === undefined ? { line: 0, col: 0 } : lc.linePos(at);
}

function outlineFields(map: YAMLMap, lc: LineCounter, doc: Document): Record<string, FieldOutline> {
  const out: Record<string, FieldOutline> = {};
  for (const pair of map.items) {
    const key = pair.key as YamlNode | null;
    const name = isScalar(key) ? String(key.value) : String(key);
    out[name] = outlineField(name, key, pair.value as YamlNode | null, lc, doc);
  }
  return out;
}

function outlineField(name: string, keyNode: YamlNode | null, value: YamlNode | null, lc: LineCounter, doc: Document): FieldOutline {
  const f: FieldOutline = { name, ...posOf(lc, keyNode ?? value), expr: value ? value.toJS(doc, { maxAliasCount: 50 }) : null };
  if (isMap(value)) {
    const sub = value.get('fields', true);
    if (isMap(sub)) f.fields = outlineFields(sub, lc, doc);
    const list = value.get('list', true);
    if (isSeq(list)) f.items = list.items.map((item, i) => outlineField(String(i), item as YamlNode, item as YamlNode, lc, doc));
  }
  return f;
}

/** The outline of a mapping text (positions as the compiler reports them: file:line:col). */
export function outlineMapping(text: string, file: string): MappingOutline {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false, version: '1.2' });
  const raw = (doc.toJS({ maxAliasCount: 50 }) ?? {}) as Record<string, unknown>;
  const fieldsNode = isMap(doc.contents) ? doc.contents.get('fields', true) : undefined;
  const s = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : '');
  return {
    file,
    direction: s('direction'),
    source: s('source'),
    system: s('system'),
    events: Array.isArray(raw['events']) ? (raw['events'] as unknown[]).map(String) : [],
    output: s('output'),
    fields: isMap(fieldsNode) ? outlineFields(fieldsNode, lc, doc) : {},
  };
}

type Scalar = string | number | boolean;
const isScalarValue = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function union(sets: Array<Scalar[] | undefined>): Scalar[] | undefined {
  const out: Scalar[] = [];
  for (const s of sets) {
    if (s === undefined) return undefined;
    for (const v of s) if (!out.includes(v)) out.push(v);
  }
  return out;
}

/** A path's values: `$vars.<name>` is known from the target's vars (absent: none); data paths are not. */
function pathValues(path: string, vars: Record<string, unknown>): Scalar[] | undefined {
  const m = /^\$vars\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(path);
  if (!m) return undefined;
  const v = vars[m[1]!];
  if (v === undefined || v === null || v === false) return [];
  return isScalarValue(v) ? [v] : undefined;
}

/** Steps that keep a finite set finite (the values are transformed one by one). */
const SCALAR_STEPS: Record<string, (v: Scalar) => Scalar | undefined> = {
  trim: (v) => (typeof v === 'string' ? v.trim() : v),
  upper: (v) => (typeof v === 'string' ? v.toUpperCase() : v),
  lower: (v) => (typeof v === 'string' ? v.toLowerCase() : v),
  string: (v) => String(v),
  nonempty: (v) => (v === '' ? undefined : v),
};

function applyStep(values: Scalar[] | undefined, step: unknown): Scalar[] | undefined {
  if (typeof step === 'string') {
    const fn = SCALAR_STEPS[step];
    if (!fn || values === undefined) return undefined;
    return union([values.map(fn).filter((v): v is Scalar => v !== undefined)]);
  }
  if (!isObj(step) || !isObj(step['map'])) return undefined;
  const { table, fallback, keep_unmatched: keep } = step['map'] as { table?: Record<string, unknown>; fallback?: unknown; keep_unmatched?: boolean };
  const outs = Object.values(table ?? {});
  if (!outs.every(isScalarValue) || (fallback !== undefined && !isScalarValue(fallback))) return undefined;
  if (values === undefined) {
    // Anything goes in; only the table's outputs (and the fallback) come out, unless unmatched values pass.
    if (keep) return undefined;
    return union([outs, fallback === undefined ? [] : [fallback]]);
  }
  const mapped: Scalar[] = [];
  for (const v of values) {
    const hit = table?.[String(v)];
    if (hit !== undefined) mapped.push(hit as Scalar);
    else if (fallback !== undefined) mapped.push(fallback as Scalar);
    else if (keep) mapped.push(v);
    // else: the event fails; nothing is written
  }
  return union([mapped]);
}

/**
 * Every value an expression can produce, when the mapping alone decides it; undefined when the
 * value comes from data (a record field, a lookup, a concatenation) and is not narrowed down by a
 * value map. Absent results (a `when` that is false, an `if` without `else`) add nothing.
 */
export function finiteValues(expr: unknown, vars: Record<string, unknown> = {}): Scalar[] | undefined {
  if (typeof expr === 'string') return pathValues(expr, vars);
  if (isScalarValue(expr)) return [expr];
  if (!isObj(expr)) return undefined;
  let values: Scalar[] | undefined;
  if ('const' in expr) values = isScalarValue(expr['const']) ? [expr['const']] : undefined;
  else if (typeof expr['path'] === 'string') values = pathValues(expr['path'], vars);
  else if ('if' in expr) values = union([finiteValues(expr['then'], vars), 'else' in expr ? finiteValues(expr['else'], vars) : []]);
  else if (Array.isArray(expr['first'])) values = union((expr['first'] as unknown[]).map((e) => finiteValues(e, vars)));
  else values = undefined;
  if (Array.isArray(expr['pipe'])) for (const step of expr['pipe'] as unknown[]) values = applyStep(values, step);
  // The default replaces an absent value (and one a step emptied) without going through the pipe.
  // ($vars: a var that is set is never absent.)
  const setVar = typeof expr['path'] === 'string' && (pathValues(expr['path'], vars)?.length ?? 0) > 0;
  if ('default' in expr && !setVar) values = union([values, isScalarValue(expr['default']) ? [expr['default']] : undefined]);
  return values;
}

/** The constant a field always has (`{const: x}` or a bare scalar), else undefined. */
export function constantOf(expr: unknown): unknown {
  if (isObj(expr) && 'const' in expr && !('pipe' in expr)) return expr['const'];
  return undefined;
}

/**
 * What kind of value an outbound mapping field writes, read statically (pure: no I/O): used by
 * `sync-bridge check-targets` to compare a field with the CRM property's declared type and
 * length. Only what the mapping itself decides is known: constants (and value-map outputs,
 * defaults), number steps, `fixed`, `format_date`, the string functions, `type:`. A value read
 * from Odoo and written as is has kind `unknown` (the Odoo field's type is not known offline), and
 * the checks never guess about it.
 */

/**
 * The kinds of value a mapping can write.
 * - `text`: a string a string function made from data (trim, upper, prefix, concat...): free text
 *   as far as the mapping says (a number property refuses it).
 * - `number`: a JSON number (number, round, multiply..., count, sum, uom, `type: number`).
 * - `numeric_text`: a number as a string (`fixed`, `string` after a number step).
 * - `boolean`, `boolean_text` (`string` after a boolean: "true" / "false").
 * - `date` (`YYYY-MM-DD`), `datetime` (ISO 8601 with a time and an offset, `format_date: iso`),
 *   `odoo_datetime` (`YYYY-MM-DD HH:MM:SS`, no zone), `time` (`HH:MM:SS`), `epoch_ms`, `epoch_s`
 *   (a number, or its string after `string`), `date_text` (another `format_date` pattern).
 * - `datetime_any`: `type: datetime` (Odoo's or ISO form).
 * - `unknown`: read from data, or not worked out.
 */
export type ValueKind =
  | 'unknown' | 'text' | 'number' | 'numeric_text' | 'boolean' | 'boolean_text'
  | 'date' | 'datetime' | 'odoo_datetime' | 'datetime_any' | 'time' | 'epoch_ms' | 'epoch_s' | 'date_text';

type Scalar = string | number | boolean;

/** One way a field can come out: its kind, how (for messages), the constant when fixed, the longest it can be. */
export interface ValueShape {
  kind: ValueKind;
  /** How the mapping makes it, for messages: "format_date iso", "trim", "constant 'yes'". */
  via: string;
  /** The value itself when the mapping fixes it (a constant, a value-map output, a default). */
  value?: Scalar;
  /** At most this many characters, when the mapping bounds it (truncate, a constant, prefix...). */
  maxLength?: { n: number; via: string };
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const ODOO_DT_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const NUMERIC_RE = /^-?\d+(\.\d+)?$/;

/** The kind of a constant value (what the CRM will see). */
export function kindOfValue(v: Scalar): ValueKind {
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return 'number';
  if (v === 'true' || v === 'false') return 'boolean_text';
  if (NUMERIC_RE.test(v)) return 'numeric_text';
  if (DATE_RE.test(v)) return 'date';
  if (ISO_DT_RE.test(v)) return 'datetime';
  if (ODOO_DT_RE.test(v)) return 'odoo_datetime';
  return 'text';
}

function constShape(v: Scalar, via?: string): ValueShape {
  const text = typeof v === 'string' ? `'${v.length > 40 ? `${v.slice(0, 37)}...` : v}'` : String(v);
  const shape: ValueShape = { kind: kindOfValue(v), via: via ?? `constant ${text}`, value: v };
  if (typeof v === 'string') shape.maxLength = { n: [...v].length, via: `constant of ${[...v].length} characters` };
  return shape;
}

const unknown = (via = 'a value read from data'): ValueShape => ({ kind: 'unknown', via });

/** `format_date`'s output kind from its format (named or a pattern). */
function formatKind(format: unknown): ValueKind {
  switch (format) {
    case 'iso': return 'datetime';
    case 'date': return 'date';
    case 'odoo': return 'odoo_datetime';
    case 'time': return 'time';
    case 'epoch_ms': return 'epoch_ms';
    case 'epoch_s': return 'epoch_s';
    default:
      if (format === 'YYYY-MM-DD') return 'date';
      // Only digit tokens (YYYYMMDD...): digits.
      if (typeof format === 'string' && /^(YYYY|MM|DD|HH|mm|ss|SSS)+$/.test(format)) return 'numeric_text';
      return 'date_text';
  }
}

const NUMBER_STEPS = new Set(['number', 'floor', 'ceil', 'abs', 'count', 'sum', 'round', 'multiply', 'divide', 'add', 'subtract', 'uom']);
/** String functions that keep what the text says (a date stays a date, digits stay digits). */
const KEEP_STEPS = new Set(['trim', 'upper', 'lower', 'nonempty']);
/** String functions that make new text from a string. */
const TEXT_STEPS = new Set(['truncate', 'prefix', 'suffix', 'replace', 'before', 'after']);

function stepLength(shape: ValueShape, name: string, arg: unknown): ValueShape['maxLength'] {
  const len = shape.maxLength;
  switch (name) {
    case 'truncate': {
      const n = typeof arg === 'number' ? arg : undefined;
      if (n === undefined) return undefined;
      return len && len.n <= n ? len : { n, via: `truncate: ${n}` };
    }
    case 'trim': case 'nonempty': case 'before': case 'after':
      return len;
    case 'prefix': case 'suffix':
      return len && typeof arg === 'string' ? { n: len.n + [...arg].length, via: `${len.via} + ${name} '${arg}'` } : undefined;
    case 'replace': {
      const r = isObj(arg) ? arg : {};
      return len && typeof r['find'] === 'string' && typeof r['with'] === 'string' && r['with'].length <= r['find'].length ? len : undefined;
    }
    default:
      return undefined;
  }
}

function applyStep(shapes: ValueShape[], step: unknown): ValueShape[] {
  const name = typeof step === 'string' ? step : isObj(step) ? Object.keys(step)[0] ?? '' : '';
  const arg = isObj(step) ? step[name] : undefined;
  if (name === 'map' && isObj(arg)) return mapShapes(shapes, arg);
  return shapes.map((s) => {
    const maxLength = stepLength(s, name, arg);
    const next = (kind: ValueKind, via: string): ValueShape => (maxLength ? { kind, via, maxLength } : { kind, via });
    if (NUMBER_STEPS.has(name)) return next('number', name);
    if (name === 'fixed') return next('numeric_text', 'fixed');
    if (name === 'format_date') return next(formatKind(isObj(arg) ? arg['format'] : undefined), `format_date ${String(isObj(arg) ? arg['format'] : '')}`);
    if (name === 'string') {
      if (s.value !== undefined) return constShape(String(s.value), s.via);
      if (s.kind === 'number') return next('numeric_text', `${s.via}, string`);
      if (s.kind === 'boolean') return next('boolean_text', `${s.via}, string`);
      return { ...s, via: `${s.via}, string` };
    }
    if (KEEP_STEPS.has(name)) {
      // A constant through trim/upper/lower: work the value out.
      if (s.value !== undefined && typeof s.value === 'string') {
        const v = name === 'trim' ? s.value.trim() : name === 'upper' ? s.value.toUpperCase() : name === 'lower' ? s.value.toLowerCase() : s.value;
        return constShape(v, s.via);
      }
      if (s.kind === 'unknown') return name === 'nonempty' ? s : next('text', name);
      return s;
    }
    if (TEXT_STEPS.has(name)) {
      // Free text from data; a date or a number cut or decorated is no longer sure to be one.
      return next(s.kind === 'unknown' || s.kind === 'text' ? 'text' : 'unknown', name);
    }
    // Lists (first, last, split, join, flatten) and anything else: not worked out.
    return unknown(name);
  });
}

/**
 * A value map: a known value becomes its entry (or the fallback, or itself with keep_unmatched;
 * no entry fails the event: nothing written); any other value becomes one of the table's outputs.
 */
function mapShapes(shapes: ValueShape[], arg: Record<string, unknown>): ValueShape[] {
  const table = isObj(arg['table']) ? arg['table'] : {};
  if (!Object.values(table).every((v) => v === null || isScalar(v))) return [unknown('a value map')];
  const fallback = isScalar(arg['fallback']) ? constShape(arg['fallback'], `value map fallback '${String(arg['fallback'])}'`) : undefined;
  const keep = arg['keep_unmatched'] === true;
  const entry = (v: unknown): ValueShape[] => (isScalar(v) ? [constShape(v, `value map output '${String(v)}'`)] : []);
  const out: ValueShape[] = [];
  let anyOther = false;
  for (const s of shapes) {
    if (s.value === undefined) { anyOther = true; if (keep) out.push(s); continue; }
    const key = String(s.value);
    if (key in table) out.push(...entry(table[key]));
    else if (fallback) out.push(fallback);
    else if (keep) out.push(s);
  }
  if (anyOther) {
    out.push(...Object.values(table).flatMap(entry));
    if (fallback) out.push(fallback);
  }
  return out;
}

/** A `type:` declaration narrows the value (the mapping fails the event otherwise). */
function declared(type: unknown, shapes: ValueShape[]): ValueShape[] {
  const to = (kind: ValueKind) => shapes.map((s) => (s.kind === 'unknown' ? { ...s, kind, via: `type: ${String(type)}` } : s));
  switch (type) {
    case 'number': case 'integer': return to('number');
    case 'boolean': return to('boolean');
    case 'date': return to('date');
    case 'datetime': return to('datetime_any');
    default: return shapes;
  }
}

/**
 * Every shape a field's expression can write, or undefined when it writes a structure (fields,
 * each, list) or nothing the checks compare. A branch read from data is an `unknown` shape.
 * `vars` are the target's vars (`$vars.x` is then a constant).
 */
export function valueShapes(expr: unknown, vars: Record<string, unknown> = {}): ValueShape[] | undefined {
  if (isScalar(expr) && typeof expr !== 'string') return [constShape(expr)];
  if (typeof expr === 'string') return pathShapes(expr, vars);
  if (!isObj(expr)) return undefined;
  let shapes: ValueShape[] | undefined;
  if ('const' in expr) {
    const c = expr['const'];
    if (c === null) return [];
    shapes = isScalar(c) ? [constShape(c)] : undefined;
  } else if (typeof expr['path'] === 'string') shapes = pathShapes(expr['path'], vars);
  else if ('if' in expr) shapes = joinShapes([valueShapes(expr['then'], vars), 'else' in expr ? valueShapes(expr['else'], vars) : []]);
  else if (Array.isArray(expr['first'])) shapes = joinShapes((expr['first'] as unknown[]).map((e) => valueShapes(e, vars)));
  else if (Array.isArray(expr['concat'])) shapes = concatShapes(expr['concat'] as unknown[], typeof expr['sep'] === 'string' ? expr['sep'] : '', vars);
  else if ('external_id' in expr) shapes = [unknown('an external id')];
  else return undefined;
  if (shapes === undefined) return undefined;
  if (Array.isArray(expr['pipe'])) for (const step of expr['pipe'] as unknown[]) shapes = applyStep(shapes, step);
  // The default replaces an absent value without going through the pipe.
  if (isScalar(expr['default'])) shapes = [...shapes, constShape(expr['default'], `default '${String(expr['default'])}'`)];
  return declared(expr['type'], shapes);
}

function pathShapes(path: string, vars: Record<string, unknown>): ValueShape[] {
  const m = /^\$vars\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(path);
  if (m) {
    const v = vars[m[1]!];
    if (v === undefined || v === null || v === false) return [];
    if (isScalar(v)) return [constShape(v, `$vars.${m[1]!} '${String(v)}'`)];
  }
  return [unknown()];
}

function joinShapes(sets: Array<ValueShape[] | undefined>): ValueShape[] | undefined {
  const out: ValueShape[] = [];
  for (const s of sets) {
    if (s === undefined) return undefined;
    out.push(...s);
  }
  return out;
}

/** concat: text joined by `sep` (its length bounded when every part is). */
function concatShapes(parts: unknown[], sep: string, vars: Record<string, unknown>): ValueShape[] {
  const each = parts.map((p) => valueShapes(p, vars));
  let total = 0;
  for (const s of each) {
    const longest = s === undefined || s.length === 0 ? undefined : Math.max(...s.map((x) => x.maxLength?.n ?? Infinity));
    total = longest === undefined ? Infinity : total + longest;
  }
  total += [...sep].length * Math.max(0, parts.length - 1);
  // Digits joined without a separator may still be digits: only a separator with other characters makes sure text.
  const kind: ValueKind = sep !== '' && !/^\d+$/.test(sep) ? 'text' : 'unknown';
  const shape: ValueShape = { kind, via: 'concat' };
  if (Number.isFinite(total)) shape.maxLength = { n: total, via: 'concat of bounded parts' };
  return [shape];
}

/** Number rounding and unit-of-measure conversion following Odoo's rules (odoo.tools.float_utils). */

export type RoundMethod = 'HALF-UP' | 'UP' | 'DOWN';

function digitsOf(rounding: number): number {
  if (rounding >= 1) return 0;
  return Math.min(12, Math.max(0, Math.ceil(-Math.log10(rounding) - 1e-9)));
}

/**
 * Odoo's float_round(value, precision_rounding=rounding, rounding_method=method): works on
 * value / rounding with a one-ulp epsilon so that 2.675 rounds like a human expects.
 */
export function floatRound(value: number, rounding: number, method: RoundMethod = 'HALF-UP'): number {
  if (value === 0 || !(rounding > 0)) return value === 0 ? 0 : value;
  // Small rounding factors (0.01) are inverted (100) as Odoo does: multiplying and dividing by
  // an integer is exact where multiplying by 0.01 is not.
  let inv = 0;
  if (rounding < 1) {
    const i = Math.round(1 / rounding);
    if (Math.abs(i * rounding - 1) < 1e-12) inv = i;
  }
  const normalized = inv ? value * inv : value / rounding;
  const sign = normalized < 0 ? -1 : 1;
  const abs = sign < 0 ? -normalized : normalized;
  // One ulp of the normalised value: 2 ** (log2(abs) - 52).
  const epsilon = abs * 2.220446049250313e-16;
  let r: number;
  if (method === 'HALF-UP') r = Math.floor(abs + epsilon + 0.5);
  else if (method === 'UP') r = Math.ceil(abs - epsilon);
  else r = Math.floor(abs + epsilon);
  if (r === 0) return 0;
  if (inv) return (sign * r) / inv;
  if (rounding === 1) return sign * r;
  const d = digitsOf(rounding);
  return Number((sign * r * rounding).toFixed(d));
}

export function roundDigits(value: number, digits: number, method: RoundMethod = 'HALF-UP'): number {
  return floatRound(value, 10 ** -digits, method);
}

/**
 * How an Odoo series relates units of measure:
 *   - `category` (Odoo up to 18): units convert within one `category_id`; a unit's `factor` is
 *     how many of it make the category's reference unit, so qty / from.factor * to.factor;
 *   - `tree` (Odoo 19 on): categories are gone; a unit is defined relative to another
 *     (`relative_uom_id`) and its stored `factor` is how many reference units it holds, so
 *     qty * from.factor / to.factor. Odoo 19 itself no longer refuses any pair; the engine still
 *     refuses units whose reference trees differ (`parent_path` roots), as 18 refused different
 *     categories: kilograms never become units by accident.
 * Rounding is the target unit's `rounding` in both (19 computes it from the *Product Unit*
 * decimal precision).
 */
export type UomRule = 'category' | 'tree';

export function uomRuleOf(odooSeries: number): UomRule {
  return odooSeries >= 19 ? 'tree' : 'category';
}

/** The uom.uom fields a conversion reads under each rule (the mapping's web_read spec). */
export const UOM_FIELDS: Record<UomRule, readonly string[]> = {
  category: ['factor', 'rounding', 'category_id', 'name'],
  tree: ['factor', 'rounding', 'parent_path', 'name'],
};

/** What the engine needs of a uom.uom record: `category` is its family, the category (18) or the tree root (19). */
export interface UomLike {
  factor: number;
  rounding: number;
  category: number;
  name?: string;
}

function idOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && typeof (v as Record<string, unknown>)['id'] === 'number') return (v as Record<string, unknown>)['id'] as number;
  return undefined;
}

/** The root unit id of a 19 unit: the first id of its `parent_path` ("1/7/12/"). */
function treeRoot(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const slash = v.indexOf('/');
  const n = Number(slash < 0 ? v : v.slice(0, slash));
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The unit's family under a rule: its category id (18) or its tree root (19). */
function familyOf(o: Record<string, unknown>, rule: UomRule): number | undefined {
  return rule === 'category' ? idOf(o['category_id']) : treeRoot(o['parent_path']);
}

/** Reads a web_read uom.uom dict; returns an error message when it lacks the needed fields. */
export function readUom(v: unknown, rule: UomRule = 'category'): UomLike | string {
  const fields = UOM_FIELDS[rule].slice(0, 3).join(', ');
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return `expected a unit of measure record (${fields})`;
  const o = v as Record<string, unknown>;
  const category = familyOf(o, rule);
  if (typeof o['factor'] !== 'number' || !(o['factor'] > 0)) return 'unit of measure has no positive factor';
  if (typeof o['rounding'] !== 'number' || !(o['rounding'] > 0)) return 'unit of measure has no positive rounding';
  if (category === undefined) return rule === 'category' ? 'unit of measure has no category_id' : 'unit of measure has no parent_path';
  const name = typeof o['name'] === 'string' ? o['name'] : undefined;
  return name === undefined
    ? { factor: o['factor'], rounding: o['rounding'], category }
    : { factor: o['factor'], rounding: o['rounding'], category, name };
}

function refusal(fromName: unknown, fc: number, toName: unknown, tc: number, rule: UomRule): string {
  const n = (name: unknown, family: number) => (typeof name === 'string' ? name : '#' + family);
  return `cannot convert from unit ${n(fromName, fc)} to ${n(toName, tc)}: ${rule === 'category' ? 'different categories' : 'different reference units'}`;
}

/**
 * Converts between two web_read uom.uom records (Odoo up to 18); returns the quantity or an
 * error message. Same rules as convertUom, without intermediate objects (hot path).
 */
export function convertUomRecords(qty: number, from: unknown, to: unknown, round: boolean, method: RoundMethod): number | string {
  if (from && to && typeof from === 'object' && typeof to === 'object') {
    const f = from as Record<string, unknown>;
    const t = to as Record<string, unknown>;
    const ff = f['factor'], tf = t['factor'], tr = t['rounding'];
    const fc = idOf(f['category_id']), tc = idOf(t['category_id']);
    if (typeof ff === 'number' && ff > 0 && typeof tf === 'number' && tf > 0 && typeof tr === 'number' && tr > 0 && fc !== undefined && tc !== undefined) {
      if (fc !== tc) return refusal(f['name'], fc, t['name'], tc, 'category');
      const amount = ff === tf ? qty : (qty / ff) * tf;
      return round ? floatRound(amount, tr, method) : amount;
    }
  }
  return convertRead(qty, from, to, round, method, 'category');
}

/** convertUomRecords for Odoo 19 and later (the `tree` rule). */
export function convertUomRecordsTree(qty: number, from: unknown, to: unknown, round: boolean, method: RoundMethod): number | string {
  return convertRead(qty, from, to, round, method, 'tree');
}

function convertRead(qty: number, from: unknown, to: unknown, round: boolean, method: RoundMethod, rule: UomRule): number | string {
  const fu = readUom(from, rule);
  if (typeof fu === 'string') return fu;
  const tu = readUom(to, rule);
  if (typeof tu === 'string') return tu;
  return convertUom(qty, fu, tu, round, method, rule);
}

/**
 * uom.uom._compute_quantity(qty, to_unit, round=True, rounding_method='UP'): refuses units of
 * different families (see UomRule), converts through the reference unit (18: divide by the
 * source factor, multiply by the target's; 19: the other way round), then rounds to the target
 * unit's rounding.
 */
export function convertUom(qty: number, from: UomLike, to: UomLike, round = true, method: RoundMethod = 'UP', rule: UomRule = 'category'): number | string {
  if (from.category !== to.category) return refusal(from.name, from.category, to.name, to.category, rule);
  if (from.factor === to.factor && from.rounding === to.rounding) return round ? floatRound(qty, to.rounding, method) : qty;
  const amount = rule === 'category' ? (qty / from.factor) * to.factor : (qty * from.factor) / to.factor;
  return round ? floatRound(amount, to.rounding, method) : amount;
}

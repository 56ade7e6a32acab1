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

/** What the engine needs of a uom.uom record (read with factor, rounding, category_id). */
export interface UomLike {
  factor: number;
  rounding: number;
  category: number;
  name?: string;
}

/** Reads a web_read uom.uom dict; returns an error message when it lacks the needed fields. */
export function readUom(v: unknown): UomLike | string {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'expected a unit of measure record (factor, rounding, category_id)';
  const o = v as Record<string, unknown>;
  const cat = o['category_id'];
  const category = typeof cat === 'number' ? cat : cat && typeof cat === 'object' && typeof (cat as Record<string, unknown>)['id'] === 'number' ? ((cat as Record<string, unknown>)['id'] as number) : undefined;
  if (typeof o['factor'] !== 'number' || !(o['factor'] > 0)) return 'unit of measure has no positive factor';
  if (typeof o['rounding'] !== 'number' || !(o['rounding'] > 0)) return 'unit of measure has no positive rounding';
  if (category === undefined) return 'unit of measure has no category_id';
  const name = typeof o['name'] === 'string' ? o['name'] : undefined;
  return name === undefined
    ? { factor: o['factor'], rounding: o['rounding'], category }
    : { factor: o['factor'], rounding: o['rounding'], category, name };
}

/** Reads factor / rounding / category of a web_read uom.uom dict without allocating; undefined when incomplete. */
function uomCategory(o: Record<string, unknown>): number | undefined {
  const cat = o['category_id'];
  if (typeof cat === 'number') return cat;
  if (cat && typeof cat === 'object' && typeof (cat as Record<string, unknown>)['id'] === 'number') return (cat as Record<string, unknown>)['id'] as number;
  return undefined;
}

/**
 * Converts between two web_read uom.uom records; returns the quantity or an error message.
 * Same rules as convertUom, without intermediate objects (hot path).
 */
export function convertUomRecords(qty: number, from: unknown, to: unknown, round: boolean, method: RoundMethod): number | string {
  if (from && to && typeof from === 'object' && typeof to === 'object') {
    const f = from as Record<string, unknown>;
    const t = to as Record<string, unknown>;
    const ff = f['factor'], tf = t['factor'], tr = t['rounding'];
    const fc = uomCategory(f), tc = uomCategory(t);
    if (typeof ff === 'number' && ff > 0 && typeof tf === 'number' && tf > 0 && typeof tr === 'number' && tr > 0 && fc !== undefined && tc !== undefined) {
      if (fc !== tc) {
        return `cannot convert from unit ${typeof f['name'] === 'string' ? f['name'] : '#' + fc} to ${typeof t['name'] === 'string' ? t['name'] : '#' + tc}: different categories`;
      }
      const amount = ff === tf ? qty : (qty / ff) * tf;
      return round ? floatRound(amount, tr, method) : amount;
    }
  }
  const fu = readUom(from);
  if (typeof fu === 'string') return fu;
  const tu = readUom(to);
  if (typeof tu === 'string') return tu;
  return convertUom(qty, fu, tu, round, method);
}

/**
 * uom.uom._compute_quantity(qty, to_unit, round=True, rounding_method='UP'): refuses to convert
 * across categories, divides by the source factor, multiplies by the target factor, then
 * rounds to the target unit's rounding.
 */
export function convertUom(qty: number, from: UomLike, to: UomLike, round = true, method: RoundMethod = 'UP'): number | string {
  if (from.category !== to.category) {
    return `cannot convert from unit ${from.name ?? '#' + from.category} to ${to.name ?? '#' + to.category}: different categories`;
  }
  if (from.factor === to.factor && from.rounding === to.rounding) return round ? floatRound(qty, to.rounding, method) : qty;
  const amount = (qty / from.factor) * to.factor;
  return round ? floatRound(amount, to.rounding, method) : amount;
}

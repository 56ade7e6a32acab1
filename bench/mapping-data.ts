/**
 * Data and baselines of the mapping benchmarks (bench/mapping.ts, bench/mapping-breakdown.ts):
 * deterministic sale orders as web_read returns them, the hand-written TypeScript equivalent of
 * mappings/shipbob/order_release.yaml and the equivalent JSONata expression.
 */
import { compileDatePattern, formatInstant, odooUtcToIso, parseInstant, type DatePattern } from '../bridge/mapping/datetime.js';
import { floatRound } from '../bridge/mapping/index.js';
import { convertUomRecords } from '../bridge/mapping/numeric.js';

export const LINES = 20;

// ---- deterministic data -------------------------------------------------------------------

let seed = 20261122;
const rnd = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

const UNITS = { id: 1, name: 'Units', factor: 1, rounding: 1, category_id: 1 };
const DOZENS = { id: 3, name: 'Dozens', factor: 1 / 12, rounding: 1, category_id: 1 };
const CITIES = [['London', 'GB', 'SW1Y 4LB'], ['Gent', 'BE', '9000'], ['Lyon', 'FR', '69001'], ['Austin', 'US', '78701']] as const;
const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Katherine Johnson', 'Edsger Dijkstra'];

export function makeOrder(n: number): Record<string, unknown> {
  const [city, country, zip] = pick(CITIES);
  const lines: Record<string, unknown>[] = [];
  for (let i = 0; i < LINES; i++) {
    const id = n * 100 + i;
    const r = rnd();
    if (i === 0 || r < 0.05) {
      lines.push({ id, display_type: i === 0 ? 'line_section' : 'line_note', product_id: false, product_uom_qty: 0, product_uom: false, price_unit: 0 });
      continue;
    }
    const service = r < 0.1;
    const sku = `SKU-${1000 + Math.floor(rnd() * 5000)}`;
    const dozens = !service && rnd() < 0.2;
    lines.push({
      id,
      display_type: false,
      product_id: { id: 10_000 + i, type: service ? 'service' : 'consu', default_code: service ? false : sku, name: `Product ${sku}`, uom_id: UNITS },
      product_uom_qty: rnd() < 0.05 ? 0 : 1 + Math.floor(rnd() * 20),
      product_uom: dozens ? DOZENS : UNITS,
      price_unit: Math.round(rnd() * 10_000) / 100,
    });
  }
  const email = rnd() < 0.8 ? ` ${pick(NAMES).split(' ')[0]}@Example.com ` : false;
  return {
    id: n,
    name: `S${String(n).padStart(5, '0')}`,
    sync_wms_ref: n % 50 === 0 ? `S${String(n).padStart(5, '0')}-2` : `S${String(n).padStart(5, '0')}`,
    date_order: `2026-${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + (n % 28)).padStart(2, '0')} ${String(n % 24).padStart(2, '0')}:15:00`,
    partner_id: { id: 1 + (n % 500), is_company: rnd() < 0.3 },
    partner_shipping_id: {
      id: 1 + (n % 500),
      name: ` ${pick(NAMES)} `,
      email,
      phone: rnd() < 0.5 ? '+44 20 7946 0000' : false,
      street: `${1 + Math.floor(rnd() * 200)} Main Street`,
      street2: rnd() < 0.3 ? 'Flat 2' : false,
      city,
      state_id: country === 'US' ? { id: 44, code: 'TX' } : false,
      zip,
      country_id: { id: 1, code: country },
    },
    order_line: lines,
  };
}

// ---- (c) hand-written -----------------------------------------------------------------------

const SHIPPING: Record<string, string> = { Express: 'Expedited', 'Next Day': 'Overnight' };

interface Uom { factor: number; rounding: number; category_id: number; name: string }
type Rec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function handWritten(o: Rec, vars: Record<string, unknown>): unknown {
  const req = <T>(v: T | false | null | undefined, what: string): T => {
    if (v === false || v === null || v === undefined) throw new Error(`${what}: missing`);
    return v;
  };
  const p = req<Rec>(o['partner_shipping_id'], 'partner_shipping_id');
  // Keys in the mapping's order: the bench compares the JSON text of the outputs too.
  const address: Rec = { address1: req(p['street'], 'street') };
  if (p['street2']) address['address2'] = p['street2'];
  address['city'] = req(p['city'], 'city');
  if (p['state_id'] && p['state_id'].code) address['state'] = p['state_id'].code;
  if (p['zip']) address['zip_code'] = p['zip'];
  address['country'] = req(p['country_id'] && p['country_id'].code, 'country');
  const recipient: Rec = { name: (req<string>(p['name'], 'name')).trim().slice(0, 100) };
  if (p['email']) recipient['email'] = (p['email'] as string).trim().toLowerCase();
  if (p['phone']) recipient['phone'] = p['phone'];
  recipient['address'] = address;
  const products: Rec[] = [];
  for (const l of o['order_line'] as Rec[]) {
    if (l['display_type']) continue;
    if (l['product_id'] && l['product_id'].type === 'service') continue;
    if (!(l['product_uom_qty'] > 0)) continue;
    const prod = req<Rec>(l['product_id'], 'product_id');
    const from = l['product_uom'] as Uom;
    const to = prod['uom_id'] as Uom;
    if (from.category_id !== to.category_id) throw new Error('uom category');
    const q = from.factor === to.factor && from.rounding === to.rounding ? floatRound(l['product_uom_qty'], to.rounding, 'UP') : floatRound((l['product_uom_qty'] / from.factor) * to.factor, to.rounding, 'UP');
    if (!Number.isInteger(q)) throw new Error('quantity not integer');
    products.push({
      reference_id: req(prod['default_code'], 'default_code'),
      name: (req<string>(prod['name'], 'name')).slice(0, 255),
      quantity: q,
      external_line_id: l['id'],
      unit_price: floatRound(l['price_unit'], 0.01, 'HALF-UP'),
    });
  }
  const carrier = typeof vars['shipbob_shipping_method'] === 'string' ? vars['shipbob_shipping_method'] : 'Standard';
  const out: Rec = {
    reference_id: o['sync_wms_ref'],
    order_number: o['name'],
    type: o['partner_id'] && o['partner_id'].is_company === true ? 'B2B' : 'DTC',
    shipping_method: SHIPPING[carrier] ?? carrier,
    purchase_date: (o['date_order'] as string).replace(' ', 'T') + 'Z',
  };
  if (vars['shipbob_location_id'] !== undefined) out['location_id'] = vars['shipbob_location_id'];
  out['recipient'] = recipient;
  out['products'] = products;
  return out;
}

// ---- (b) JSONata ------------------------------------------------------------------------------

export const JSONATA = `(
  $ship := partner_shipping_id;
  $carrier := $vars.shipbob_shipping_method ? $vars.shipbob_shipping_method : "Standard";
  $map := {"Express": "Expedited", "Next Day": "Overnight"};
  $roundUp := function($v, $r) { $number($formatNumber($ceil($v / $r - 0.000000001) * $r, "0.##########")) };
  {
    "reference_id": sync_wms_ref,
    "order_number": name,
    "type": partner_id.is_company = true ? "B2B" : "DTC",
    "shipping_method": $lookup($map, $carrier) ? $lookup($map, $carrier) : $carrier,
    "purchase_date": $replace(date_order, " ", "T") & "Z",
    "location_id": $vars.shipbob_location_id,
    "recipient": {
      "name": $substring($trim($ship.name), 0, 100),
      "email": $ship.email ? $lowercase($trim($ship.email)),
      "phone": $ship.phone ? $ship.phone,
      "address": {
        "address1": $ship.street,
        "address2": $ship.street2 ? $ship.street2,
        "city": $ship.city,
        "state": $ship.state_id ? $ship.state_id.code,
        "zip_code": $ship.zip ? $ship.zip,
        "country": $ship.country_id.code
      }
    },
    "products": [order_line[$not(display_type) and product_id.type != "service" and product_uom_qty > 0].{
      "reference_id": product_id.default_code,
      "name": $substring(product_id.name, 0, 255),
      "quantity": $roundUp(product_uom_qty / product_uom.factor * product_id.uom_id.factor, product_id.uom_id.rounding),
      "external_line_id": id,
      "unit_price": $round(price_unit, 2)
    }]
  }
)`;

// ---- (c') hand-written, same checks -------------------------------------------------------------

/**
 * The hand-written mapper a careful developer writes for the same contract as the mapping: it
 * checks every value the mapping checks (present when required, single values, strings,
 * numbers, integers, dates, units of measure, list sizes), keeps going after a bad value and
 * returns every problem with its data path, like runMapping. test/mapping/bench-baseline.test.ts
 * proves it agrees with the compiled mapping on good orders and on a corpus of broken ones
 * (same payloads, same data paths in error). It uses the project's own Odoo helpers for
 * rounding, units and dates, as hand-written code in this project would.
 */
export interface HandIssue {
  path: string;
  message: string;
}
export type HandResult = { ok: true; value: Rec } | { ok: false; errors: HandIssue[] };

const MAX_ITEMS = 10_000;
const isObj = (v: unknown): v is Rec => v !== null && typeof v === 'object' && !Array.isArray(v);
const isAbsent = (v: unknown): boolean => v === undefined || v === null || v === false;
const shown = (v: unknown): string => (Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`);

/** A relation read from a record: the related record, ABSENT, or BAD (its error recorded). */
const ABSENT = 0;
const BAD = 1;

class Issues {
  list: HandIssue[] | undefined;
  add(path: string, message: string): void {
    (this.list ??= []).push({ path, message });
  }
}

/** The relation `key` of `o` (a record), at data path `path`, for reading `next` from it. */
function relation(o: Rec, key: string, path: string, next: string, e: Issues): Rec | typeof ABSENT | typeof BAD {
  const v = o[key];
  if (isObj(v)) return v;
  if (isAbsent(v)) return ABSENT;
  e.add(path, `expected an object to read '${next}' from, got ${shown(v)}`);
  return BAD;
}

/** A required single value (not an object or list); undefined when missing or wrong (recorded). */
function single(v: unknown, path: string, e: Issues): unknown {
  if (isAbsent(v)) e.add(path, 'missing');
  else if (typeof v === 'object') e.add(path, `expected a single value, got ${shown(v)}`);
  else return v;
  return undefined;
}

function str(v: unknown, path: string, what: string, e: Issues): string | undefined {
  if (isAbsent(v)) e.add(path, 'missing');
  else if (typeof v !== 'string') e.add(path, `${what}: expected a string, got ${shown(v)}`);
  else return v;
  return undefined;
}

function optionalStr(v: unknown, path: string, what: string, e: Issues): string | undefined {
  if (isAbsent(v)) return undefined;
  if (typeof v !== 'string') e.add(path, `${what}: expected a string, got ${shown(v)}`);
  else return v;
  return undefined;
}

function optionalSingle(v: unknown, path: string, e: Issues): unknown {
  if (isAbsent(v)) return undefined;
  if (typeof v === 'object') e.add(path, `expected a single value, got ${shown(v)}`);
  else return v;
  return undefined;
}

function truncate(s: string, n: number): string {
  if (s.length <= n) return s;
  const cut = s.slice(0, n);
  const last = cut.charCodeAt(n - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

function isoDate(v: unknown, e: Issues): string | undefined {
  if (isAbsent(v)) {
    e.add('date_order', 'missing');
    return undefined;
  }
  const fast = odooUtcToIso(v);
  if (fast !== undefined) return fast;
  const inst = parseInstant(v, 'UTC');
  if (typeof inst === 'string') {
    e.add('date_order', `format_date: ${inst}`);
    return undefined;
  }
  return formatInstant(inst, ISO, 'UTC') as string;
}
const ISO = compileDatePattern('iso') as DatePattern;

/** Data path of a line's field, built only for an error. */
const lineAt = (i: number, field: string): string => (field ? `order_line[${i}].${field}` : `order_line[${i}]`);

/** The mapped line, or undefined when the line is skipped or wrong (its errors recorded). */
function handLine(l: unknown, i: number, e: Issues): Rec | undefined {
  if (isAbsent(l)) return undefined;
  if (!isObj(l)) {
    e.add(lineAt(i, ''), `expected an object to read 'display_type' from, got ${shown(l)}`);
    return undefined;
  }
  // where: not a section or note, not a service, a positive quantity
  if (!isAbsent(l['display_type'])) return undefined;
  const prod = l['product_id'];
  const hasProd = isObj(prod);
  if (!hasProd && !isAbsent(prod)) {
    e.add(lineAt(i, 'product_id'), `expected an object to read 'type' from, got ${shown(prod)}`);
    return undefined;
  }
  if (hasProd && prod['type'] === 'service') return undefined;
  const qty = l['product_uom_qty'];
  if (typeof qty !== 'number') {
    if (!isAbsent(qty)) e.add(lineAt(i, 'product_uom_qty'), `cannot compare ${shown(qty)} with number 0 (gt)`);
    return undefined;
  }
  if (!(qty > 0)) return undefined;
  // fields
  let ok = true;
  let code: unknown, name: unknown, toUom: unknown;
  if (hasProd) {
    code = prod['default_code'];
    if (isAbsent(code) || typeof code === 'object') ok = fail(e, lineAt(i, 'product_id.default_code'), isAbsent(code) ? 'missing' : `expected a single value, got ${shown(code)}`);
    name = prod['name'];
    if (typeof name !== 'string') ok = fail(e, lineAt(i, 'product_id.name'), isAbsent(name) ? 'missing' : `truncate: expected a string, got ${shown(name)}`);
    toUom = prod['uom_id'];
  } else {
    ok = fail(e, lineAt(i, 'product_id.default_code'), `missing (${lineAt(i, 'product_id')} is false)`);
    e.add(lineAt(i, 'product_id.name'), `missing (${lineAt(i, 'product_id')} is false)`);
  }
  let quantity: number | string = 0;
  if (qty === Infinity) ok = fail(e, lineAt(i, 'product_uom_qty'), `uom: expected a quantity, got ${shown(qty)}`);
  else {
    const fromUom = l['product_uom'];
    if (isAbsent(fromUom)) ok = fail(e, lineAt(i, 'product_uom'), 'uom: missing unit of measure');
    else if (isAbsent(toUom)) ok = fail(e, lineAt(i, 'product_id.uom_id'), 'uom: missing unit of measure');
    else {
      quantity = convertUomRecords(qty, fromUom, toUom, true, 'UP');
      if (typeof quantity === 'string') ok = fail(e, lineAt(i, 'product_uom_qty'), `uom: ${quantity}`);
      else if (!Number.isInteger(quantity)) ok = fail(e, lineAt(i, 'product_uom_qty'), `expected an integer, got number ${quantity}`);
    }
  }
  const id = l['id'];
  if (!Number.isInteger(id)) ok = fail(e, lineAt(i, 'id'), isAbsent(id) ? 'missing' : `expected an integer, got ${shown(id)}`);
  const price = l['price_unit'];
  if (typeof price !== 'number' || !Number.isFinite(price)) ok = fail(e, lineAt(i, 'price_unit'), isAbsent(price) ? 'missing' : `round: expected a number, got ${shown(price)}`);
  if (!ok) return undefined;
  return { reference_id: code, name: truncate(name as string, 255), quantity, external_line_id: id, unit_price: floatRound(price as number, 0.01, 'HALF-UP') };
}

/** Records an error; false, for `ok = fail(...)`. */
function fail(e: Issues, path: string, message: string): false {
  e.add(path, message);
  return false;
}

export function handWrittenChecked(o: Rec, vars: Record<string, unknown>): HandResult {
  const e = new Issues();
  const reference = single(o['sync_wms_ref'], 'sync_wms_ref', e);
  const orderNumber = single(o['name'], 'name', e);
  const partner = relation(o, 'partner_id', 'partner_id', 'is_company', e);
  const type = partner !== ABSENT && partner !== BAD && partner['is_company'] === true ? 'B2B' : 'DTC';
  let method = vars['shipbob_shipping_method'];
  if (isAbsent(method)) method = 'Standard';
  if (typeof method !== 'string' && typeof method !== 'number' && typeof method !== 'boolean') {
    e.add('$vars.shipbob_shipping_method', `map: expected a string, number or boolean to look up, got ${shown(method)}`);
  } else method = SHIPPING[String(method)] ?? method;
  const purchaseDate = isoDate(o['date_order'], e);
  const location = vars['shipbob_location_id'];
  if (!isAbsent(location) && !Number.isInteger(location)) e.add('$vars.shipbob_location_id', `expected an integer, got ${shown(location)}`);

  const recipient: Rec = {};
  const p = relation(o, 'partner_shipping_id', 'partner_shipping_id', 'name', e);
  if (p === ABSENT) {
    for (const f of ['name', 'street', 'city', 'country_id.code']) e.add(`partner_shipping_id.${f}`, 'missing');
  } else if (p !== BAD) {
    const name = str(p['name'], 'partner_shipping_id.name', 'trim', e);
    if (name !== undefined) recipient['name'] = truncate(name.trim(), 100);
    const email = optionalStr(p['email'], 'partner_shipping_id.email', 'trim', e);
    if (email !== undefined) recipient['email'] = email.trim().toLowerCase();
    const phone = optionalSingle(p['phone'], 'partner_shipping_id.phone', e);
    if (phone !== undefined) recipient['phone'] = phone;
    const address: Rec = { address1: single(p['street'], 'partner_shipping_id.street', e) };
    const street2 = optionalSingle(p['street2'], 'partner_shipping_id.street2', e);
    if (street2 !== undefined) address['address2'] = street2;
    address['city'] = single(p['city'], 'partner_shipping_id.city', e);
    const state = relation(p, 'state_id', 'partner_shipping_id.state_id', 'code', e);
    if (state !== ABSENT && state !== BAD) {
      const code = optionalSingle(state['code'], 'partner_shipping_id.state_id.code', e);
      if (code !== undefined) address['state'] = code;
    }
    const zip = optionalSingle(p['zip'], 'partner_shipping_id.zip', e);
    if (zip !== undefined) address['zip_code'] = zip;
    const country = relation(p, 'country_id', 'partner_shipping_id.country_id', 'code', e);
    if (country === ABSENT) e.add('partner_shipping_id.country_id.code', 'missing');
    else if (country !== BAD) address['country'] = single(country['code'], 'partner_shipping_id.country_id.code', e);
    recipient['address'] = address;
  }

  const products: Rec[] = [];
  const lines = o['order_line'];
  if (isAbsent(lines)) e.add('order_line', 'missing');
  else if (!Array.isArray(lines)) e.add('order_line', `expected a list, got ${shown(lines)}`);
  else if (lines.length > MAX_ITEMS) e.add('order_line', `list too long (${lines.length} items, at most ${MAX_ITEMS})`);
  else {
    for (let i = 0; i < lines.length; i++) {
      const line = handLine(lines[i], i, e);
      if (line !== undefined) products.push(line);
    }
  }
  if (e.list !== undefined) return { ok: false, errors: e.list };
  const out: Rec = { reference_id: reference, order_number: orderNumber, type, shipping_method: method, purchase_date: purchaseDate };
  if (!isAbsent(location)) out['location_id'] = location;
  out['recipient'] = recipient;
  out['products'] = products;
  return { ok: true, value: out };
}

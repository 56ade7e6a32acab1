/**
 * Data and baselines of the mapping benchmarks (bench/mapping.ts, bench/mapping-breakdown.ts):
 * deterministic sale orders as web_read returns them, the hand-written TypeScript equivalent of
 * mappings/shipbob/order_release.yaml and the equivalent JSONata expression.
 */
import { floatRound } from '../bridge/mapping/index.js';

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
    reference_id: o['name'],
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
    "reference_id": name,
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

/**
 * The hand-written baselines of `npm run bench:mapping` do the same job as the compiled mapping
 * mappings/shipbob/order_release.yaml, so the benchmark compares like with like:
 * - handWritten (no checks) gives the same payloads on good orders;
 * - handWrittenChecked gives the same payloads on good orders, and on a corpus of broken orders
 *   fails exactly when the mapping fails, naming the same data paths.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { handWritten, handWrittenChecked, makeOrder } from '../../bench/mapping-data.js';
import { loadMapping, runMapping } from '../../bridge/mapping/index.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const FILE = 'mappings/shipbob/order_release.yaml';
const mapping = loadMapping(readFileSync(ROOT + FILE, 'utf8'), FILE);
const vars = { shipbob_location_id: 7, shipbob_shipping_method: 'Next Day' };

type Rec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const UNITS = { id: 1, name: 'Units', factor: 1, rounding: 1, category_id: 1 };
const KG = { id: 9, name: 'kg', factor: 1, rounding: 0.001, category_id: 2 };

/** An order whose line 1 is a plain stockable line, so every mutation below hits a mapped line. */
function order(): Rec {
  const o = makeOrder(7) as Rec;
  o['order_line'][1] = { id: 701, display_type: false, product_id: { id: 1, type: 'consu', default_code: 'A-1', name: 'Anvil', uom_id: UNITS }, product_uom_qty: 2, product_uom: UNITS, price_unit: 9.995 };
  return o;
}

const MUTATIONS: [string, (o: Rec, v: Rec) => void][] = [
  ['name missing', (o) => delete o['name']],
  ['name a number', (o) => (o['name'] = 5)],
  ['name an object', (o) => (o['name'] = { a: 1 })],
  ['name a list', (o) => (o['name'] = ['S1'])],
  ['partner_id false', (o) => (o['partner_id'] = false)],
  ['partner_id a number', (o) => (o['partner_id'] = 3)],
  ['partner_id a list', (o) => (o['partner_id'] = [3, 'Azure'])],
  ['date_order not a date', (o) => (o['date_order'] = 'x')],
  ['date_order ISO with offset', (o) => (o['date_order'] = '2026-03-01T10:00:00+02:00')],
  ['date_order a date only', (o) => (o['date_order'] = '2026-03-01')],
  ['date_order 30 February', (o) => (o['date_order'] = '2026-02-30 10:00:00')],
  ['date_order false', (o) => (o['date_order'] = false)],
  ['date_order a number', (o) => (o['date_order'] = 20260301)],
  ['shipping method unmatched', (_o, v) => (v['shipbob_shipping_method'] = 'Freight')],
  ['shipping method Express', (_o, v) => (v['shipbob_shipping_method'] = 'Express')],
  ['shipping method absent', (_o, v) => delete v['shipbob_shipping_method']],
  ['shipping method an object', (_o, v) => (v['shipbob_shipping_method'] = { a: 1 })],
  ['location absent', (_o, v) => delete v['shipbob_location_id']],
  ['location not an integer', (_o, v) => (v['shipbob_location_id'] = 'seven')],
  ['shipping partner false', (o) => (o['partner_shipping_id'] = false)],
  ['shipping partner a number', (o) => (o['partner_shipping_id'] = 12)],
  ['recipient name false', (o) => (o['partner_shipping_id']['name'] = false)],
  ['recipient name a number', (o) => (o['partner_shipping_id']['name'] = 4)],
  ['recipient name long', (o) => (o['partner_shipping_id']['name'] = ' ' + 'x'.repeat(150))],
  ['email a number', (o) => (o['partner_shipping_id']['email'] = 4)],
  ['email absent', (o) => (o['partner_shipping_id']['email'] = false)],
  ['phone an object', (o) => (o['partner_shipping_id']['phone'] = {})],
  ['street false', (o) => (o['partner_shipping_id']['street'] = false)],
  ['street a list', (o) => (o['partner_shipping_id']['street'] = ['a'])],
  ['street2 an object', (o) => (o['partner_shipping_id']['street2'] = { a: 1 })],
  ['city missing', (o) => delete o['partner_shipping_id']['city']],
  ['state without code', (o) => (o['partner_shipping_id']['state_id'] = { id: 1 })],
  ['state a number', (o) => (o['partner_shipping_id']['state_id'] = 5)],
  ['state code an object', (o) => (o['partner_shipping_id']['state_id'] = { id: 1, code: { x: 1 } })],
  ['zip a number', (o) => (o['partner_shipping_id']['zip'] = 9000)],
  ['country false', (o) => (o['partner_shipping_id']['country_id'] = false)],
  ['country a string', (o) => (o['partner_shipping_id']['country_id'] = 'BE')],
  ['country code missing', (o) => (o['partner_shipping_id']['country_id'] = { id: 1 })],
  ['order_line false', (o) => (o['order_line'] = false)],
  ['order_line an object', (o) => (o['order_line'] = {})],
  ['order_line empty', (o) => (o['order_line'] = [])],
  ['a line a number', (o) => (o['order_line'][1] = 5)],
  ['a line null', (o) => (o['order_line'][1] = null)],
  ['a line a list', (o) => (o['order_line'][1] = [1])],
  ['product false', (o) => (o['order_line'][1]['product_id'] = false)],
  ['product a number', (o) => (o['order_line'][1]['product_id'] = 77)],
  ['product a service', (o) => (o['order_line'][1]['product_id']['type'] = 'service')],
  ['product type a number', (o) => (o['order_line'][1]['product_id']['type'] = 3)],
  ['default_code false', (o) => (o['order_line'][1]['product_id']['default_code'] = false)],
  ['default_code an object', (o) => (o['order_line'][1]['product_id']['default_code'] = {})],
  ['default_code a number', (o) => (o['order_line'][1]['product_id']['default_code'] = 12)],
  ['product name a number', (o) => (o['order_line'][1]['product_id']['name'] = 7)],
  ['product name false', (o) => (o['order_line'][1]['product_id']['name'] = false)],
  ['product name long', (o) => (o['order_line'][1]['product_id']['name'] = 'y'.repeat(300))],
  ['quantity a string', (o) => (o['order_line'][1]['product_uom_qty'] = '3')],
  ['quantity zero', (o) => (o['order_line'][1]['product_uom_qty'] = 0)],
  ['quantity negative', (o) => (o['order_line'][1]['product_uom_qty'] = -2)],
  ['quantity false', (o) => (o['order_line'][1]['product_uom_qty'] = false)],
  ['quantity fractional', (o) => (o['order_line'][1]['product_uom_qty'] = 1.5)],
  ['quantity infinite', (o) => (o['order_line'][1]['product_uom_qty'] = Infinity)],
  ['line unit false', (o) => (o['order_line'][1]['product_uom'] = false)],
  ['line unit without factor', (o) => (o['order_line'][1]['product_uom'] = { id: 1, rounding: 1, category_id: 1 })],
  ['line unit of another category', (o) => (o['order_line'][1]['product_uom'] = KG)],
  ['product unit false', (o) => (o['order_line'][1]['product_id']['uom_id'] = false)],
  ['product unit in kg', (o) => ((o['order_line'][1]['product_id']['uom_id'] = KG), (o['order_line'][1]['product_uom'] = { ...KG, factor: 1000, rounding: 0.01 }))],
  ['line id fractional', (o) => (o['order_line'][1]['id'] = 1.5)],
  ['line id missing', (o) => delete o['order_line'][1]['id']],
  ['price a string', (o) => (o['order_line'][1]['price_unit'] = 'x')],
  ['price false', (o) => (o['order_line'][1]['price_unit'] = false)],
  ['price NaN', (o) => (o['order_line'][1]['price_unit'] = NaN)],
  ['a section line', (o) => (o['order_line'][1]['display_type'] = 'line_section')],
  ['two broken lines', (o) => ((o['order_line'][1]['price_unit'] = 'x'), (o['order_line'][2] = 5))],
  ['broken record and line', (o) => ((o['partner_shipping_id']['city'] = false), (o['order_line'][1]['id'] = 'x'))],
];

const paths = (xs: { dataPath?: string; path?: string }[]) => [...new Set(xs.map((x) => x.dataPath ?? x.path))].sort();

describe('bench/mapping-data.ts: the hand-written baselines do what the mapping does', () => {
  it('both give the compiled mapping\'s payloads on 500 generated orders', () => {
    for (let i = 1; i <= 500; i++) {
      const o = makeOrder(i);
      const r = runMapping(mapping, o, { event: 'release', vars });
      expect(r.ok, `order ${i}`).to.equal(true);
      const c = handWrittenChecked(o, vars);
      expect(c.ok, `order ${i}`).to.equal(true);
      if (!r.ok || !c.ok) return;
      expect(JSON.stringify(c.value), `order ${i} (checked)`).to.equal(JSON.stringify(r.value));
      expect(JSON.stringify(handWritten(o, vars)), `order ${i}`).to.equal(JSON.stringify(r.value));
    }
  });

  for (const [label, mutate] of MUTATIONS) {
    it(`checked: ${label}: same outcome and data paths as the mapping`, () => {
      const o = order();
      const v: Rec = { ...vars };
      mutate(o, v);
      const r = runMapping(mapping, o, { event: 'release', vars: v });
      const c = handWrittenChecked(o, v);
      expect(c.ok, JSON.stringify(r.ok ? 'mapping ok' : r.errors)).to.equal(r.ok);
      if (r.ok && c.ok) expect(JSON.stringify(c.value)).to.equal(JSON.stringify(r.value));
      if (!r.ok && !c.ok) expect(paths(c.errors)).to.deep.equal(paths(r.errors));
    });
  }

  it('the corpus breaks the mapping in most cases (it tests the checks, not only good data)', () => {
    let failed = 0;
    for (const [, mutate] of MUTATIONS) {
      const o = order();
      const v: Rec = { ...vars };
      mutate(o, v);
      if (!runMapping(mapping, o, { event: 'release', vars: v }).ok) failed++;
    }
    expect(failed).to.be.greaterThan(MUTATIONS.length / 2);
  });
});

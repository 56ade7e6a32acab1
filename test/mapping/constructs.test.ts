import { expect } from 'chai';
import { run, type RunCase } from './helpers.js';

const UNITS = { id: 1, factor: 1, rounding: 0.01, category_id: 1, name: 'Units' };
const DOZENS = { id: 3, factor: 1 / 12, rounding: 0.01, category_id: 1, name: 'Dozens' };
const KG = { id: 12, factor: 1, rounding: 0.001, category_id: 2, name: 'kg' };
const G = { id: 13, factor: 1000, rounding: 0.01, category_id: 2, name: 'g' };

const line = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  display_type: false,
  product_id: { id: 100 + id, type: 'consu', default_code: `SKU-${id}` },
  product_uom_qty: id,
  ...extra,
});

const CASES: RunCase[] = [
  // ---- paths ----
  { name: 'path shorthand', fields: { ref: 'name' }, input: { name: 'S1' }, expected: { ref: 'S1' } },
  {
    name: 'nested many2one path',
    fields: { country: 'partner_id.country_id.code' },
    input: { partner_id: { id: 1, country_id: { id: 2, code: 'BE' } } },
    expected: { country: 'BE' },
  },
  {
    name: 'many2one false on the way is missing, naming where',
    fields: { country: 'partner_id.country_id.code' },
    input: { partner_id: { id: 1, country_id: false } },
    errors: ['fields.country: partner_id.country_id.code: missing (partner_id.country_id is false) (add optional: true to allow)'],
  },
  {
    name: 'a key absent from the data is missing',
    fields: { x: 'nope' },
    input: { name: 'S1' },
    errors: ['fields.x: nope: missing (add optional: true to allow)'],
  },
  { name: 'optional leaves the key out', fields: { x: { path: 'nope', optional: true } }, input: {}, expected: {} },
  { name: 'default replaces absence', fields: { x: { path: 'nope', default: 'dflt' } }, input: {}, expected: { x: 'dflt' } },
  { name: 'null is absent', fields: { x: { path: 'a', default: 1 } }, input: { a: null }, expected: { x: 1 } },
  { name: 'list index in a path', fields: { x: 'lines[1].sku' }, input: { lines: [{ sku: 'A' }, { sku: 'B' }] }, expected: { x: 'B' } },
  { name: '$ is the current value', fields: { x: { each: 'tags', value: '$' } }, input: { tags: ['a', 'b'] }, expected: { x: ['a', 'b'] } },
  {
    name: 'a list where an object is needed is an error even when optional',
    fields: { x: { path: 'order_line.name', optional: true } },
    input: { order_line: [{ name: 'a' }] },
    errors: ["order_line: expected an object to read 'name' from, got a list (use each: to map a list)"],
  },
  {
    name: 'a string where an object is needed is an error',
    fields: { x: 'partner_id.name' },
    input: { partner_id: 'Ada' },
    errors: ["partner_id: expected an object to read 'name' from, got string \"Ada\""],
  },
  {
    name: 'an object read by a plain path must be declared',
    fields: { x: 'partner_id' },
    input: { partner_id: { id: 1, name: 'A' } },
    errors: ['expected a single value, got an object (declare type: object, array or any to pass it through)'],
  },
  {
    name: 'type object passes an object through (copied)',
    fields: { x: { path: 'partner_id', type: 'object' } },
    input: { partner_id: { id: 1, name: 'A' } },
    expected: { x: { id: 1, name: 'A' } },
  },
  // ---- Odoo false ----
  { name: 'outbound: false is absent for a non-boolean field', fields: { x: { path: 'street2', optional: true } }, input: { street2: false }, expected: {} },
  {
    name: 'outbound: false is missing when required',
    fields: { x: 'street2' },
    input: { street2: false },
    errors: ['street2: missing (add optional: true to allow)'],
  },
  { name: 'outbound: type boolean keeps false', fields: { x: { path: 'active', type: 'boolean' } }, input: { active: false }, expected: { x: false } },
  {
    name: 'inbound: false is a value',
    head: { direction: 'inbound', source: 'x.msg', output: 'odoo.vals', odoo_model: 'res.partner' },
    fields: { x: 'flag' },
    input: { flag: false },
    expected: { x: false },
  },
  // ---- const, fields, list ----
  { name: 'const string', fields: { x: { const: 'DTC' } }, input: {}, expected: { x: 'DTC' } },
  { name: 'const object', fields: { attributes: { const: { type: 'Account' } } }, input: {}, expected: { attributes: { type: 'Account' } } },
  { name: 'const null is absent', fields: { x: { const: null, optional: true } }, input: {}, expected: {} },
  { name: 'const false is a value', fields: { x: { const: false } }, input: {}, expected: { x: false } },
  {
    name: 'nested fields',
    fields: { recipient: { fields: { name: 'partner_id.name', address: { fields: { city: 'partner_id.city' } } } } },
    input: { partner_id: { id: 1, name: 'Ada', city: 'London' } },
    expected: { recipient: { name: 'Ada', address: { city: 'London' } } },
  },
  {
    name: 'list keeps present items',
    fields: { barcodes: { list: [{ path: 'barcode', optional: true }, { path: 'barcode2', optional: true }] } },
    input: { barcode: '123', barcode2: false },
    expected: { barcodes: ['123'] },
  },
  // ---- each ----
  {
    name: 'each maps lines and filters sections, notes, services and zero quantities',
    fields: {
      products: {
        each: 'order_line',
        where: {
          all: [
            { path: 'display_type', exists: false },
            { path: 'product_id.type', ne: 'service' },
            { path: 'product_uom_qty', gt: 0 },
          ],
        },
        fields: { sku: 'product_id.default_code', qty: 'product_uom_qty' },
      },
    },
    input: {
      order_line: [
        { id: 1, display_type: 'line_section', product_id: false, product_uom_qty: 0 },
        line(2),
        { id: 3, display_type: 'line_note', product_id: false, product_uom_qty: 0 },
        line(4, { product_id: { id: 9, type: 'service', default_code: false } }),
        line(5, { product_uom_qty: 0 }),
        line(6),
      ],
    },
    expected: { products: [{ sku: 'SKU-2', qty: 2 }, { sku: 'SKU-6', qty: 6 }] },
  },
  {
    name: 'a single line stays a list',
    fields: { products: { each: 'order_line', fields: { sku: 'product_id.default_code' } } },
    input: { order_line: [line(1)] },
    expected: { products: [{ sku: 'SKU-1' }] },
  },
  { name: 'an empty list stays a list', fields: { products: { each: 'order_line', fields: { id: 'id' } } }, input: { order_line: [] }, expected: { products: [] } },
  {
    name: 'run-time errors name the item',
    fields: { products: { each: 'order_line', fields: { sku: 'product_id.default_code' } } },
    input: { order_line: [line(1), line(2), line(3), line(4, { product_id: { id: 1, default_code: false } })] },
    errors: ['test.yaml:', 'fields.products.each.sku: order_line[3].product_id.default_code: missing (add optional: true to allow)'],
  },
  {
    name: 'every failing item is reported, not only the first',
    fields: { products: { each: 'order_line', fields: { sku: 'product_id.default_code' } } },
    input: { order_line: [line(1, { product_id: false }), line(2), line(3, { product_id: false })] },
    errors: ['order_line[0].product_id.default_code: missing', 'order_line[2].product_id.default_code: missing'],
  },
  {
    name: 'each over something that is not a list',
    fields: { products: { each: 'order_line', fields: { id: 'id' } } },
    input: { order_line: { id: 1 } },
    errors: ['fields.products: order_line: expected a list, got an object'],
  },
  {
    name: 'absent list is missing unless optional',
    fields: { a: { each: 'x', fields: { id: 'id' } }, b: { each: 'y', optional: true, fields: { id: 'id' } } },
    input: {},
    errors: ['fields.a: x: missing (add optional: true to allow)'],
  },
  {
    name: '$root and $parent inside nested each',
    fields: {
      pickings: {
        each: 'picking_ids',
        fields: {
          order: '$root.name',
          moves: { each: 'move_ids', fields: { picking: '$parent.name', sku: 'sku' } },
        },
      },
    },
    input: { name: 'S1', picking_ids: [{ id: 1, name: 'WH/OUT/1', move_ids: [{ id: 5, sku: 'A' }] }] },
    expected: { pickings: [{ order: 'S1', moves: [{ picking: 'WH/OUT/1', sku: 'A' }] }] },
  },
  {
    name: 'nested each error path',
    fields: { p: { each: 'picking_ids', fields: { m: { each: 'move_ids', fields: { sku: 'sku' } } } } },
    input: { picking_ids: [{ move_ids: [] }, { move_ids: [{ sku: 'A' }, {}] }] },
    errors: ['fields.p.each.m.each.sku: picking_ids[1].move_ids[1].sku: missing'],
  },
  // ---- context ----
  { name: '$vars', fields: { loc: '$vars.location_id' }, input: {}, ctx: { vars: { location_id: 7 } }, expected: { loc: 7 } },
  { name: 'missing $vars', fields: { loc: '$vars.location_id' }, input: {}, errors: ['fields.loc: $vars.location_id: missing'] },
  { name: '$meta', fields: { id: '$meta.message_id' }, input: {}, ctx: { meta: { message_id: 'm1' } }, expected: { id: 'm1' } },
  { name: '$event', fields: { e: '$event' }, input: {}, ctx: { event: 'release' }, expected: { e: 'release' } },
  { name: '$now', fields: { t: '$now' }, input: {}, ctx: { now: '2026-11-20T10:00:00Z' }, expected: { t: '2026-11-20 10:00:00' } },
  {
    name: 'an event the mapping does not serve',
    fields: { e: '$event' },
    input: {},
    ctx: { event: 'cancel' },
    errors: ["event 'cancel' is not served by this mapping (events: release)"],
  },
  // ---- concat, first, if, when ----
  {
    name: 'concat with separator skips optional absent parts',
    fields: { street: { concat: ['street', { path: 'street2', optional: true }, { const: 'X' }], sep: ', ' } },
    input: { street: 'Main 1', street2: false },
    expected: { street: 'Main 1, X' },
  },
  {
    name: 'concat of numbers',
    fields: { ref: { concat: [{ const: 'O-' }, 'id'] } },
    input: { id: 42 },
    expected: { ref: 'O-42' },
  },
  {
    name: 'concat part that is an object is an error',
    fields: { ref: { concat: [{ path: 'p', type: 'object' }] } },
    input: { p: { a: 1 } },
    errors: ['concat part 1: expected a string or number, got an object'],
  },
  {
    name: 'first takes the first present alternative',
    fields: { email: { first: ['partner_shipping_id.email', 'partner_id.email'] } },
    input: { partner_shipping_id: { id: 1, email: false }, partner_id: { id: 2, email: 'b@x' } },
    expected: { email: 'b@x' },
  },
  {
    name: 'parts of a concat inside first stay strict',
    fields: { x: { first: [{ concat: ['a', 'b'] }, { const: 'z' }] } },
    input: { a: 'A' },
    errors: ['fields.x.first[0].concat[1]: b: missing (add optional: true to allow)'],
  },
  {
    name: 'first with all alternatives absent is missing',
    fields: { email: { first: ['a', 'b'] } },
    input: {},
    errors: ['fields.email: all 2 alternatives are missing (add optional: true to allow)'],
  },
  {
    name: 'if / then / else',
    fields: { type: { if: { path: 'partner_id.is_company', eq: true }, then: { const: 'B2B' }, else: { const: 'DTC' } } },
    input: { partner_id: { id: 1, is_company: true } },
    expected: { type: 'B2B' },
  },
  {
    name: 'if without else is absent when false',
    fields: { type: { if: { path: 'x', eq: 1 }, then: { const: 'one' }, optional: true } },
    input: { x: 2 },
    expected: {},
  },
  {
    name: 'when leaves a field out',
    fields: { company: { path: 'company_name', when: { path: 'is_company', eq: false } } },
    input: { company_name: 'C', is_company: true },
    expected: {},
  },
  // ---- conditions ----
  ...(
    [
      [{ eq: 'a' }, 'a', true],
      [{ eq: 'a' }, 'b', false],
      [{ ne: 'a' }, 'b', true],
      [{ eq: null }, false, false],
      [{ eq: false }, false, true],
      [{ in: ['a', 'b'] }, 'b', true],
      [{ in: ['a', 'b'] }, 'c', false],
      [{ not_in: ['a'] }, 'c', true],
      [{ gt: 1 }, 2, true],
      [{ gt: 2 }, 2, false],
      [{ gte: 2 }, 2, true],
      [{ lt: 2 }, 1, true],
      [{ lte: 1 }, 2, false],
      [{ gt: 0 }, false, false],
      [{ gt: '2026-01-01' }, '2026-02-01', true],
      [{ exists: true }, 'x', true],
      [{ exists: true }, false, false],
      [{ exists: false }, null, true],
      [{ starts_with: 'WH/' }, 'WH/OUT/1', true],
      [{ starts_with: 'WH/' }, 3, false],
    ] as [Record<string, unknown>, unknown, boolean][]
  ).map(
    ([op, value, result]): RunCase => ({
      name: `condition ${JSON.stringify(op)} on ${JSON.stringify(value)} is ${String(result)}`,
      fields: { r: { if: { path: 'v', ...op }, then: { const: 'yes' }, else: { const: 'no' } } },
      input: { v: value },
      expected: { r: result ? 'yes' : 'no' },
    }),
  ),
  {
    name: 'all / any / not',
    fields: {
      r: {
        if: { all: [{ any: [{ path: 'a', eq: 1 }, { path: 'b', eq: 1 }] }, { not: { path: 'c', eq: 1 } }] },
        then: { const: 'yes' },
        else: { const: 'no' },
      },
    },
    input: { a: 0, b: 1, c: 0 },
    expected: { r: 'yes' },
  },
  {
    name: 'comparing a string with a number is an error',
    fields: { r: { if: { path: 'v', gt: 1 }, then: { const: 'yes' }, else: { const: 'no' } } },
    input: { v: '5' },
    errors: ['cannot compare string "5" with number 1 (gt)'],
  },
  // ---- string functions ----
  ...(
    [
      ['trim', '  a  ', 'a'],
      ['upper', 'abc', 'ABC'],
      ['lower', 'ABC', 'abc'],
      ['string', 42, '42'],
      ['number', ' 4.5 ', 4.5],
      [{ truncate: 3 }, 'abcdef', 'abc'],
      [{ truncate: 2 }, 'a😀b', 'a'],
      [{ prefix: 'O-' }, 'x', 'O-x'],
      [{ suffix: '!' }, 'x', 'x!'],
      [{ replace: { find: ' ', with: '' } }, 'BE 0477 472', 'BE0477472'],
      [{ before: ' ' }, 'Ada King Lovelace', 'Ada'],
      [{ after: ' ' }, 'Ada King Lovelace', 'King Lovelace'],
      [{ before: '\n' }, 'one line', 'one line'],
      [{ split: ',' }, 'a,b', ['a', 'b']],
      [{ join: ', ' }, ['a', 'b'], 'a, b'],
      ['first', ['a', 'b'], 'a'],
      ['last', ['a', 'b'], 'b'],
      ['count', ['a', 'b'], 2],
      ['sum', [1.1, 2.2], 3.3],
      ['flatten', [[1], [2, 3], []], [1, 2, 3]],
      ['floor', 2.7, 2],
      ['ceil', 2.1, 3],
      ['abs', -2, 2],
      [{ round: 2 }, 2.675, 2.68],
      [{ round: 2 }, 1.005, 1.01],
      [{ round: 0 }, -2.5, -3],
      [{ round: { digits: 0, method: 'UP' } }, 2.1, 3],
      [{ round: { digits: 0, method: 'DOWN' } }, 2.9, 2],
      [{ fixed: 2 }, 12.345, '12.35'],
      [{ fixed: 0 }, 2.5, '3'],
      [{ multiply: 2.54 }, 10, 25.4],
      [{ divide: 4 }, 10, 2.5],
      [{ add: 1 }, 1, 2],
      [{ subtract: 1 }, 1, 0],
      [{ map: { table: { a: 'A' } } }, 'a', 'A'],
      [{ map: { table: { a: 'A' }, fallback: 'Z' } }, 'q', 'Z'],
      [{ map: { table: { a: 'A' }, keep_unmatched: true } }, 'q', 'q'],
      [{ map: { table: { '1': 'one' } } }, 1, 'one'],
      [{ map: { table: { true: 'yes' } } }, true, 'yes'],
      [{ format_date: { format: 'iso' } }, '2026-11-20 09:30:00', '2026-11-20T09:30:00Z'],
      [{ format_date: { format: 'iso', tz: 'Europe/Brussels' } }, '2026-11-20 09:30:00', '2026-11-20T10:30:00+01:00'],
      [{ format_date: { format: 'iso', tz: 'Europe/Brussels' } }, '2026-07-20 09:30:00', '2026-07-20T11:30:00+02:00'],
      [{ format_date: { format: 'iso', tz: 'America/New_York' } }, '2026-11-20 03:00:00', '2026-11-19T22:00:00-05:00'],
      [{ format_date: { format: 'date', tz: 'Europe/Brussels' } }, '2026-11-27 23:30:00', '2026-11-28'],
      [{ format_date: { format: 'date', tz: 'Pacific/Auckland' } }, '2026-11-27', '2026-11-27'],
      [{ format_date: { format: 'odoo' } }, '2026-11-21T09:00:00-05:00', '2026-11-21 14:00:00'],
      [{ format_date: { format: 'odoo', input_tz: 'Europe/Brussels' } }, '2026-11-21 10:00:00', '2026-11-21 09:00:00'],
      [{ format_date: { format: 'odoo', input_tz: 'Europe/Brussels' } }, '2026-03-29 03:30:00', '2026-03-29 01:30:00'],
      [{ format_date: { format: 'epoch_ms' } }, '2026-11-21 14:00:00', 1795269600000],
      [{ format_date: { format: 'epoch_s' } }, '2026-11-21T14:00:00.750Z', 1795269600],
      [{ format_date: { format: 'odoo' } }, 1795269600000, '2026-11-21 14:00:00'],
      [{ format_date: { format: "DD/MM/YYYY 'at' HH:mm", tz: 'Asia/Kolkata' } }, '2026-11-21 14:00:00', '21/11/2026 at 19:30'],
      ['nonempty', 'x', 'x'],
    ] as [unknown, unknown, unknown][]
  ).map(
    ([step, input, out]): RunCase => ({
      name: `pipe ${JSON.stringify(step)} on ${JSON.stringify(input)}`,
      fields: { r: { path: 'v', type: 'any', pipe: [step] } },
      head: { direction: 'inbound', source: 'x.msg', output: 'odoo.vals', odoo_model: 'x' },
      input: { v: input },
      expected: { r: out },
    }),
  ),
  {
    name: 'nonempty turns an empty string into absence',
    fields: { r: { path: 'v', optional: true, pipe: ['trim', 'nonempty'] } },
    input: { v: '   ' },
    expected: {},
  },
  {
    name: 'a pipe that empties a required value is an error',
    fields: { r: { path: 'v', pipe: [{ after: '@' }] } },
    input: { v: 'nobody' },
    errors: ['fields.r: v: empty after after (add optional: true or a default to allow)'],
  },
  {
    name: 'map without fallback names the allowed keys',
    fields: { r: { path: 'v', pipe: [{ map: { table: { a: 1, b: 2 } } }] } },
    input: { v: 'c' },
    errors: ['fields.r.pipe[0]: v: map: no entry for "c" (expected one of: "a", "b"; add fallback: or keep_unmatched: true to allow others)'],
  },
  {
    name: 'map never reads the object prototype',
    fields: { r: { path: 'v', pipe: [{ map: { table: { a: 1 } } }] } },
    input: { v: 'constructor' },
    errors: ['no entry for "constructor"'],
  },
  { name: 'string function on a number is an error', fields: { r: { path: 'v', pipe: ['upper'] } }, input: { v: 5 }, errors: ['upper: expected a string, got number 5'] },
  { name: 'number function on a string is an error', fields: { r: { path: 'v', pipe: [{ round: 2 }] } }, input: { v: 'x' }, errors: ['round: expected a number, got string "x"'] },
  { name: 'number on a non-numeric string', fields: { r: { path: 'v', pipe: ['number'] } }, input: { v: '12abc' }, errors: ['number: expected a number or a numeric string'] },
  { name: 'invalid date', fields: { r: { path: 'v', pipe: [{ format_date: { format: 'iso' } }] } }, input: { v: '2026-02-30' }, errors: ["invalid date '2026-02-30'"] },
  // ---- units of measure ----
  {
    name: 'uom: dozens to units',
    fields: { q: { path: 'qty', pipe: [{ uom: { from: 'product_uom', to: 'product_id.uom_id' } }] } },
    input: { qty: 2, product_uom: DOZENS, product_id: { id: 1, uom_id: UNITS } },
    expected: { q: 24 },
  },
  {
    name: 'uom: grams to kg rounds up to the target rounding (Odoo default UP)',
    fields: { q: { path: 'qty', pipe: [{ uom: { from: 'product_uom', to: 'product_id.uom_id' } }] } },
    input: { qty: 1234.51, product_uom: G, product_id: { id: 1, uom_id: KG } },
    expected: { q: 1.235 },
  },
  {
    name: 'uom: HALF-UP method',
    fields: { q: { path: 'qty', pipe: [{ uom: { from: 'product_uom', to: 'product_id.uom_id', method: 'HALF-UP' } }] } },
    input: { qty: 1234.4, product_uom: G, product_id: { id: 1, uom_id: KG } },
    expected: { q: 1.234 },
  },
  {
    name: 'uom: across categories is refused',
    fields: { q: { path: 'qty', pipe: [{ uom: { from: 'product_uom', to: 'product_id.uom_id' } }] } },
    input: { qty: 1, product_uom: KG, product_id: { id: 1, uom_id: UNITS } },
    errors: ['qty: uom: cannot convert from unit kg to Units: different categories'],
  },
  {
    name: 'uom: a missing unit is named',
    fields: { q: { path: 'qty', pipe: [{ uom: { from: 'product_uom', to: 'product_id.uom_id' } }] } },
    input: { qty: 1, product_uom: false, product_id: { id: 1, uom_id: UNITS } },
    errors: ['product_uom: uom: missing unit of measure'],
  },
  {
    name: 'uom: category given as a many2one dict',
    fields: { q: { path: 'qty', pipe: [{ uom: { from: 'a', to: 'b' } }] } },
    input: { qty: 3, a: { ...DOZENS, category_id: { id: 1 } }, b: { ...UNITS, category_id: { id: 1 } } },
    expected: { q: 36 },
  },
  // ---- types ----
  { name: 'type integer rejects a fraction', fields: { q: { path: 'q', type: 'integer' } }, input: { q: 2.5 }, errors: ['expected an integer, got number 2.5'] },
  { name: 'type string rejects a number', fields: { q: { path: 'q', type: 'string' } }, input: { q: 2 }, errors: ['expected a string, got number 2'] },
  { name: 'type date', fields: { d: { path: 'd', type: 'date' } }, input: { d: '2026-01-02' }, expected: { d: '2026-01-02' } },
  { name: 'type date rejects a datetime', fields: { d: { path: 'd', type: 'date' } }, input: { d: '2026-01-02 10:00:00' }, errors: ['expected a date YYYY-MM-DD'] },
  { name: 'type datetime', fields: { d: { path: 'd', type: 'datetime' } }, input: { d: '2026-01-02 10:00:00' }, expected: { d: '2026-01-02 10:00:00' } },
  { name: 'type array', fields: { d: { path: 'd', type: 'array' } }, input: { d: [1, 2] }, expected: { d: [1, 2] } },
  { name: 'type array rejects an object', fields: { d: { path: 'd', type: 'array' } }, input: { d: { a: 1 } }, errors: ['expected a list, got an object'] },
  // ---- cross references ----
  {
    name: 'external_id from a many2one dict',
    fields: { contact: { external_id: { model: 'res.partner', of: 'partner_id' } } },
    head: { system: 'hubspot' },
    input: { partner_id: { id: 7, name: 'A' } },
    ctx: { table: { links: [{ system: 'hubspot', model: 'res.partner', id: 7, external_id: 'hs-7' }] } },
    expected: { contact: 'hs-7' },
  },
  {
    name: 'external_id from an id, other system',
    fields: { c: { external_id: { model: 'res.partner', of: 'partner_id', system: 'salesforce' } } },
    head: { system: 'hubspot' },
    input: { partner_id: 7 },
    ctx: { table: { links: [{ system: 'salesforce', model: 'res.partner', id: 7, external_id: '001X' }] } },
    expected: { c: '001X' },
  },
  {
    name: 'unresolved external_id is an error',
    fields: { c: { external_id: { model: 'res.partner', of: 'partner_id' } } },
    head: { system: 'hubspot' },
    input: { partner_id: { id: 8 } },
    errors: ['fields.c: partner_id: no hubspot id linked to res.partner 8 (add optional: true to allow)'],
  },
  {
    name: 'unresolved external_id allowed with optional',
    fields: { c: { external_id: { model: 'res.partner', of: 'partner_id' }, optional: true } },
    input: { partner_id: { id: 8 } },
    expected: {},
  },
  {
    name: 'inbound many2one by external id, by natural key, and x2many create commands',
    head: { direction: 'inbound', source: 'hubspot.contact', system: 'hubspot', output: 'odoo.vals', odoo_model: 'sale.order' },
    fields: {
      partner_id: { odoo_id: { model: 'res.partner', of: 'company_id' } },
      user_id: { odoo_id: { model: 'res.users', of: 'owner_email', by: 'login' } },
      order_line: {
        each: 'items',
        command: 'create',
        fields: {
          product_id: { odoo_id: { model: 'product.product', of: 'sku', by: 'default_code' } },
          product_uom_qty: 'qty',
        },
      },
      tag_ids: { each: 'tags', command: 'set', value: { odoo_id: { model: 'crm.tag', of: '$', by: 'name' } } },
    },
    input: { company_id: '555', owner_email: 'bob@x', items: [{ sku: 'A', qty: 2 }], tags: ['vip'] },
    ctx: {
      table: {
        links: [{ system: 'hubspot', model: 'res.partner', id: 9, external_id: '555' }],
        keys: [
          { model: 'res.users', field: 'login', value: 'bob@x', id: 2 },
          { model: 'product.product', field: 'default_code', value: 'A', id: 31 },
          { model: 'crm.tag', field: 'name', value: 'vip', id: 4 },
        ],
      },
    },
    expected: { partner_id: 9, user_id: 2, order_line: [[0, 0, { product_id: 31, product_uom_qty: 2 }]], tag_ids: [[6, 0, [4]]] },
  },
  {
    name: 'x2many link and replace commands',
    head: { direction: 'inbound', source: 'm', output: 'odoo.vals', odoo_model: 'x' },
    fields: {
      a: { each: 'ids', command: 'link', value: '$' },
      b: { each: 'rows', command: 'replace', fields: { name: 'n' } },
    },
    input: { ids: [1, 2], rows: [{ n: 'x' }] },
    expected: { a: [[4, 1, 0], [4, 2, 0]], b: [[5, 0, 0], [0, 0, { name: 'x' }]] },
  },
  {
    name: 'unknown natural key is an error naming model, field and value',
    head: { direction: 'inbound', source: 'm', output: 'odoo.vals', odoo_model: 'x' },
    fields: { p: { odoo_id: { model: 'product.product', of: 'sku', by: 'default_code' } } },
    input: { sku: 'NOPE' },
    errors: ['fields.p: sku: no product.product with default_code = "NOPE" (add optional: true to allow)'],
  },
  // ---- canonical output validation ----
  {
    name: 'inbound output is validated against the canonical schema',
    head: { direction: 'inbound', source: 'x.msg', output: 'canonical.stock_snapshot' },
    fields: {
      message_id: { const: 'm' },
      source: { const: 'x' },
      location: 'loc',
      as_of: { const: '2026-01-01 00:00:00' },
      lines: { each: 'items', fields: { sku: 'sku', on_hand: 'qty', available: 'qty' } },
    },
    input: { loc: 'WH', items: [{ sku: 'A', qty: 'many' }] },
    errors: ['output canonical.stock_snapshot: lines[0].on_hand: expected number, received string'],
  },
  {
    name: 'canonical schema refuses unknown keys (typos in field names)',
    head: { direction: 'inbound', source: 'x.msg', output: 'canonical.stock_snapshot' },
    fields: { message_id: { const: 'm' }, source: { const: 'x' }, location: 'loc', as_of: { const: '2026-01-01 00:00:00' }, lines: { const: [] }, locaton: 'loc' },
    input: { loc: 'WH' },
    errors: ['Unrecognized key: "locaton"'],
  },
];

describe('mapping constructs (table)', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const r = run(c);
      if (c.errors) {
        expect(r.ok, r.ok ? `unexpected payload ${JSON.stringify(r.value)}` : '').to.equal(false);
        if (!r.ok) {
          for (const want of c.errors) {
            expect(r.errors.some((e) => e.includes(want)), `no error contains ${JSON.stringify(want)}; got:\n${r.errors.join('\n')}`).to.equal(true);
          }
        }
      } else {
        if (!r.ok) throw new Error(`unexpected errors:\n${r.errors.join('\n')}`);
        expect(JSON.parse(JSON.stringify(r.value))).to.deep.equal(c.expected);
      }
    });
  }

  it('run-time error lines name file:line:col, field and data path', () => {
    const r = run({ name: 'x', fields: { ref: 'name' }, input: {} });
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.errors[0]).to.match(/^test\.yaml:\d+:\d+ fields\.ref: name: missing \(add optional: true to allow\)$/);
  });
});

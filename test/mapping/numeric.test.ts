import { expect } from 'chai';
import { convertUom, DEFAULT_ODOO_SERIES, floatRound, loadMapping, requiredSpec, runMapping, UOM_FIELDS, uomRuleOf } from '../../bridge/mapping/index.js';
import { odooSeriesOf } from '../../bridge/odoo/server-version.js';

describe("Odoo rounding and units of measure", () => {
  const cases: [number, number, 'HALF-UP' | 'UP' | 'DOWN', number][] = [
    [2.675, 0.01, 'HALF-UP', 2.68],
    [1.005, 0.01, 'HALF-UP', 1.01],
    [-2.5, 1, 'HALF-UP', -3],
    [1.25, 0.5, 'HALF-UP', 1.5],
    [1.0001, 0.01, 'UP', 1.01],
    [1.0000000000001, 0.01, 'UP', 1.01],
    [24.000000000000004, 0.01, 'UP', 24],
    [1.999, 0.01, 'DOWN', 1.99],
    [-1.999, 0.01, 'DOWN', -1.99],
    [0, 0.01, 'UP', 0],
    [1234.5, 1, 'HALF-UP', 1235],
    [0.1 + 0.2, 0.1, 'HALF-UP', 0.3],
  ];
  for (const [v, r, m, want] of cases) {
    it(`float_round(${v}, ${r}, ${m}) = ${want}`, () => expect(floatRound(v, r, m)).to.equal(want));
  }
  const U = { factor: 1, rounding: 0.01, category: 1, name: 'Units' };
  const DZ = { factor: 1 / 12, rounding: 0.01, category: 1, name: 'Dozens' };
  const KG = { factor: 1, rounding: 0.001, category: 2, name: 'kg' };
  it('converts dozens to units and back', () => {
    expect(convertUom(2, DZ, U)).to.equal(24);
    expect(convertUom(25, U, DZ)).to.equal(2.09);
    expect(convertUom(25, U, DZ, true, 'HALF-UP')).to.equal(2.08);
    expect(convertUom(25, U, DZ, false)).to.be.closeTo(2.0833333, 1e-6);
  });
  it('refuses to convert across categories', () => {
    expect(convertUom(1, U, KG)).to.equal('cannot convert from unit Units to kg: different categories');
  });
});

describe('units of measure on Odoo 19 (unit trees, factor = reference units per unit)', () => {
  const U = { factor: 1, rounding: 0.01, category: 1, name: 'Units' };
  const DZ = { factor: 12, rounding: 0.01, category: 1, name: 'Dozens' };
  const G = { factor: 0.001, rounding: 0.01, category: 9, name: 'g' };
  it('multiplies by the source factor and divides by the target factor', () => {
    expect(convertUom(2, DZ, U, true, 'UP', 'tree')).to.equal(24);
    expect(convertUom(25, U, DZ, true, 'UP', 'tree')).to.equal(2.09);
    expect(convertUom(25, U, DZ, true, 'HALF-UP', 'tree')).to.equal(2.08);
    // The same numbers under 18's rule would be wrong by a factor of 144.
    expect(convertUom(2, DZ, U, true, 'UP', 'category')).to.not.equal(24);
  });
  it('refuses units of different reference trees, naming them', () => {
    expect(convertUom(1, U, G, true, 'UP', 'tree')).to.equal('cannot convert from unit Units to g: different reference units');
  });
  it('picks the rule by series', () => {
    expect(uomRuleOf(17)).to.equal('category');
    expect(uomRuleOf(18)).to.equal('category');
    expect(uomRuleOf(19)).to.equal('tree');
    expect(UOM_FIELDS.tree).to.include('parent_path').and.not.include('category_id');
  });

  const mapping = `direction: outbound
source: sale.order.line
system: test
events: [release]
output: test
fields:
  qty: { path: product_uom_qty, pipe: [{ uom: { from: product_uom, to: product_id.uom_id } }] }
`;
  const line = (from: Record<string, unknown>, to: Record<string, unknown>) => ({ product_uom_qty: 3, product_uom: from, product_id: { uom_id: to } });
  it('compiles for 19: asks Odoo for parent_path instead of category_id and converts with it', () => {
    const m = loadMapping(mapping, 'release.yaml', { odooSeries: 19 });
    const spec = requiredSpec(m) as Record<string, { fields: Record<string, unknown> }>;
    expect(Object.keys(spec['product_uom']!.fields).sort()).to.deep.equal(['factor', 'name', 'parent_path', 'rounding']);
    const ok = runMapping(m, line({ factor: 12, rounding: 1, parent_path: '1/4/', name: 'Dozens' }, { factor: 1, rounding: 1, parent_path: '1/', name: 'Units' }), { event: 'release' });
    expect(ok).to.deep.equal({ ok: true, value: { qty: 36 } });
    const refused = runMapping(m, line({ factor: 1, rounding: 1, parent_path: '12/', name: 'kg' }, { factor: 1, rounding: 1, parent_path: '1/', name: 'Units' }), { event: 'release' });
    expect(refused.ok).to.equal(false);
    if (!refused.ok) expect(refused.errors[0]!.message).to.equal('uom: cannot convert from unit kg to Units: different reference units');
    const noPath = runMapping(m, line({ factor: 12, rounding: 1, category_id: 1, name: 'Dozens' }, { factor: 1, rounding: 1, parent_path: '1/', name: 'Units' }), { event: 'release' });
    expect(noPath.ok).to.equal(false);
    if (!noPath.ok) expect(noPath.errors[0]!.message).to.equal('uom: unit of measure has no parent_path');
  });
  it('compiles for 18 by default: category_id, and the same mapping text has the same version either way', () => {
    const m18 = loadMapping(mapping, 'release.yaml');
    const spec = requiredSpec(m18) as Record<string, { fields: Record<string, unknown> }>;
    expect(Object.keys(spec['product_uom']!.fields)).to.include('category_id');
    expect(loadMapping(mapping, 'release.yaml', { odooSeries: 19 }).version).to.equal(m18.version);
    expect(DEFAULT_ODOO_SERIES).to.equal(18);
  });
});

describe('odooSeriesOf', () => {
  for (const [v, want] of [['18.0', 18], ['18.0+e', 18], ['saas~18.3', 18], ['19.0-20251001', 19], ['17.0', 17]] as const) {
    it(`${v} -> ${want}`, () => expect(odooSeriesOf(v)).to.equal(want));
  }
  it('refuses a version without a series', () => expect(() => odooSeriesOf('master')).to.throw(/cannot tell the Odoo series/));
});

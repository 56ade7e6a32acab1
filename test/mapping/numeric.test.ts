import { expect } from 'chai';
import { convertUom, floatRound } from '../../bridge/mapping/index.js';

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

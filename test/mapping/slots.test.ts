/**
 * Property slots (slots.ts): each name of each mapping file gets its own access site, the two
 * levels of switches reach every site, and names beyond the slots still read and write right.
 */
import { expect } from 'chai';
import { compileMapping, runMapping } from '../../bridge/mapping/index.js';
import { getSlot, GROUP_SIZE, SLOT_COUNT, SLOT_GROUPS, setSlot, slotOf, slotsTaken, withSlotOwner } from '../../bridge/mapping/slots.js';

describe('mapping engine: property slots', () => {
  it('hands out slots per mapping file: the same name in two files gets two slots, a file compiled again keeps its own', () => {
    const a1 = withSlotOwner('slots-test/a.yaml', () => slotOf('slots_test_name'));
    const b = withSlotOwner('slots-test/b.yaml', () => slotOf('slots_test_name'));
    const a2 = withSlotOwner('slots-test/a.yaml', () => slotOf('slots_test_name'));
    expect(a1).to.equal(a2);
    if (a1 < SLOT_COUNT) expect(b).to.not.equal(a1);
  });

  it('restores the previous owner after a compilation, also when it throws', () => {
    const outer = withSlotOwner('slots-test/outer.yaml', () => {
      expect(() => withSlotOwner('slots-test/inner.yaml', () => { throw new Error('boom'); })).to.throw('boom');
      return slotOf('slots_test_owner');
    });
    expect(withSlotOwner('slots-test/outer.yaml', () => slotOf('slots_test_owner'))).to.equal(outer);
  });

  it('every site reads and writes the property it is given, in every group, and past the last slot', () => {
    expect(SLOT_COUNT).to.equal(GROUP_SIZE * SLOT_GROUPS);
    for (let slot = 0; slot <= SLOT_COUNT + 3; slot++) {
      const k = `p${slot}`;
      const o: Record<string, unknown> = { other: 1 };
      setSlot(o, slot, k, slot * 2);
      expect(o, `slot ${slot}`).to.deep.equal({ other: 1, [k]: slot * 2 });
      expect(getSlot(o, slot, k), `slot ${slot}`).to.equal(slot * 2);
      expect(getSlot(o, slot, 'other'), `slot ${slot}`).to.equal(1);
    }
  });

  it('mappings compiled after every slot is taken still map right (the shared site)', () => {
    // Enough files of fresh names to use up the slots (earlier tests and mappings took some).
    const text = (i: number) =>
      `direction: outbound\nsource: res.partner\nsystem: x\nevents: [e]\noutput: x.p\nfields:\n` +
      Array.from({ length: 40 }, (_, j) => `  out_${i}_${j}: in_${i}_${j}\n`).join('');
    const input = (i: number) => Object.fromEntries(Array.from({ length: 40 }, (_, j) => [`in_${i}_${j}`, `${i}.${j}`]));
    let i = 0;
    while (slotsTaken() < SLOT_COUNT) {
      const r = compileMapping(text(i), `slots-test/fill-${i}.yaml`);
      expect(r.ok).to.equal(true);
      i++;
    }
    const r = compileMapping(text(i), `slots-test/fill-${i}.yaml`);
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    const out = runMapping(r.mapping, input(i), { event: 'e' });
    expect(out).to.deep.equal({ ok: true, value: Object.fromEntries(Array.from({ length: 40 }, (_, j) => [`out_${i}_${j}`, `${i}.${j}`])) });
  });
});

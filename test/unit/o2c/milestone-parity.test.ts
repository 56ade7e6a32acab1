import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MILESTONES } from '../../../bridge/canonical/milestone.js';
import { WMS_MILESTONES } from '../../../bridge/inbound/o2c-topics.js';
import { repoRoot } from '../inbound/helpers.js';

/**
 * The canonical milestone list exists three times: the sidecar's zod schema, the addon's copy of
 * the canonical contract (models/inbound_schema.py, which validates what sync_apply receives) and
 * the addon's selection with its same-second order (models/sync_milestone.py). A milestone added
 * on one side only would be refused by the other: they must stay equal.
 */
const addon = (f: string) => readFileSync(path.join(repoRoot, 'odoo_addon/sync_bridge/models', f), 'utf8');
const strings = (block: string) => [...block.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]!);

function pythonBlock(src: string, name: string, open: string, close: string): string {
  const start = src.indexOf(`\n${name} = ${open}`);
  expect(start, `${name} = ${open}... in the addon`).to.be.greaterThan(-1);
  return src.slice(start, src.indexOf(close, start));
}

describe('canonical milestones: sidecar and addon agree', () => {
  it('inbound_schema.py MILESTONES equals the zod enum, in order', () => {
    expect(strings(pythonBlock(addon('inbound_schema.py'), 'MILESTONES', '(', ')'))).to.deep.equal([...MILESTONES]);
  });

  it('sync_milestone.py: the selection and the same-second STEPS cover exactly the canonical milestones, steps distinct', () => {
    const src = addon('sync_milestone.py');
    const selection = [...pythonBlock(src, 'MILESTONES', '[', ']').matchAll(/\("([a-z_]+)",/g)].map((m) => m[1]!);
    expect(selection).to.have.members([...MILESTONES]).and.to.have.length(MILESTONES.length);
    const steps = [...pythonBlock(src, 'STEPS', '{', '}').matchAll(/"([a-z_]+)":\s*(\d+)/g)].map((m) => [m[1]!, Number(m[2])] as const);
    expect(steps.map(([k]) => k)).to.have.members([...MILESTONES]).and.to.have.length(MILESTONES.length);
    expect(new Set(steps.map(([, n]) => n)).size, 'distinct steps').to.equal(steps.length);
    const step = Object.fromEntries(steps);
    expect(step['on_hold']! < step['resumed']! && step['resumed']! < step['shipped']!, 'resumed after a hold, before shipped').to.equal(true);
  });

  it('the CRM order_status mappings map exactly the canonical milestones (a new one would otherwise fail every status event)', () => {
    for (const file of ['mappings/hubspot/order_status.yaml', 'mappings/salesforce/order_status.yaml']) {
      const text = readFileSync(path.join(repoRoot, file), 'utf8');
      const m = /(?:odoo_fulfilment_status|Odoo_Fulfilment_Status__c):\s*\n(?:\s+.*\n)*?\s+- map: \{ table: \{ ([^}]*) \} \}/.exec(text);
      expect(m, `${file}: the fulfilment status value map`).to.not.equal(null);
      const keys = m![1]!.split(',').map((pair) => pair.split(':')[0]!.trim());
      expect(keys, file).to.have.members([...MILESTONES]).and.to.have.length(MILESTONES.length);
    }
  });

  it('the generic WMS webhook milestones are the canonical ones', () => {
    expect([...WMS_MILESTONES]).to.have.members([...MILESTONES]).and.to.have.length(MILESTONES.length);
  });
});

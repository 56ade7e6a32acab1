import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { INVOICE_STATUS_OPTIONS } from '../../fakes/hubspot/portal.js';
import { INVOICE_STATUS_PICKLIST } from '../../fakes/salesforce/org.js';
import { repoRoot } from '../inbound/helpers.js';

/**
 * The order's invoice states exist in the addon (sale.order.sync_invoice_state, INVOICE_STATES in
 * models/sale_order.py) and in the value maps of the shipped order_status mappings, whose values
 * are the options of the CRM's dropdown / picklist (set up in the fakes as the preset docs say).
 * A state added on one side only would fail every status event of such an order (the maps have
 * no fallback) or write an option the CRM refuses: they must stay equal.
 */
const read = (f: string) => readFileSync(path.join(repoRoot, f), 'utf8');

function addonStates(): string[] {
  const src = read('odoo_addon/sync_bridge/models/sale_order.py');
  const start = src.indexOf('\nINVOICE_STATES = [');
  expect(start, 'INVOICE_STATES = [... in sale_order.py').to.be.greaterThan(-1);
  return [...src.slice(start, src.indexOf(']', start)).matchAll(/\("([a-z_]+)",/g)].map((m) => m[1]!);
}

type Node = Record<string, unknown>;
function valueMap(file: string, fieldPath: string[]): Record<string, string> {
  let node = parse(read(file)) as Node;
  for (const key of fieldPath) node = node[key] as Node;
  const pipe = node['pipe'] as Array<{ map?: { table: Record<string, string>; fallback?: unknown; keep_unmatched?: unknown } }>;
  const map = pipe.find((p) => p.map)?.map;
  expect(map, `${file}: a value map on ${fieldPath.join('.')}`).to.not.equal(undefined);
  expect(map!.fallback, 'no fallback: an unknown state fails the event').to.equal(undefined);
  expect(map!.keep_unmatched, 'no keep_unmatched').to.equal(undefined);
  return map!.table;
}

describe('invoice states: addon, shipped CRM mappings and CRM set-up agree', () => {
  const states = addonStates();

  it('the addon has the documented states', () => {
    expect(states).to.deep.equal(['not_invoiced', 'invoiced', 'partial', 'in_payment', 'paid', 'credited']);
  });

  it('hubspot/order_status.yaml maps every state, to the odoo_invoice_status dropdown options', () => {
    const table = valueMap('mappings/hubspot/order_status.yaml', ['fields', 'properties', 'fields', 'odoo_invoice_status']);
    expect(Object.keys(table)).to.have.members(states).and.to.have.length(states.length);
    expect(Object.values(table)).to.have.members([...INVOICE_STATUS_OPTIONS]).and.to.have.length(INVOICE_STATUS_OPTIONS.length);
  });

  it('salesforce/order_status.yaml maps every state, to the Odoo_Invoice_Status__c picklist values', () => {
    const table = valueMap('mappings/salesforce/order_status.yaml', ['fields', 'Odoo_Invoice_Status__c']);
    expect(Object.keys(table)).to.have.members(states).and.to.have.length(states.length);
    expect(Object.values(table)).to.have.members([...INVOICE_STATUS_PICKLIST]).and.to.have.length(INVOICE_STATUS_PICKLIST.length);
  });

  it('the preset docs and the mappings\' headers list the same options', () => {
    const hubspot = [read('docs/presets/hubspot.md'), read('mappings/hubspot/order_status.yaml')];
    for (const doc of hubspot) expect(doc.replace(/`/g, '').replace(/\s+#?\s*/g, ' ')).to.contain(`odoo_invoice_status (dropdown: ${INVOICE_STATUS_OPTIONS.join(', ')})`.replace(/\s+/g, ' '));
    const salesforce = [read('docs/presets/salesforce.md'), read('mappings/salesforce/order_status.yaml')];
    for (const doc of salesforce) expect(doc.replace(/`/g, '').replace(/\s+#?\s*/g, ' ')).to.contain(`Odoo_Invoice_Status__c picklist: ${INVOICE_STATUS_PICKLIST.join(', ')}`);
  });
});

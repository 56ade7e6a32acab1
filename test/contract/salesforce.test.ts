import { expect } from 'chai';
import { createConnector, type Connector } from '../../bridge/connectors/index.js';
import { PermanentError } from '../../bridge/errors/index.js';
import { startFake, type SalesforceFake } from '../fakes/start.js';
import { deliver, loadPreset, mapCase, non2xx, outbound, secrets, targetConfig, type ContractCase } from './helpers.js';

const preset = loadPreset('salesforce');
const TARGET = 'salesforce_contract';

/**
 * The org set up as the preset and the shipped mappings document: `Odoo_Id__c` (external id,
 * unique) exists on every synced object in the fake; the mappings also write the custom fields
 * Account.Odoo_Vat__c and Opportunity.Odoo_Order_Ref__c / Odoo_Order_Status__c (picklist) /
 * Odoo_Last_Update__c.
 */
function setUpOrg(fake: SalesforceFake): void {
  fake.store.objects['Account']!.fields['Odoo_Vat__c'] = { type: 'string', length: 40 };
  const opp = fake.store.objects['Opportunity']!.fields;
  opp['Odoo_Order_Ref__c'] = { type: 'string', length: 80 };
  opp['Odoo_Order_Status__c'] = { type: 'picklist', picklist: ['Confirmed', 'Picking', 'Partially Shipped', 'Shipped', 'Cancelled'] };
  opp['Odoo_Last_Update__c'] = { type: 'datetime' };
  // Issue 8: fulfilment milestone and proof of delivery on opportunities, available to promise on products.
  opp['Odoo_Fulfilment_Status__c'] = { type: 'picklist', picklist: ['accepted', 'allocated', 'picked', 'packed', 'shipped', 'delivered', 'exception', 'on_hold', 'resumed'] };
  opp['Odoo_Delivered_At__c'] = { type: 'datetime' };
  opp['Odoo_Delivery_Proof__c'] = { type: 'string', length: 255 };
  const product = fake.store.objects['Product2']!.fields;
  product['Odoo_ATP__c'] = { type: 'double' };
}

const SOBJECT_OF_SOURCE: Record<string, string> = { 'res.partner': 'Account', 'product.product': 'Product2', 'product.template': 'Product2' };

describe('contract: salesforce mappings -> Salesforce connector -> Salesforce fake (REST v61.0)', () => {
  let fake: SalesforceFake;
  let connector: Connector;

  before(async () => {
    fake = await startFake('salesforce');
  });
  after(async () => fake?.close());
  beforeEach(async () => {
    await fake.reset();
    setUpOrg(fake);
    // A new connector per test: the fake's reset revokes every token, the connector caches one.
    connector = createConnector(
      TARGET,
      targetConfig({
        preset: 'salesforce',
        base_url: `${fake.url}/services/data/v61.0/`,
        auth: { type: 'oauth2_client_credentials', token_url: `${fake.url}/services/oauth2/token`, client_id: fake.clientId, client_secret: { env: 'SF_SECRET' } },
      }),
      secrets({ SF_SECRET: 'sf-client-secret' }),
    );
  });

  it('every outbound mapping has at least one successful fixture case', () => {
    expect(preset.mappings.size, 'outbound mappings found').to.be.greaterThan(0);
    expect(preset.uncovered, 'outbound mappings without a successful fixture case').to.deep.equal([]);
  });

  /** Upsert by Odoo_Id__c twice: one create then one update; the record holds the mapped fields. */
  async function upsertTwice(c: ContractCase) {
    const sobject = SOBJECT_OF_SOURCE[c.mapping.source]!;
    const payload = mapCase(c);
    const key = String(payload.Odoo_Id__c);
    const first = await deliver(connector, outbound(TARGET, c, payload));
    expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
    expect(fake.ledger.createsFor(key, sobject)).to.equal(1);
    const rec = fake.store.findBy(sobject, 'Odoo_Id__c', key)[0]!;
    expect(rec.Id).to.equal(first.externalRef);
    for (const [k, v] of Object.entries(payload)) if (k !== 'attributes') expect(rec[k], k).to.deep.equal(v);
    const second = await deliver(connector, outbound(TARGET, c, payload));
    expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
    expect(second.externalRef).to.equal(first.externalRef);
    expect(fake.ledger.createsFor(key, sobject)).to.equal(1);
    expect(fake.ledger.updatesFor(key, sobject)).to.equal(1);
  }

  for (const c of preset.cases) {
    it(`${c.mappingName} [${c.event}] ${c.case.name}`, async () => {
      const src = c.mapping.source;
      if (SOBJECT_OF_SOURCE[src] && (c.event === 'upsert' || c.event === 'atp')) return upsertTwice(c);
      if (src === 'sale.order' && c.event === 'status') {
        // The opportunity the order came from (sync.link holds its Id).
        const rec = c.case.input as { id: number; name: string };
        const { opportunity } = fake.sim.createOpportunity({ name: rec.name, win: true });
        const from = fake.ledger.requests.length;
        const payload = mapCase(c, { xref: { links: [{ system: 'salesforce', model: 'sale.order', id: rec.id, external_id: opportunity.Id }] } });
        const res = await deliver(connector, outbound(TARGET, c, payload, { externalRef: opportunity.Id }));
        expect(non2xx(fake.ledger.requests, from)).to.deep.equal([]);
        expect(res.externalRef).to.equal(opportunity.Id);
        expect(fake.ledger.updatesFor(opportunity.Id, 'Opportunity')).to.equal(1);
        expect(fake.ledger.createsFor(opportunity.Id, 'Opportunity')).to.equal(0);
        expect(fake.store.all('Opportunity')).to.have.length(1);
        const stored = fake.store.get('Opportunity', opportunity.Id)!;
        expect(stored['Odoo_Order_Ref__c']).to.equal(payload.Odoo_Order_Ref__c);
        expect(stored['Odoo_Order_Status__c']).to.equal(payload.Odoo_Order_Status__c);
        return;
      }
      throw new Error(`no contract flow for ${src}/${c.event} (mapping ${c.mapping.file}); add one to test/contract/salesforce.test.ts`);
    });
  }

  it('a customer linked to an existing Account (e.g. created from it) updates that Account and stamps Odoo_Id__c, never creating a second one', async () => {
    const c = preset.cases.find((x) => x.mapping.source === 'res.partner' && x.event === 'upsert')!;
    const payload = mapCase(c);
    const key = String(payload.Odoo_Id__c);
    const existing = fake.sim.createRecord('Account', { Name: 'Created in Salesforce' });
    const from = fake.ledger.requests.length;
    const res = await deliver(connector, outbound(TARGET, c, payload, { externalRef: existing.Id }));
    expect(non2xx(fake.ledger.requests, from)).to.deep.equal([]);
    expect(res.externalRef).to.equal(existing.Id);
    expect(fake.store.all('Account')).to.have.length(1);
    expect(fake.store.findBy('Account', 'Odoo_Id__c', key).map((r) => r.Id)).to.deep.equal([existing.Id]);
    expect(fake.store.get('Account', existing.Id)!['Name']).to.equal(payload.Name);
    // Later upserts by the Odoo id find the same Account.
    const again = await deliver(connector, outbound(TARGET, c, payload));
    expect(again.externalRef).to.equal(existing.Id);
    expect(fake.store.all('Account')).to.have.length(1);
  });

  it('a customer whose linked Account was deleted in Salesforce is upserted by Odoo_Id__c again', async () => {
    const c = preset.cases.find((x) => x.mapping.source === 'res.partner' && x.event === 'upsert')!;
    const payload = mapCase(c);
    const gone = fake.sim.createRecord('Account', { Name: 'Deleted later' });
    fake.store.delete('Account', gone.Id);
    const res = await deliver(connector, outbound(TARGET, c, payload, { externalRef: gone.Id }));
    expect(res.externalRef).not.to.equal(gone.Id);
    expect(fake.store.findBy('Account', 'Odoo_Id__c', String(payload.Odoo_Id__c)).map((r) => r.Id)).to.deep.equal([res.externalRef]);
  });

  it('negative: a new product without Name is rejected by Salesforce (PermanentError with its message)', async () => {
    const c = preset.cases.find((x) => x.mapping.source === 'product.product' && x.event === 'upsert')!;
    const payload = mapCase(c);
    delete payload.Name;
    const err = await deliver(connector, outbound(TARGET, c, payload)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(PermanentError);
    expect((err as Error).message).to.match(/REQUIRED_FIELD_MISSING|Required fields are missing: \[Name\]/);
    expect(fake.ledger.createsFor(String(payload.Odoo_Id__c), 'Product2')).to.equal(0);
  });
});

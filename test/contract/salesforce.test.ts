import { expect } from 'chai';
import { createConnector, type Connector } from '../../bridge/connectors/index.js';
import { PermanentError } from '../../bridge/errors/index.js';
import { setUpOdooOrg as setUpOrg } from '../fakes/salesforce/org.js';
import { startFake, type SalesforceFake } from '../fakes/start.js';
import { deliver, loadPreset, mapCase, non2xx, outbound, secrets, targetConfig, type ContractCase } from './helpers.js';

const preset = loadPreset('salesforce');
const TARGET = 'salesforce_contract';

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
        // Every mapped field is stored as sent (datetimes in Salesforce's own form); fields_to_null are cleared.
        for (const [k, v] of Object.entries(payload)) {
          if (['attributes', 'external_id_field', 'Id', 'fields_to_null'].includes(k) || k.endsWith('_At__c') || k === 'Odoo_Last_Update__c') continue;
          expect(stored[k], k).to.deep.equal(v);
        }
        for (const k of (payload.fields_to_null as string[] | undefined) ?? []) expect(stored[k], `${k} cleared`).to.equal(null);
        return;
      }
      throw new Error(`no contract flow for ${src}/${c.event} (mapping ${c.mapping.file}); add one to test/contract/salesforce.test.ts`);
    });
  }

  it('invoicing: an opportunity shown partly paid, then paid: the due date is cleared (null), the paid date set; nothing created', async () => {
    const byName = (n: string) => preset.cases.find((x) => x.mappingName === 'order_status' && x.case.name.startsWith(n))!;
    const { opportunity } = fake.sim.createOpportunity({ name: 'S00050', win: true });
    const links = { links: [{ system: 'salesforce', model: 'sale.order', id: 50, external_id: opportunity.Id }] };
    const from = fake.ledger.requests.length;
    for (const n of ['invoiced twice and partly paid', 'paid in full']) {
      const c = byName(n);
      await deliver(connector, outbound(TARGET, c, mapCase(c, { xref: links }), { externalRef: opportunity.Id }));
      const stored = fake.store.get('Opportunity', opportunity.Id)!;
      if (n.startsWith('invoiced')) {
        expect(stored).to.include({ Odoo_Invoice_Status__c: 'Partially Paid', Odoo_Amount_Due__c: 734.5, Odoo_Invoice_Due_Date__c: '2026-12-21', Odoo_Paid_Date__c: null });
      } else {
        expect(stored).to.include({ Odoo_Invoice_Status__c: 'Paid', Odoo_Amount_Due__c: 0, Odoo_Invoice_Due_Date__c: null, Odoo_Paid_Date__c: '2027-01-04' });
      }
    }
    expect(non2xx(fake.ledger.requests, from)).to.deep.equal([]);
    expect(fake.ledger.updatesFor(opportunity.Id, 'Opportunity')).to.equal(2);
    expect(fake.store.all('Opportunity')).to.have.length(1);
  });

  it('negative: an org whose invoice status picklist lacks a value refuses the update (restricted picklist), nothing half-written', async () => {
    fake.store.objects['Opportunity']!.fields['Odoo_Invoice_Status__c'] = { type: 'picklist', picklist: ['Invoiced', 'Paid'] };
    const c = preset.cases.find((x) => x.mappingName === 'order_status' && x.case.name.startsWith('invoiced twice and partly paid'))!;
    const { opportunity } = fake.sim.createOpportunity({ name: 'S00050', win: true });
    const payload = mapCase(c, { xref: { links: [{ system: 'salesforce', model: 'sale.order', id: 50, external_id: opportunity.Id }] } });
    const err = await deliver(connector, outbound(TARGET, c, payload, { externalRef: opportunity.Id })).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(PermanentError);
    expect((err as Error).message).to.contain('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    expect(fake.store.get('Opportunity', opportunity.Id)!['Odoo_Amount_Due__c'] ?? null).to.equal(null);
  });

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

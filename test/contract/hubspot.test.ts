import { expect } from 'chai';
import { createConnector, type Connector } from '../../bridge/connectors/index.js';
import { PermanentError } from '../../bridge/errors/index.js';
import { startFake, type HubSpotFake } from '../fakes/start.js';
import { deliver, loadPreset, mapCase, non2xx, outbound, secrets, targetConfig, type ContractCase } from './helpers.js';

const preset = loadPreset('hubspot');
const TARGET = 'hubspot_contract';

/**
 * The portal set up as the shipped mappings document in their headers: unique-value custom
 * properties `odoo_partner_id` (contacts) and `odoo_product_id` (products), and the deal
 * properties `odoo_order_ref`, `odoo_order_status` (dropdown), `odoo_last_update` (date-time).
 * `odoo_id` (the preset's default id property) exists on every object in the fake already.
 */
function setUpPortal(fake: HubSpotFake): void {
  fake.schema.contacts['odoo_partner_id'] = { type: 'string', unique: true };
  fake.schema.products['odoo_product_id'] = { type: 'string', unique: true };
  fake.schema.deals['odoo_order_ref'] = { type: 'string' };
  fake.schema.deals['odoo_order_status'] = { type: 'enumeration', options: ['confirmed', 'picking', 'partially_shipped', 'shipped', 'cancelled'] };
  fake.schema.deals['odoo_last_update'] = { type: 'datetime' };
  // Issue 8: fulfilment milestone and proof of delivery on deals, available to promise on products.
  fake.schema.deals['odoo_fulfilment_status'] = { type: 'enumeration', options: ['accepted', 'allocated', 'picked', 'packed', 'shipped', 'delivered', 'exception', 'on_hold'] };
  fake.schema.deals['odoo_delivered_at'] = { type: 'datetime' };
  fake.schema.deals['odoo_delivery_proof'] = { type: 'string' };
  fake.schema.products['odoo_atp'] = { type: 'number' };
  fake.schema.products['odoo_atp_updated_at'] = { type: 'datetime' };
}

const OBJECT_OF_KIND: Record<string, (payload: Record<string, unknown>) => string> = {
  customer: (p) => (p.object_type === 'contacts' ? 'contacts' : 'companies'),
  product: () => 'products',
};

describe('contract: hubspot mappings -> HubSpot connector -> HubSpot fake (CRM v3)', () => {
  let fake: HubSpotFake;
  let connector: Connector;

  before(async () => {
    fake = await startFake('hubspot');
    setUpPortal(fake);
    connector = createConnector(
      TARGET,
      targetConfig({
        preset: 'hubspot',
        base_url: fake.baseUrl,
        auth: { type: 'bearer', token: { env: 'HUBSPOT_TOKEN' } },
        options: { id_property: 'odoo_id' },
      }),
      secrets({ HUBSPOT_TOKEN: 'hubspot-test-token' }),
    );
  });
  after(async () => fake?.close());
  beforeEach(async () => {
    await fake.reset();
    setUpPortal(fake);
  });

  it('every outbound mapping has at least one successful fixture case', () => {
    expect(preset.mappings.size, 'outbound mappings found').to.be.greaterThan(0);
    expect(preset.uncovered, 'outbound mappings without a successful fixture case').to.deep.equal([]);
  });

  /** Upsert twice: one create then one update of the same unique value; the stored properties are the mapped ones. */
  async function upsertTwice(c: ContractCase) {
    const payload = mapCase(c);
    const req = outbound(TARGET, c, payload);
    const type = OBJECT_OF_KIND[req.kind]!(payload);
    const key = String(payload.id);
    const idProperty = String(payload.idProperty ?? 'odoo_id');
    const first = await deliver(connector, req);
    expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
    expect(fake.ledger.createsFor(key, type)).to.equal(1);
    const rec = fake.store.findBy(type as never, idProperty, key);
    expect(rec, `${type} with ${idProperty}=${key}`).to.not.equal(undefined);
    expect(rec!.id).to.equal(first.externalRef);
    // The upsert used the mapping's own unique property, not the preset's default.
    if (idProperty !== 'odoo_id') expect(rec!.properties['odoo_id'] ?? null).to.equal(null);
    for (const [k, v] of Object.entries(payload.properties as Record<string, unknown>)) expect(rec!.properties[k], k).to.equal(String(v));
    const second = await deliver(connector, outbound(TARGET, c, payload));
    expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
    expect(second.externalRef).to.equal(first.externalRef);
    expect(fake.ledger.createsFor(key, type)).to.equal(1);
    expect(fake.ledger.updatesFor(key, type)).to.equal(1);
  }

  for (const c of preset.cases) {
    it(`${c.mappingName} [${c.event}] ${c.case.name}`, async () => {
      const src = c.mapping.source;
      if ((src === 'res.partner' || src.startsWith('product.')) && (c.event === 'upsert' || c.event === 'atp')) return upsertTwice(c);
      if (src === 'sale.order' && c.event === 'status') {
        // The deal the order came from (sync.link holds its HubSpot id).
        const rec = c.case.input as { id: number; name: string };
        const deal = fake.store.create('deals', { dealname: rec.name, pipeline: 'default', dealstage: 'closedwon' });
        const payload = mapCase(c, { xref: { links: [{ system: 'hubspot', model: 'sale.order', id: rec.id, external_id: deal.id }] } });
        const res = await deliver(connector, outbound(TARGET, c, payload, { externalRef: deal.id }));
        expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
        expect(res.externalRef).to.equal(deal.id);
        expect(fake.ledger.updatesFor(deal.id, 'deals')).to.equal(1);
        expect(fake.ledger.createsFor(deal.id, 'deals')).to.equal(0);
        const stored = fake.store.get('deals', deal.id)!;
        for (const [k, v] of Object.entries(payload.properties as Record<string, unknown>)) expect(stored.properties[k], k).to.equal(String(v));
        return;
      }
      throw new Error(`no contract flow for ${src}/${c.event} (mapping ${c.mapping.file}); add one to test/contract/hubspot.test.ts`);
    });
  }

  it('negative: a contact with an invalid email is rejected by HubSpot (PermanentError with its message)', async () => {
    const c = preset.cases.find((x) => x.mapping.source === 'res.partner' && (x.case.input as { email?: unknown }).email)!;
    const payload = mapCase(c);
    (payload.properties as Record<string, unknown>).email = 'not-an-email';
    const err = await deliver(connector, outbound(TARGET, c, payload)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(PermanentError);
    expect((err as Error).message).to.contain('Email address not-an-email is invalid');
    expect(fake.ledger.createsFor(String(payload.id), 'contacts')).to.equal(0);
  });
});

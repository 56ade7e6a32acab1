import { expect } from 'chai';
import { createConnector, type Connector } from '../../bridge/connectors/index.js';
import { PermanentError } from '../../bridge/errors/index.js';
import { startFake, type GenericWmsFake } from '../fakes/start.js';
import { casesFor, clone, deliver, loadPreset, mapCase, non2xx, outbound, secrets, targetConfig, type ContractCase } from './helpers.js';

const preset = loadPreset('generic_wms');
const TARGET = 'wms_contract';

describe('contract: generic_wms mappings -> generic WMS connector -> generic WMS fake (profile v1)', () => {
  let fake: GenericWmsFake;
  let connector: Connector;

  before(async () => {
    fake = await startFake('generic-wms');
    connector = createConnector(
      TARGET,
      // The preset's defaults (PUT /orders/{reference}, /items/{sku}, /customers/{ref}, 409 duplicate, 404 not found).
      targetConfig({ preset: 'generic_wms', base_url: fake.baseUrl, auth: { type: 'api_key', header: 'X-API-Key', key: { env: 'WMS_KEY' } } }),
      secrets({ WMS_KEY: fake.apiKeys[0]! }),
    );
  });
  after(async () => fake?.close());
  beforeEach(async () => fake.reset());

  it('every outbound mapping has at least one successful fixture case', () => {
    expect(preset.mappings.size, 'outbound mappings found').to.be.greaterThan(0);
    expect(preset.uncovered, 'outbound mappings without a successful fixture case').to.deep.equal([]);
  });

  /** Releases an order for the record of `c` (prerequisite of amend / cancel); returns its reference. */
  async function releasePrerequisite(c: ContractCase): Promise<string> {
    const release = casesFor(preset, 'sale.order', 'release')[0];
    if (!release) throw new Error('no successful sale.order release fixture to create the prerequisite order with');
    const rec = c.case.input as { id: number; name: string; sync_wms_ref?: string };
    const input = { ...clone(release.case.input as Record<string, unknown>), id: rec.id, name: rec.name, sync_wms_ref: rec.sync_wms_ref ?? rec.name };
    const payload = mapCase(release, { input });
    await deliver(connector, outbound(TARGET, release, payload, { resId: rec.id }));
    const ref = String(payload.reference);
    expect(fake.ledger.createsFor(ref, 'order'), 'prerequisite order').to.equal(1);
    return ref;
  }

  /** A master-data upsert twice: one create, then one update of the same key. */
  async function upsertTwice(c: ContractCase, resource: 'item' | 'customer', key: string) {
    await deliver(connector, outbound(TARGET, c, mapCase(c)));
    expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
    expect(fake.ledger.createsFor(key, resource)).to.equal(1);
    await deliver(connector, outbound(TARGET, c, mapCase(c)));
    expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
    expect(fake.ledger.createsFor(key, resource)).to.equal(1);
    expect(fake.ledger.updatesFor(key, resource)).to.equal(1);
  }

  for (const c of preset.cases) {
    it(`${c.mappingName} [${c.event}] ${c.case.name}`, async () => {
      const src = c.mapping.source;
      if (src === 'sale.order' && c.event === 'release') {
        const payload = mapCase(c);
        const ref = String(payload.reference);
        await deliver(connector, outbound(TARGET, c, payload));
        expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
        expect(fake.ledger.createsFor(ref, 'order')).to.equal(1);
        // The WMS holds exactly the mapped body (the reference travels in the URL).
        expect(fake.store.orders.get(ref)?.body).to.deep.equal(Object.fromEntries(Object.entries(payload).filter(([k]) => k !== 'reference')));
        // A retry of the same PUT changes nothing.
        await deliver(connector, outbound(TARGET, c, payload, { attempts: 2 }));
        expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
        expect(fake.ledger.createsFor(ref, 'order')).to.equal(1);
        expect(fake.ledger.updatesFor(ref, 'order')).to.equal(0);
        return;
      }
      if (src === 'sale.order' && c.event === 'amend') {
        const ref = await releasePrerequisite(c);
        const from = fake.ledger.requests.length;
        await deliver(connector, outbound(TARGET, c, mapCase(c), { externalRef: ref }));
        expect(non2xx(fake.ledger.requests, from)).to.deep.equal([]);
        expect(fake.ledger.createsFor(ref, 'order')).to.equal(1);
        expect(fake.ledger.updatesFor(ref, 'order')).to.equal(1);
        return;
      }
      if (src === 'sale.order' && c.event === 'cancel') {
        const ref = await releasePrerequisite(c);
        const rec = c.case.input as { id: number };
        const linked = c.case.xref?.links?.some((l) => l.model === 'sale.order' && l.id === rec.id) ?? false;
        const payload = mapCase(c, linked ? { xref: { links: [{ system: 'generic_wms', model: 'sale.order', id: rec.id, external_id: ref }] } } : {});
        const from = fake.ledger.requests.length;
        await deliver(connector, outbound(TARGET, c, payload, linked ? { externalRef: ref } : {}));
        expect(non2xx(fake.ledger.requests, from)).to.deep.equal([]);
        expect(fake.ledger.cancelsFor(ref, 'order')).to.equal(1);
        expect(fake.store.orders.get(ref)?.status).to.equal('cancelled');
        return;
      }
      if (src === 'product.product' || src === 'product.template') return upsertTwice(c, 'item', String(mapCase(c).sku));
      if (src === 'res.partner') return upsertTwice(c, 'customer', String(mapCase(c).ref));
      if (src === 'stock.picking' && c.event === 'asn') {
        // Issue 8: PUT /receipts/{reference}; the WMS holds the mapped body, a retry changes nothing.
        const payload = mapCase(c);
        const ref = String(payload.reference);
        const res = await deliver(connector, outbound(TARGET, c, payload));
        expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
        expect(fake.ledger.createsFor(ref, 'receipt')).to.equal(1);
        expect(res.externalRef).to.equal(fake.receipts.receipts.get(ref)!.receipt_id);
        expect(fake.receipts.receipts.get(ref)?.body).to.deep.equal(Object.fromEntries(Object.entries(payload).filter(([k]) => k !== 'reference')));
        await deliver(connector, outbound(TARGET, c, payload, { attempts: 2 }));
        expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
        expect(fake.ledger.createsFor(ref, 'receipt')).to.equal(1);
        expect(fake.ledger.updatesFor(ref, 'receipt')).to.equal(0);
        return;
      }
      if (src === 'stock.picking' && c.event === 'asn_amend') {
        // Issue 8: the amendment is the same PUT with the current lines: the receipt is replaced.
        const payload = mapCase(c);
        const ref = String(payload.reference);
        const before = clone(payload) as typeof payload;
        for (const l of before.lines as Array<{ quantity: number }>) l.quantity += 5;
        await deliver(connector, outbound(TARGET, { ...c, event: 'asn' }, before));
        await deliver(connector, outbound(TARGET, c, payload));
        expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
        expect(fake.ledger.createsFor(ref, 'receipt')).to.equal(1);
        expect(fake.ledger.updatesFor(ref, 'receipt')).to.equal(1);
        expect(fake.receipts.receipts.get(ref)?.body).to.deep.equal(Object.fromEntries(Object.entries(payload).filter(([k]) => k !== 'reference')));
        return;
      }
      if (src === 'stock.picking' && c.event === 'asn_cancel') {
        const asn = casesFor(preset, 'stock.picking', 'asn')[0]!;
        const payload = mapCase(c);
        const ref = String(payload.reference);
        // Never announced: 404, nothing to cancel.
        const none = await deliver(connector, outbound(TARGET, c, payload));
        expect(none.deduplicated).to.equal(true);
        await deliver(connector, outbound(TARGET, asn, mapCase(asn, { input: { ...clone(asn.case.input as Record<string, unknown>), name: ref } })));
        const from = fake.ledger.requests.length;
        await deliver(connector, outbound(TARGET, c, payload));
        expect(non2xx(fake.ledger.requests, from)).to.deep.equal([]);
        expect(fake.ledger.cancelsFor(ref, 'receipt')).to.equal(1);
        expect(fake.receipts.receipts.get(ref)?.status).to.equal('cancelled');
        await deliver(connector, outbound(TARGET, c, payload, { attempts: 2 }));
        expect(fake.ledger.cancelsFor(ref, 'receipt')).to.equal(1);
        return;
      }
      throw new Error(`no contract flow for ${src}/${c.event} (mapping ${c.mapping.file}); add one to test/contract/generic-wms.test.ts`);
    });
  }

  it('negative: an order whose ship_to has no city is rejected by the WMS (PermanentError with its message)', async () => {
    const c = casesFor(preset, 'sale.order', 'release')[0]!;
    const payload = mapCase(c);
    delete (payload.ship_to as Record<string, unknown>).city;
    const err = await deliver(connector, outbound(TARGET, c, payload)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(PermanentError);
    expect((err as Error).message).to.match(/ship_to\.city/);
    expect(fake.ledger.createsFor(String(payload.reference), 'order')).to.equal(0);
  });
});

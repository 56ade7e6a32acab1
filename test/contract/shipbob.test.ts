import { expect } from 'chai';
import { amendReference, createConnector, type Connector } from '../../bridge/connectors/index.js';
import { PermanentError } from '../../bridge/errors/index.js';
import { startFake, type ShipBobFake } from '../fakes/start.js';
import { casesFor, clone, deliver, loadPreset, mapCase, non2xx, outbound, secrets, targetConfig, type ContractCase } from './helpers.js';

const preset = loadPreset('shipbob');
const TARGET = 'shipbob_contract';

describe('contract: shipbob mappings -> ShipBob connector -> ShipBob fake (API 2026-01)', () => {
  let fake: ShipBobFake;
  let connector: Connector;

  before(async () => {
    // The fixtures' shipbob_location_id (7) is a fulfilment centre of this merchant.
    fake = await startFake('shipbob', { locations: [{ id: 7, name: 'Wilmington (DE)' }, { id: 1, name: 'Cicero (IL)' }] });
    connector = createConnector(
      TARGET,
      targetConfig({
        preset: 'shipbob',
        base_url: fake.baseUrl,
        auth: { type: 'bearer', token: { env: 'SHIPBOB_TOKEN' } },
        options: { channel_id: fake.channels[0]!.id, amend_strategy: 'cancel_recreate' },
      }),
      secrets({ SHIPBOB_TOKEN: fake.tokens[0]! }),
    );
  });
  after(async () => fake?.close());
  beforeEach(async () => fake.reset());

  it('every outbound mapping has at least one successful fixture case', () => {
    expect(preset.mappings.size, 'outbound mappings found').to.be.greaterThan(0);
    expect(preset.uncovered, 'outbound mappings without a successful fixture case').to.deep.equal([]);
  });

  /** Releases an order named like the record of `c` (prerequisite of cancel / amend); returns the ShipBob id. */
  async function releasePrerequisite(c: ContractCase): Promise<{ id: string; reference: string }> {
    const release = casesFor(preset, 'sale.order', 'release')[0];
    if (!release) throw new Error('no successful sale.order release fixture to create the prerequisite order with');
    const rec = c.case.input as { id: number; name: string; sync_wms_ref?: string };
    const input = { ...clone(release.case.input as Record<string, unknown>), id: rec.id, name: rec.name, sync_wms_ref: rec.sync_wms_ref ?? rec.name };
    const payload = mapCase(release, { input });
    const res = await deliver(connector, outbound(TARGET, release, payload, { resId: rec.id }));
    expect(res.externalRef, 'prerequisite order id').to.be.a('string');
    return { id: res.externalRef!, reference: String(payload.reference_id) };
  }

  for (const c of preset.cases) {
    const kind = `${c.mapping.source}/${c.event}`;
    it(`${c.mappingName} [${c.event}] ${c.case.name}`, async () => {
      switch (true) {
        case c.mapping.source === 'sale.order' && c.event === 'release': {
          const payload = mapCase(c);
          const ref = String(payload.reference_id);
          const res = await deliver(connector, outbound(TARGET, c, payload));
          expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
          expect(fake.ledger.createsFor(ref, 'order')).to.equal(1);
          expect(res.externalRef).to.equal(fake.ledger.effectsFor(ref, 'order')[0]!.id);
          // A retry after an uncertain failure finds the order by reference_id: still one order.
          const again = await deliver(connector, outbound(TARGET, c, payload, { attempts: 2 }));
          expect(again.deduplicated).to.equal(true);
          expect(again.externalRef).to.equal(res.externalRef);
          expect(fake.ledger.createsFor(ref, 'order')).to.equal(1);
          expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
          return;
        }
        case c.mapping.source === 'sale.order' && c.event === 'amend': {
          const original = await releasePrerequisite(c);
          const from = fake.ledger.requests.length;
          const payload = mapCase(c);
          const req = outbound(TARGET, c, payload, { externalRef: original.id });
          const res = await deliver(connector, req);
          expect(non2xx(fake.ledger.requests, from)).to.deep.equal([]);
          const newRef = amendReference(String(payload.reference_id), req.idempotencyKey);
          expect(fake.ledger.cancelsFor(original.reference, 'order')).to.equal(1);
          expect(fake.ledger.createsFor(newRef, 'order')).to.equal(1);
          expect(res.externalRef).to.equal(fake.ledger.effectsFor(newRef, 'order')[0]!.id);
          return;
        }
        case c.mapping.source === 'sale.order' && c.event === 'cancel': {
          const rec = c.case.input as { id: number };
          const original = await releasePrerequisite(c);
          const from = fake.ledger.requests.length;
          // The link the runtime resolves is the id ShipBob gave the released order.
          const payload = mapCase(c, { xref: { links: [{ system: 'shipbob', model: 'sale.order', id: rec.id, external_id: original.id }] } });
          const res = await deliver(connector, outbound(TARGET, c, payload, { externalRef: original.id }));
          expect(non2xx(fake.ledger.requests, from)).to.deep.equal([]);
          expect(fake.ledger.cancelsFor(String(payload.reference_id), 'order')).to.equal(1);
          expect(fake.ledger.effectsFor(String(payload.reference_id), 'order').find((e) => e.kind === 'cancel')!.id).to.equal(original.id);
          expect(res.externalRef).to.equal(original.id);
          return;
        }
        case c.mapping.source === 'product.product' || c.mapping.source === 'product.template': {
          const payload = mapCase(c);
          const sku = String((payload.variants as Array<{ sku: string }>)[0]!.sku);
          const first = await deliver(connector, outbound(TARGET, c, payload));
          expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
          expect(fake.ledger.createsFor(sku, 'product')).to.equal(1);
          // The same upsert again: found by SKU and patched, never created twice.
          const second = await deliver(connector, outbound(TARGET, c, payload));
          expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
          expect(second.externalRef).to.equal(first.externalRef);
          expect(fake.ledger.createsFor(sku, 'product')).to.equal(1);
          expect(fake.ledger.updatesFor(sku, 'product')).to.equal(1);
          return;
        }
        case c.mapping.source === 'stock.picking' && c.event === 'asn': {
          // Issue 8: the ASN's SKUs are ShipBob products (the connector resolves them to inventory ids).
          const payload = mapCase(c);
          const boxes = payload.boxes as Array<{ box_items: Array<{ sku: string }> }>;
          for (const b of boxes) for (const it of b.box_items) if (!fake.store.inventoryBySku(it.sku)) fake.store.setInventory({ sku: it.sku, on_hand: 0 });
          const po = String(payload.purchase_order_number);
          const res = await deliver(connector, outbound(TARGET, c, payload));
          expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
          expect(fake.ledger.createsFor(po, 'receiving')).to.equal(1);
          expect(res.externalRef).to.equal(fake.ledger.effectsFor(po, 'receiving')[0]!.id);
          // A retry after an uncertain failure finds the WRO by purchase order number: still one.
          const again = await deliver(connector, outbound(TARGET, c, payload, { attempts: 2 }));
          expect(again.deduplicated).to.equal(true);
          expect(again.externalRef).to.equal(res.externalRef);
          expect(fake.ledger.createsFor(po, 'receiving')).to.equal(1);
          return;
        }
        case c.mapping.source === 'stock.picking' && c.event === 'asn_amend': {
          // Issue 8: the WRO announced with other quantities is cancelled and replaced (WROs cannot be edited).
          const payload = mapCase(c);
          const po = String(payload.purchase_order_number);
          const boxes = payload.boxes as Array<{ box_items: Array<{ sku: string; quantity: number }> }>;
          for (const b of boxes) for (const it of b.box_items) if (!fake.store.inventoryBySku(it.sku)) fake.store.setInventory({ sku: it.sku, on_hand: 0 });
          const before = clone(payload) as typeof payload;
          for (const b of before.boxes as typeof boxes) for (const it of b.box_items) it.quantity += 5;
          const first = await deliver(connector, outbound(TARGET, { ...c, event: 'asn' }, before));
          const res = await deliver(connector, outbound(TARGET, c, payload));
          expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
          expect(fake.ledger.cancelsFor(po, 'receiving')).to.equal(1);
          expect(fake.ledger.createsFor(po, 'receiving')).to.equal(2);
          expect(res.externalRef).to.not.equal(first.externalRef);
          const live = fake.receiving.wros.filter((w) => w.purchase_order_number === po && w.status !== 'Cancelled');
          expect(live.map((w) => w.boxes[0]!.box_items.map((i) => i.quantity))).to.deep.equal([boxes[0]!.box_items.map((i) => i.quantity)]);
          // The same amendment again (a retry): the live WRO already matches, nothing replaced.
          const again = await deliver(connector, outbound(TARGET, c, payload, { attempts: 2 }));
          expect(again.deduplicated).to.equal(true);
          expect(fake.ledger.createsFor(po, 'receiving')).to.equal(2);
          return;
        }
        case c.mapping.source === 'stock.picking' && c.event === 'asn_cancel': {
          const asn = casesFor(preset, 'stock.picking', 'asn')[0]!;
          const name = String((c.case.input as { name: string }).name);
          const announced = mapCase(asn, { input: { ...clone(asn.case.input as Record<string, unknown>), name } });
          for (const b of announced.boxes as Array<{ box_items: Array<{ sku: string }> }>) for (const it of b.box_items) if (!fake.store.inventoryBySku(it.sku)) fake.store.setInventory({ sku: it.sku, on_hand: 0 });
          await deliver(connector, outbound(TARGET, asn, announced));
          const payload = mapCase(c);
          const res = await deliver(connector, outbound(TARGET, c, payload));
          expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
          expect(fake.ledger.cancelsFor(name, 'receiving')).to.equal(1);
          expect(res.deduplicated).to.not.equal(true);
          const again = await deliver(connector, outbound(TARGET, c, payload, { attempts: 2 }));
          expect(again.deduplicated, 'nothing live left to cancel').to.equal(true);
          expect(fake.ledger.cancelsFor(name, 'receiving')).to.equal(1);
          return;
        }
        default:
          throw new Error(`no contract flow for ${kind} (mapping ${c.mapping.file}); add one to test/contract/shipbob.test.ts`);
      }
    });
  }

  it('negative: a released order without recipient city is rejected by ShipBob (PermanentError with its message)', async () => {
    const c = casesFor(preset, 'sale.order', 'release')[0]!;
    const payload = mapCase(c);
    delete ((payload.recipient as Record<string, unknown>).address as Record<string, unknown>).city;
    const err = await deliver(connector, outbound(TARGET, c, payload)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(PermanentError);
    expect((err as Error).message).to.match(/recipient\.address\.city/);
    expect(fake.ledger.createsFor(String(payload.reference_id), 'order')).to.equal(0);
    expect(fake.ledger.requests.map((r) => r.status)).to.include(400);
  });
});

import { expect } from 'chai';
import { Webhook } from 'standardwebhooks';
import { startFake, type ShipBobFake } from './start.js';
import { call, startReceiver, type Receiver } from './test-helpers.js';

const TOKEN = 'shipbob-test-token';
const auth = { authorization: `Bearer ${TOKEN}` };
const chan = { ...auth, shipbob_channel_id: '100' };

function order(ref: string, sku = 'SKU-1', qty = 2) {
  return {
    reference_id: ref,
    order_number: `#${ref}`,
    recipient: { name: 'Ada Lovelace', address: { address1: '1 Main St', city: 'Chicago', state: 'IL', zip_code: '60601', country: 'US' }, email: 'ada@example.com' },
    products: [{ reference_id: sku, name: 'Widget', quantity: qty, external_line_id: 11, unit_price: 9.5 }],
    shipping_method: 'Standard',
    type: 'DTC',
  };
}

describe('fakes/shipbob (API 2026-01)', () => {
  let fake: ShipBobFake;
  let u: (p: string) => string;
  const createProduct = (sku: string, extra: Record<string, unknown> = {}) =>
    call(u('/product'), { method: 'POST', headers: auth, body: { name: `Product ${sku}`, variants: [{ sku, ...extra }] } });
  const createOrder = (ref: string, sku = 'SKU-1', qty = 2) => call(u('/order'), { method: 'POST', headers: chan, body: order(ref, sku, qty) });

  beforeEach(async () => {
    fake = await startFake('shipbob', { rateLimit: { limit: 1000 } });
    u = (p) => `${fake.baseUrl}${p}`;
  });
  afterEach(async () => {
    await fake.close();
  });

  describe('auth', () => {
    it('rejects a missing token with 401 and a Bearer challenge', async () => {
      const r = await call(u('/order'));
      expect(r.status).to.equal(401);
      expect(r.headers.get('www-authenticate')).to.equal('Bearer');
      expect(r.text).to.equal('');
    });
    it('rejects an unknown token with 401 invalid_token', async () => {
      const r = await call(u('/order'), { headers: { authorization: 'Bearer nope' } });
      expect(r.status).to.equal(401);
      expect(r.headers.get('www-authenticate')).to.contain('invalid_token');
    });
    it('requires shipbob_channel_id on order creation', async () => {
      const r = await call(u('/order'), { method: 'POST', headers: auth, body: order('SO-1') });
      expect(r.status).to.equal(400);
      expect(r.json.errors).to.have.property('shipbob_channel_id');
      const other = await call(u('/order'), { method: 'POST', headers: { ...auth, shipbob_channel_id: '999' }, body: order('SO-1') });
      expect(other.status).to.equal(403);
    });
  });

  describe('schemas', () => {
    it('answers an invalid order with a ValidationProblemDetails body', async () => {
      const bad = { ...order('SO-1'), recipient: { name: '', address: { city: 'X', country: 'USA' } }, products: [{ reference_id: 'SKU-1', quantity: 0 }], type: 'Retail' };
      const r = await call(u('/order'), { method: 'POST', headers: chan, body: bad });
      expect(r.status).to.equal(400);
      expect(r.headers.get('content-type')).to.contain('application/problem+json');
      expect(r.json).to.include({ title: 'One or more validation errors occurred.', status: 400 });
      expect(r.json.traceId).to.be.a('string');
      expect(Object.keys(r.json.errors)).to.include.members(['recipient.name', 'recipient.address.address1', 'recipient.address.country', 'products[0].quantity', 'type']);
    });
    it('answers malformed JSON with a $ error', async () => {
      const r = await call(u('/order'), { method: 'POST', headers: { ...chan, 'content-type': 'application/json' }, raw: '{"reference_id":' });
      expect(r.status).to.equal(400);
      expect(r.json.errors).to.have.property('$');
    });
    it('ignores unknown properties, as System.Text.Json does', async () => {
      const r = await call(u('/order'), { method: 'POST', headers: chan, body: { ...order('SO-X'), not_a_field: 1 } });
      expect(r.status).to.equal(201);
    });
    it('validates product variants and rejects a duplicate SKU with 422', async () => {
      expect((await call(u('/product'), { method: 'POST', headers: auth, body: { name: 'P', variants: [] } })).status).to.equal(400);
      expect((await createProduct('SKU-1')).status).to.equal(201);
      const dup = await createProduct('sku-1');
      expect(dup.status).to.equal(422);
      expect(dup.json.errors).to.have.property('variants[0].sku');
    });
    it('rejects Limit above 250', async () => {
      const r = await call(u('/order?Limit=251'), { headers: auth });
      expect(r.status).to.equal(400);
      expect(r.json.errors.Limit[0]).to.contain('between 1 and 250');
    });
  });

  describe('products', () => {
    it('looks a product up by SKU and patches it', async () => {
      const created = await createProduct('SKU-1', { barcodes: [{ value: '0123' }], lot_information: { is_lot: true, minimum_shelf_life_days: 30 } });
      const found = await call(u('/product?SKU=SKU-1'), { headers: auth });
      expect(found.json.items).to.have.length(1);
      expect(found.json.items[0].id).to.equal(created.json.id);
      expect(found.json.items[0].variants[0].lot_information).to.deep.equal({ is_lot: true, minimum_shelf_life_days: 30 });
      const none = await call(u('/product?SKU=NOPE'), { headers: auth });
      expect(none.json.items).to.have.length(0);
      const vid = created.json.variants[0].id;
      const p = await call(u(`/product/${created.json.id}`), { method: 'PATCH', headers: auth, body: { name: 'Renamed', variants: [{ id: vid, name: 'Renamed variant' }] } });
      expect(p.status).to.equal(200);
      expect(p.json.variants[0].name).to.equal('Renamed variant');
      expect((await call(u('/product/999999'), { method: 'PATCH', headers: auth, body: { name: 'x' } })).status).to.equal(404);
      expect(fake.ledger.createsFor('SKU-1', 'product')).to.equal(1);
      expect(fake.ledger.updatesFor('SKU-1', 'product')).to.equal(1);
    });
  });

  describe('orders', () => {
    it('rejects a duplicate reference_id in the channel with 422, and the ledger shows one create', async () => {
      await createProduct('SKU-1');
      expect((await createOrder('SO-1')).status).to.equal(201);
      const dup = await createOrder('SO-1');
      expect(dup.status).to.equal(422);
      expect(dup.json.errors.reference_id[0]).to.contain('already exists');
      expect(fake.ledger.createsFor('SO-1', 'order')).to.equal(1);
      expect(fake.ledger.duplicatesRejectedFor('SO-1', 'order')).to.equal(1);
      const look = await call(u('/order?ReferenceIds=SO-1'), { headers: auth });
      expect(look.json.map((o: { reference_id: string }) => o.reference_id)).to.deep.equal(['SO-1']);
    });

    it('puts an order with an unknown SKU into ImportReview', async () => {
      const r = await createOrder('SO-2', 'UNKNOWN');
      expect(r.json.status).to.equal('ImportReview');
    });

    it('walks every page of GET /order with Page/Limit and the paging headers', async () => {
      await createProduct('SKU-1');
      for (let i = 1; i <= 7; i++) await createOrder(`SO-${i}`);
      const seen: string[] = [];
      let page = 1;
      let totalPages = 0;
      for (;;) {
        const r = await call(u(`/order?Limit=3&Page=${page}&SortOrder=Oldest`), { headers: auth });
        expect(r.headers.get('total-count')).to.equal('7');
        totalPages = Number(r.headers.get('total-pages'));
        seen.push(...r.json.map((o: { reference_id: string }) => o.reference_id));
        if (!r.headers.get('next-page')) break;
        expect(r.headers.get('next-page')).to.contain(`Page=${page + 1}`);
        page += 1;
      }
      expect(totalPages).to.equal(3);
      expect(seen).to.deep.equal(['SO-1', 'SO-2', 'SO-3', 'SO-4', 'SO-5', 'SO-6', 'SO-7']);
    });

    it('cancels with POST /order/{id}:cancel; a shipped order cannot be cancelled', async () => {
      await createProduct('SKU-1');
      const a = (await createOrder('SO-A')).json;
      const c = await call(u(`/order/${a.id}:cancel`), { method: 'POST', headers: auth });
      expect(c.status).to.equal(200);
      expect(c.json.status).to.equal('Success');
      expect((await call(u(`/order/${a.id}`), { headers: auth })).json.status).to.equal('Cancelled');
      expect(fake.ledger.cancelsFor('SO-A')).to.equal(1);
      const b = (await createOrder('SO-B')).json;
      await fake.sim.ship(b.id);
      const c2 = await call(u(`/order/${b.id}:cancel`), { method: 'POST', headers: auth });
      expect(c2.status).to.equal(422);
      expect((await call(u('/order/424242:cancel'), { method: 'POST', headers: auth })).status).to.equal(404);
    });
  });

  describe('shipments', () => {
    it('ships partially with lots, serials and a substituted SKU, then fully', async () => {
      await createProduct('SKU-1');
      await createProduct('SKU-ALT');
      const o = (await call(u('/order'), {
        method: 'POST',
        headers: chan,
        body: { ...order('SO-9'), products: [{ reference_id: 'SKU-1', quantity: 3 }, { reference_id: 'SKU-2', quantity: 1 }] },
      })).json;
      await fake.sim.ship(o.id, {
        lines: [{ sku: 'SKU-1', quantity: 2, lots: [{ lot: 'L-1', quantity: 1, expiration_date: '2027-01-01' }, { lot: 'L-2', quantity: 1 }], serial_numbers: ['S1', 'S2'] }],
        carrier: 'FedEx',
        tracking_number: 'FX123',
      });
      let got = (await call(u(`/order/${o.id}`), { headers: auth })).json;
      expect(got.status).to.equal('PartiallyFulfilled');
      const shipments = (await call(u(`/order/${o.id}/shipment`), { headers: auth })).json;
      const shipped = shipments.find((s: { status: string }) => s.status === 'Completed');
      expect(shipped.tracking).to.include({ carrier: 'FedEx', tracking_number: 'FX123' });
      expect(shipped.products[0].inventory_items.map((i: { lot: string; quantity: number }) => [i.lot, i.quantity])).to.deep.equal([['L-1', 1], ['L-2', 1]]);
      expect(shipped.products[0].inventory_items[0].serial_numbers).to.deep.equal(['S1', 'S2']);
      await fake.sim.ship(o.id, { lines: [{ sku: 'SKU-1', quantity: 1, substitute_sku: 'SKU-ALT' }, { sku: 'SKU-2', quantity: 1 }] });
      got = (await call(u(`/order/${o.id}`), { headers: auth })).json;
      expect(got.status).to.equal('Fulfilled');
      const last = got.shipments[got.shipments.length - 1];
      expect(last.products.map((p: { sku: string }) => p.sku)).to.deep.equal(['SKU-ALT', 'SKU-2']);
    });

    it('lists untracked-upload orders and acknowledges them with batchUpdateTrackingUpload', async () => {
      await createProduct('SKU-1');
      const o = (await createOrder('SO-T')).json;
      await createOrder('SO-U');
      const { shipment } = await fake.sim.ship(o.id);
      const poll = () => call(u('/order?HasTracking=true&IsTrackingUploaded=false'), { headers: auth });
      expect((await poll()).json.map((x: { reference_id: string }) => x.reference_id)).to.deep.equal(['SO-T']);
      const bad = await call(u('/shipment:batchUpdateTrackingUpload'), { method: 'POST', headers: auth, body: { shipment_ids: 'x' } });
      expect(bad.status).to.equal(400);
      const ack = await call(u('/shipment:batchUpdateTrackingUpload'), { method: 'POST', headers: auth, body: { shipment_ids: [shipment.id], is_tracking_uploaded: true } });
      expect(ack.status).to.equal(200);
      expect((await poll()).json).to.deep.equal([]);
    });
  });

  describe('returns and inventory (cursor pagination)', () => {
    it('creates and completes a return; restocked units come back on hand', async () => {
      await createProduct('SKU-1');
      fake.store.setInventory({ sku: 'SKU-1', on_hand: 10 });
      const o = (await createOrder('SO-R', 'SKU-1', 2)).json;
      await fake.sim.ship(o.id);
      const created = await fake.sim.createReturn({ order_id: o.id, reference_id: 'RMA-1', lines: [{ sku: 'SKU-1', quantity: 2 }] });
      await fake.sim.completeReturn(created.return.id, [
        { sku: 'SKU-1', quantity: 1, action: 'Restock', lot_number: 'L-9' },
        { sku: 'SKU-1', quantity: 1, action: 'Dispose', reason: 'Damaged' },
      ]);
      const list = await call(u('/return?Status=Completed'), { headers: auth });
      expect(list.json.items).to.have.length(1);
      const ret = list.json.items[0];
      expect(ret.store_order_id).to.equal('SO-R');
      expect(ret.inventory[0].action_taken.map((a: { action: string }) => a.action)).to.deep.equal(['Restock', 'Dispose']);
      const inv = await call(u('/inventory-level?SKUs=SKU-1'), { headers: auth });
      expect(inv.json.items[0].total_on_hand_quantity).to.equal(9);
    });

    it('GET /return filters Ids, OriginalShipmentIds and StartDate / EndDate (created, insert_date) as ShipBob documents; a bad date is a 400 problem', async () => {
      await createProduct('SKU-1');
      fake.store.setInventory({ sku: 'SKU-1', on_hand: 10 });
      const o = (await createOrder('SO-RF', 'SKU-1', 2)).json;
      const shipped = await fake.sim.ship(o.id);
      const early = await fake.sim.createReturn({ order_id: o.id, reference_id: 'RMA-E', lines: [{ sku: 'SKU-1', quantity: 1 }] });
      fake.clock.advance(3_600_000);
      const late = await fake.sim.createReturn({ reference_id: 'RMA-L', lines: [{ sku: 'SKU-1', quantity: 1 }] });
      const ids = async (q: string) => ((await call(u(`/return?${q}`), { headers: auth })).json.items as Array<{ id: number }>).map((r) => r.id);
      expect(await ids(`StartDate=${encodeURIComponent(late.return.insert_date)}`)).to.deep.equal([late.return.id]);
      expect(await ids(`EndDate=${encodeURIComponent(early.return.insert_date)}`)).to.deep.equal([early.return.id]);
      expect(await ids(`Ids=${early.return.id},${late.return.id}&Status=AwaitingArrival`)).to.deep.equal([early.return.id, late.return.id]);
      expect(await ids(`OriginalShipmentIds=${shipped.shipment.id}`)).to.deep.equal([early.return.id]);
      const bad = await call(u('/return?StartDate=yesterday'), { headers: auth });
      expect(bad.status).to.equal(400);
      expect(bad.json.errors).to.have.property('StartDate');
    });

    it('creates a return through the API (channel header required)', async () => {
      await createProduct('SKU-1');
      const invId = fake.store.inventoryBySku('SKU-1')!.inventory_id;
      const body = { reference_id: 'RMA-API', fulfillment_center: { id: 1 }, inventory: [{ id: invId, quantity: 1, requested_action: 'Restock' }] };
      expect((await call(u('/return'), { method: 'POST', headers: auth, body })).status).to.equal(400);
      const r = await call(u('/return'), { method: 'POST', headers: chan, body });
      expect(r.status).to.equal(201);
      expect(r.json.status).to.equal('AwaitingArrival');
      expect((await call(u('/return'), { method: 'POST', headers: chan, body: { ...body, inventory: [{ id: invId, quantity: 1, requested_action: 'Burn' }] } })).status).to.equal(400);
    });

    it('walks inventory levels, locations and lots with cursor links in the body', async () => {
      for (let i = 1; i <= 5; i++) fake.store.setInventory({ sku: `SKU-${i}`, location_id: 1, on_hand: i * 10 });
      fake.store.setInventory({ sku: 'SKU-1', location_id: 2, lots: [{ lot_number: 'A', quantity: 3 }, { lot_number: 'B', quantity: 4, expiration_date: '2027-06-30' }] });
      const skus: string[] = [];
      let next: string | null = `${fake.baseUrl}/inventory-level?PageSize=2`;
      let pages = 0;
      while (next) {
        const r = await call(next, { headers: auth });
        expect(r.status).to.equal(200);
        skus.push(...r.json.items.map((x: { sku: string }) => x.sku));
        next = r.json.next ? `${fake.url}${r.json.next}` : null;
        pages += 1;
      }
      expect(pages).to.equal(3);
      expect(skus).to.deep.equal(['SKU-1', 'SKU-2', 'SKU-3', 'SKU-4', 'SKU-5']);
      const locs = await call(u('/inventory-level/locations?SKUs=SKU-1'), { headers: auth });
      expect(locs.json.items[0].locations.map((l: { location_id: number; on_hand_quantity: number }) => [l.location_id, l.on_hand_quantity])).to.deep.equal([[1, 10], [2, 7]]);
      const lots = await call(u('/inventory-level/lots?SKUs=SKU-1'), { headers: auth });
      expect(lots.json.items.map((l: { lot_number: string }) => l.lot_number)).to.deep.equal(['A', 'B']);
      expect((await call(u('/inventory-level?Cursor=garbage!'), { headers: auth })).status).to.equal(400);
    });
  });

  describe('rate limit', () => {
    it('gives 429 with x-retry-after and x-remaining-calls over the sliding window, per token', async () => {
      await fake.close();
      fake = await startFake('shipbob', { rateLimit: { limit: 3, windowMs: 60_000 }, tokens: [TOKEN, 'other'] });
      const statuses: number[] = [];
      const remaining: Array<string | null> = [];
      for (let i = 0; i < 4; i++) {
        const r = await call(u('/order'), { headers: auth });
        statuses.push(r.status);
        remaining.push(r.headers.get('x-remaining-calls'));
        if (r.status === 429) {
          expect(Number(r.headers.get('x-retry-after'))).to.be.within(1, 60);
          expect(r.json.status).to.equal(429);
        }
      }
      expect(statuses).to.deep.equal([200, 200, 200, 429]);
      expect(remaining).to.deep.equal(['2', '1', '0', '0']);
      expect((await call(u('/order'), { headers: { authorization: 'Bearer other' } })).status).to.equal(200);
      fake.clock.advance(60_001);
      expect((await call(u('/order'), { headers: auth })).status).to.equal(200);
    });
  });

  describe('webhooks (Standard Webhooks)', () => {
    let rx: Receiver;
    beforeEach(async () => {
      rx = await startReceiver('/webhooks/shipbob');
      fake.setWebhookTarget(rx.url);
    });
    afterEach(async () => {
      await rx.close();
    });

    it('signs order.shipped so the standardwebhooks verifier accepts it, and a tampered body fails', async () => {
      await createProduct('SKU-1');
      const o = (await createOrder('SO-W')).json;
      await fake.sim.ship(o.id, { tracking_number: 'TN-1' });
      const [hook] = await rx.waitFor(1);
      expect(hook!.headers['shipbob-topic']).to.equal('order.shipped');
      expect(hook!.headers['webhook-signature']).to.match(/^v1,[A-Za-z0-9+/=]+$/);
      const wh = new Webhook(fake.webhookSecret);
      const payload = wh.verify(hook!.body, hook!.headers) as { type: string; data: { reference_id: string; tracking: { tracking_number: string } } };
      expect(payload.type).to.equal('order.shipped');
      expect(payload.data.reference_id).to.equal('SO-W');
      expect(payload.data.tracking.tracking_number).to.equal('TN-1');
      expect(() => wh.verify(hook!.body.replace('TN-1', 'TN-2'), hook!.headers)).to.throw();
      expect(() => new Webhook('whsec_' + Buffer.from('another-secret-value').toString('base64')).verify(hook!.body, hook!.headers)).to.throw();
    });

    it('re-sends duplicates with the same webhook-id, and emits the other topics', async () => {
      await createProduct('SKU-1');
      const o = (await createOrder('SO-D')).json;
      const { shipment } = await fake.sim.ship(o.id, {}, { duplicates: 1 });
      await fake.sim.deliver(shipment.id);
      const r = await fake.sim.createReturn({ order_id: o.id, lines: [{ sku: 'SKU-1', quantity: 1 }] });
      await fake.sim.completeReturn(r.return.id);
      const hooks = await rx.waitFor(5);
      expect(hooks.map((h) => h.headers['shipbob-topic'])).to.deep.equal(['order.shipped', 'order.shipped', 'order.shipment.delivered', 'return.created', 'return.completed']);
      expect(hooks[0]!.headers['webhook-id']).to.equal(hooks[1]!.headers['webhook-id']);
      expect(hooks[2]!.headers['webhook-id']).to.not.equal(hooks[0]!.headers['webhook-id']);
      const wh = new Webhook(fake.webhookSecret);
      for (const h of hooks) wh.verify(h.body, h.headers);
    });

    it('emits exception, on_hold and shipment.cancelled', async () => {
      await createProduct('SKU-1');
      const o = (await createOrder('SO-E')).json;
      const open = o.shipments[0].id;
      const created = o.shipments[0].last_update_at as string;
      fake.clock.advance(5_000);
      await fake.sim.exception(open, 'OutOfStock');
      const excepted = (await call(u(`/order/${o.id}`), { headers: auth })).json;
      expect(excepted.status).to.equal('Exception');
      expect(Date.parse(excepted.shipments[0].last_update_at), 'an exception updates the shipment').to.be.within(Date.parse(created) + 5_000, Date.parse(created) + 9_000);
      fake.clock.advance(5_000);
      const held = (await fake.sim.onHold(open)).shipment;
      expect(Date.parse(held.last_update_at), 'a hold updates the shipment').to.be.within(Date.parse(created) + 10_000, Date.parse(created) + 14_000);
      await call(u(`/order/${o.id}:cancel`), { method: 'POST', headers: auth });
      const hooks = await rx.waitFor(3);
      expect(hooks.map((h) => h.headers['shipbob-topic'])).to.deep.equal(['order.shipment.exception', 'order.shipment.on_hold', 'order.shipment.cancelled']);
      const wh = new Webhook(fake.webhookSecret);
      expect((wh.verify(hooks[0]!.body, hooks[0]!.headers) as { data: { status: string } }).data.status).to.equal('Exception');
    });

    it('emits through the HTTP control endpoints too', async () => {
      await createProduct('SKU-1');
      const o = (await createOrder('SO-H')).json;
      const res = await call(`${fake.url}/__control/orders/${o.id}/ship`, { method: 'POST', body: { carrier: 'USPS' } });
      expect(res.status).to.equal(200);
      expect(res.json.deliveries[0].status).to.equal(200);
      expect((await rx.waitFor(1))[0]!.headers['shipbob-topic']).to.equal('order.shipped');
    });
  });

  describe('faults', () => {
    it('injects 5xx and 429 with ShipBob bodies and headers', async () => {
      fake.faults.next5xx(1, 500);
      const a = await call(u('/order'), { headers: auth });
      expect(a.status).to.equal(500);
      expect(a.json.status).to.equal(500);
      fake.faults.next429(1);
      const b = await call(u('/order'), { headers: auth });
      expect(b.status).to.equal(429);
      expect(b.headers.get('x-retry-after')).to.equal('60');
      expect(b.headers.get('x-remaining-calls')).to.equal('0');
      expect(fake.ledger.statuses()).to.deep.equal([500, 429]);
    });
  });
});

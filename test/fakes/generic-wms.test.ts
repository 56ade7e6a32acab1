import { createHmac, timingSafeEqual } from 'node:crypto';
import { expect } from 'chai';
import { startFake, type GenericWmsFake } from './start.js';
import { call, startReceiver, type Receiver } from './test-helpers.js';

const key = { 'x-api-key': 'wms-test-key' };

/** The receiver check the bridge implements for the generic profile. */
function verifyWms(secret: string, headers: Record<string, string>, body: string, nowSec = Math.floor(Date.now() / 1000)): boolean {
  const ts = headers['x-wms-timestamp'] ?? '';
  if (Math.abs(nowSec - Number(ts)) > 300) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`);
  const got = Buffer.from(headers['x-wms-signature'] ?? '');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

function order(lines = [{ line_ref: '11', sku: 'SKU-1', quantity: 2 }]) {
  return { customer_ref: 'res.partner:7', ship_to: { name: 'Ada', street: '1 Main St', city: 'Lyon', zip: '69001', country: 'FR' }, lines, carrier: 'DHL' };
}

describe('fakes/generic-wms (profile v1)', () => {
  let fake: GenericWmsFake;
  let u: (p: string) => string;
  const put = (ref: string, body: unknown) => call(u(`/orders/${encodeURIComponent(ref)}`), { method: 'PUT', headers: key, body });

  beforeEach(async () => {
    fake = await startFake('generic-wms');
    u = (p) => `${fake.baseUrl}${p}`;
  });
  afterEach(async () => {
    await fake.close();
  });

  it('rejects a missing or wrong API key with 401 {error:{code,message}}', async () => {
    const a = await call(u('/stock'));
    expect(a.status).to.equal(401);
    expect(a.json).to.deep.equal({ error: { code: 'unauthorized', message: 'Missing X-API-Key header' } });
    expect((await call(u('/stock'), { headers: { 'x-api-key': 'nope' } })).status).to.equal(401);
  });

  it('PUT /orders/{reference} is an idempotent create-or-replace', async () => {
    const a = await put('SO-1', order());
    expect(a.status).to.equal(201);
    expect(a.json).to.include({ reference: 'SO-1', status: 'open', version: 1 });
    const again = await put('SO-1', order());
    expect(again.status).to.equal(200);
    expect(again.json.version).to.equal(1);
    const changed = await put('SO-1', order([{ line_ref: '11', sku: 'SKU-1', quantity: 3 }]));
    expect(changed.status).to.equal(200);
    expect(changed.json.version).to.equal(2);
    expect(fake.ledger.createsFor('SO-1', 'order')).to.equal(1);
    expect(fake.ledger.updatesFor('SO-1', 'order')).to.equal(1);
    expect((await call(u('/orders/SO-1'), { headers: key })).json.lines[0].quantity).to.equal(3);
    expect((await call(u('/orders/SO-404'), { headers: key })).json.error.code).to.equal('not_found');
  });

  it('refuses to replace an order once picking started (409 order_locked), but accepts an identical retry', async () => {
    await put('SO-2', order());
    fake.sim.startPicking('SO-2');
    expect((await put('SO-2', order())).status).to.equal(200);
    const r = await put('SO-2', order([{ line_ref: '11', sku: 'SKU-1', quantity: 5 }]));
    expect(r.status).to.equal(409);
    expect(r.json.error.code).to.equal('order_locked');
  });

  it('validates bodies: unknown fields, types, duplicate line refs, bad JSON', async () => {
    const unknown = await put('SO-3', { ...order(), priority: 'high' });
    expect(unknown.status).to.equal(400);
    expect(unknown.json).to.deep.equal({ error: { code: 'unknown_field', message: "Unknown field 'priority'", field: 'priority' } });
    const qty = await put('SO-3', order([{ line_ref: '1', sku: 'S', quantity: 0 }]));
    expect(qty.json.error).to.include({ code: 'validation_error', field: 'lines[0].quantity' });
    const dup = await put('SO-3', order([{ line_ref: '1', sku: 'S', quantity: 1 }, { line_ref: '1', sku: 'T', quantity: 1 }]));
    expect(dup.json.error.field).to.equal('lines[1].line_ref');
    const country = await put('SO-3', { ...order(), ship_to: { ...order().ship_to, country: 'France' } });
    expect(country.json.error.field).to.equal('ship_to.country');
    const bad = await call(u('/orders/SO-3'), { method: 'PUT', headers: { ...key, 'content-type': 'application/json' }, raw: '{' });
    expect(bad.json.error.code).to.equal('invalid_json');
    expect(fake.store.orders.size).to.equal(0);
  });

  it('cancels idempotently and refuses once shipped', async () => {
    await put('SO-4', order());
    const c1 = await call(u('/orders/SO-4/cancel'), { method: 'POST', headers: key });
    const c2 = await call(u('/orders/SO-4/cancel'), { method: 'POST', headers: key });
    expect([c1.status, c2.status]).to.deep.equal([200, 200]);
    expect(c2.json.status).to.equal('cancelled');
    expect(fake.ledger.cancelsFor('SO-4')).to.equal(1);
    await put('SO-5', order());
    await fake.sim.ship('SO-5');
    const c3 = await call(u('/orders/SO-5/cancel'), { method: 'POST', headers: key });
    expect(c3.status).to.equal(409);
    expect(c3.json.error.code).to.equal('order_not_cancellable');
  });

  it('upserts items and customers with PUT', async () => {
    const a = await call(u('/items/SKU-1'), { method: 'PUT', headers: key, body: { name: 'Widget', lot_tracked: true } });
    const b = await call(u('/items/SKU-1'), { method: 'PUT', headers: key, body: { name: 'Widget v2', lot_tracked: true } });
    expect([a.status, b.status]).to.deep.equal([201, 200]);
    expect((await call(u('/items/SKU-2'), { method: 'PUT', headers: key, body: { name: 'X', colour: 'red' } })).status).to.equal(400);
    const c = await call(u('/customers/res.partner:7'), { method: 'PUT', headers: key, body: { name: 'Ada', email: 'ada@example.com' } });
    expect(c.status).to.equal(201);
    expect(fake.ledger.createsFor('SKU-1', 'item')).to.equal(1);
  });

  it('walks GET /stock with next_cursor', async () => {
    fake.sim.setStock(Array.from({ length: 7 }, (_, i) => ({ sku: `SKU-${i}`, on_hand: i + 1, reserved: 1 })));
    const skus: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: Awaited<ReturnType<typeof call>> = await call(u(`/stock?limit=3${cursor ? `&cursor=${cursor}` : ''}`), { headers: key });
      skus.push(...r.json.items.map((x: { sku: string }) => x.sku));
      cursor = r.json.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).to.equal(3);
    expect(skus).to.have.length(7);
    expect((await call(u('/stock?limit=1000'), { headers: key })).json.error.field).to.equal('limit');
    expect((await call(u('/stock?cursor=zzz'), { headers: key })).json.error.code).to.equal('invalid_cursor');
  });

  it('GET /events pages with limit / after (cursor) / since; refuses bad cursors and queries with the profile\'s errors; same API key', async () => {
    for (let i = 0; i < 5; i++) {
      fake.clock.advance(60_000);
      await fake.sim.receiveReturn({ lines: [{ sku: `SKU-${i}`, quantity: 1, disposition: 'restock' }] }); // no webhook URL: feed only
    }
    expect(fake.wms.feed).to.have.length(5);
    const ids: string[] = [];
    let after: string | undefined;
    for (let pages = 1; ; pages++) {
      const r = await call(u(`/events?limit=2${after ? `&after=${after}` : ''}`), { headers: key });
      expect(r.status).to.equal(200);
      ids.push(...(r.json.events as Array<{ id: string }>).map((e) => e.id));
      after = r.json.next_cursor;
      if (!r.json.has_more) { expect(pages).to.equal(3); break; }
    }
    expect(ids).to.deep.equal(fake.wms.feed.map((e) => e.event.id));
    const since = fake.wms.feed[3]!.event.created_at;
    const s = await call(u(`/events?since=${encodeURIComponent(since)}`), { headers: key });
    expect((s.json.events as Array<{ id: string }>).map((e) => e.id)).to.deep.equal(ids.slice(3));
    const late = await call(u(`/events?since=${encodeURIComponent(new Date(Date.parse(since) + 3_600_000).toISOString())}`), { headers: key });
    expect(late.json.events).to.deep.equal([]);
    const then = await call(u(`/events?after=${late.json.next_cursor}`), { headers: key });
    expect(then.json.events).to.deep.equal([]); // the cursor is at the end of the feed
    expect((await call(u('/events?after=bm9wZQ'), { headers: key })).json).to.deep.include({ error: { code: 'invalid_cursor', message: 'after is not a cursor of this feed', field: 'after' } });
    const bad = await call(u('/events?limit=0'), { headers: key });
    expect(bad.status).to.equal(400);
    expect(bad.json.error).to.include({ code: 'validation_error', field: 'limit' });
    expect((await call(u(`/events?after=${after}&since=${encodeURIComponent(since)}`), { headers: key })).json.error.code).to.equal('validation_error');
    expect((await call(u('/events?since=yesterday'), { headers: key })).json.error).to.include({ code: 'validation_error', field: 'since' });
    expect((await call(u('/events'))).status).to.equal(401);
  });

  it('GET /events retention (control POST /events/purge): a cursor before purged events is 400 invalid_cursor; since reads start at the oldest event kept', async () => {
    for (let i = 0; i < 4; i++) {
      fake.clock.advance(60_000);
      await fake.sim.receiveReturn({ lines: [{ sku: `SKU-${i}`, quantity: 1, disposition: 'restock' }] });
    }
    const ids = fake.wms.feed.map((e) => e.event.id);
    const first = await call(u('/events?limit=1'), { headers: key }); // the cursor after event 0
    const atEnd = await call(u('/events'), { headers: key }); // the cursor after event 3
    const cut = fake.wms.feed[2]!.event.created_at; // events 0 and 1 purged
    const purge = await call(`${fake.controlUrl}/__control/events/purge`, { method: 'POST', body: { before: cut } });
    expect(purge.json).to.deep.equal({ purged: 2 });
    expect(fake.wms.feed.map((e) => e.event.id)).to.deep.equal(ids.slice(2));
    const expired = await call(u(`/events?after=${first.json.next_cursor}`), { headers: key });
    expect(expired.status).to.equal(400);
    expect(expired.json).to.deep.equal({ error: { code: 'invalid_cursor', message: 'after is expired: the events after it are past the retention and were purged', field: 'after' } });
    // A cursor past the purged events still works; since / no position start at the oldest event kept.
    expect((await call(u(`/events?after=${atEnd.json.next_cursor}`), { headers: key })).json).to.include({ has_more: false });
    expect(((await call(u('/events'), { headers: key })).json.events as Array<{ id: string }>).map((e) => e.id)).to.deep.equal(ids.slice(2));
    const since = new Date(Date.parse(cut) - 3_600_000).toISOString();
    expect(((await call(u(`/events?since=${encodeURIComponent(since)}`), { headers: key })).json.events as Array<{ id: string }>).map((e) => e.id)).to.deep.equal(ids.slice(2));
    // Everything purged: the end cursor is still valid (nothing after it was lost).
    fake.clock.advance(60_000);
    expect((await call(`${fake.controlUrl}/__control/events/purge`, { method: 'POST', body: { before: fake.clock.iso() } })).json).to.deep.equal({ purged: 2 });
    expect((await call(u(`/events?after=${atEnd.json.next_cursor}`), { headers: key })).json).to.deep.include({ events: [], has_more: false });
    expect((await call(`${fake.controlUrl}/__control/events/purge`, { method: 'POST', body: { before: 'soon' } })).status).to.equal(422);
  });

  it('answers 429 with Retry-After over the rate limit', async () => {
    await fake.close();
    fake = await startFake('generic-wms', { rateLimit: { limit: 2, windowMs: 30_000 } });
    await call(u('/stock'), { headers: key });
    await call(u('/stock'), { headers: key });
    const r = await call(u('/stock'), { headers: key });
    expect(r.status).to.equal(429);
    expect(Number(r.headers.get('retry-after'))).to.be.within(1, 30);
    expect(r.json.error.code).to.equal('rate_limited');
  });

  describe('webhooks', () => {
    let rx: Receiver;
    beforeEach(async () => {
      rx = await startReceiver('/webhooks/wms');
      fake.setWebhookTarget(rx.url);
      fake.wms.retryDelayMs = 1;
    });
    afterEach(async () => {
      await rx.close();
    });

    it('signs shipment.shipped with X-WMS-Signature; a tampered body or wrong secret fails', async () => {
      await put('SO-6', order([{ line_ref: '11', sku: 'SKU-1', quantity: 2 }, { line_ref: '12', sku: 'SKU-2', quantity: 1 }]));
      await fake.sim.ship('SO-6', { lines: [{ line_ref: '11', quantity: 2, sku: 'SKU-1B', lots: [{ lot: 'L1', quantity: 2, expiry: '2027-01-01' }], serials: ['S1', 'S2'] }], tracking_number: 'T1' });
      const [hook] = await rx.waitFor(1);
      expect(verifyWms(fake.webhookSecret, hook!.headers, hook!.body)).to.equal(true);
      expect(verifyWms(fake.webhookSecret, hook!.headers, hook!.body.replace('T1', 'T2'))).to.equal(false);
      expect(verifyWms('wrong', hook!.headers, hook!.body)).to.equal(false);
      const ev = JSON.parse(hook!.body);
      expect(ev.type).to.equal('shipment.shipped');
      expect(ev.id).to.equal(hook!.headers['x-wms-event-id']);
      expect(ev.data).to.deep.include({ order_reference: 'SO-6', order_status: 'partially_shipped', tracking_number: 'T1' });
      expect(ev.data.lines[0]).to.deep.include({ line_ref: '11', sku: 'SKU-1B', serials: ['S1', 'S2'] });
    });

    it('GET /events (optional feed): every emitted event in delivery order, refused deliveries included, the body exactly the webhook\'s', async () => {
      rx.statusFor = () => 401; // every delivery refused (retried, then given up)
      await fake.sim.receiveReturn({ lines: [{ sku: 'SKU-1', quantity: 1, disposition: 'restock' }] });
      rx.statusFor = () => 200;
      await put('SO-F', order());
      await fake.sim.ship('SO-F', { tracking_number: 'TF' });
      const hooks = await rx.waitFor(5);
      const feed = await call(u('/events'), { headers: key });
      expect(feed.status).to.equal(200);
      expect(feed.headers.get('ratelimit-limit')).to.equal('120');
      expect(feed.json.has_more).to.equal(false);
      expect(feed.json.next_cursor).to.be.a('string');
      const events = feed.json.events as Array<{ id: string; type: string }>;
      expect(events.map((e) => e.type)).to.deep.equal(['return.received', 'shipment.shipped']);
      // The webhook bodies, byte for byte, in the same order.
      const bodies = [...new Set(hooks.map((h) => h.body))];
      expect(events.map((e) => JSON.stringify(e))).to.deep.equal(bodies);
      expect(events[0]!.id).to.equal(hooks[0]!.headers['x-wms-event-id']);
      // Nothing after the cursor until the next event.
      const empty = await call(u(`/events?after=${feed.json.next_cursor}`), { headers: key });
      expect(empty.json).to.deep.equal({ events: [], next_cursor: feed.json.next_cursor, has_more: false });
      await fake.sim.receiveReturn({ lines: [{ sku: 'SKU-1', quantity: 1, disposition: 'scrap' }] });
      const next = await call(u(`/events?after=${feed.json.next_cursor}`), { headers: key });
      expect((next.json.events as Array<{ type: string }>).map((e) => e.type)).to.deep.equal(['return.received']);
    });

    it('retries a failed delivery with the same event id and emits return.received', async () => {
      rx.statusFor = (i) => (i === 0 ? 503 : 200);
      await fake.sim.receiveReturn({ lines: [{ sku: 'SKU-1', quantity: 1, disposition: 'restock' }] });
      const hooks = await rx.waitFor(2);
      expect(hooks).to.have.length(2);
      expect(hooks[0]!.headers['x-wms-event-id']).to.equal(hooks[1]!.headers['x-wms-event-id']);
      expect(JSON.parse(hooks[1]!.body).type).to.equal('return.received');
      expect(fake.store.stock.find((s) => s.sku === 'SKU-1')!.on_hand).to.equal(1);
    });
  });
});

import { expect } from 'chai';
import { createConnector, amendReference } from '../../../bridge/connectors/index.js';
import { PermanentError, TransientError } from '../../../bridge/errors/index.js';
import { rejects, request, secret, silentLog, startServer, target, type TestServer } from './helpers.js';

interface Order { id: number; reference_id: string; status: string }

describe('connectors/shipbob', () => {
  let srv: TestServer;
  let orders: Order[] = [];
  let products: Array<{ id: number; name: string; variants: Array<{ id: number; sku: string }> }> = [];
  let nextId = 1000;
  let slowCreate = false;
  let duplicateAs: 422 | 409 = 422;
  before(async () => {
    srv = await startServer((app) => {
      const b = '/2026-01';
      app.get(`${b}/order`, (req, res) => {
        const refs = String(req.query.ReferenceIds ?? '').split(',').filter(Boolean);
        res.json(orders.filter((o) => refs.length === 0 || refs.includes(o.reference_id)));
      });
      app.get(`${b}/order/:id`, (req, res) => {
        const o = orders.find((x) => String(x.id) === req.params.id);
        if (!o) { res.status(404).type('application/problem+json').send(JSON.stringify({ title: 'Not Found', status: 404 })); return; }
        res.json(o);
      });
      app.post(`${b}/order`, async (req, res) => {
        if (!req.headers.shipbob_channel_id) { res.status(400).json({ title: 'One or more validation errors occurred.', status: 400, errors: { shipbob_channel_id: ['The channel header is required.'] } }); return; }
        const body = req.body as { reference_id: string; recipient?: unknown };
        if (!body.recipient) { res.status(400).json({ title: 'One or more validation errors occurred.', status: 400, errors: { 'recipient.address.country': ['The country field must be an ISO 3166-1 alpha-2 code.'] } }); return; }
        if (orders.some((o) => o.reference_id === body.reference_id)) {
          res.status(duplicateAs).json({ title: 'Unprocessable Entity', status: duplicateAs, detail: `Order with reference ${body.reference_id} already exists` });
          return;
        }
        const o = { id: nextId++, reference_id: body.reference_id, status: 'Processing' };
        orders.push(o);
        if (slowCreate) await new Promise((r) => setTimeout(r, 300));
        res.status(201).json(o);
      });
      app.post(/^\/2026-01\/order\/(\d+):cancel$/, (req, res) => {
        const id = (req.params as Record<string, string>)[0];
        const o = orders.find((x) => String(x.id) === id);
        if (!o) { res.status(404).json({ title: 'Not Found', status: 404 }); return; }
        if (o.status === 'Cancelled') { res.status(422).json({ title: 'Unprocessable Entity', status: 422, detail: 'Order is already cancelled' }); return; }
        if (o.status === 'Fulfilled') { res.status(422).json({ title: 'Unprocessable Entity', status: 422, detail: 'Order already shipped' }); return; }
        o.status = 'Cancelled';
        res.json({ order_id: o.id, status: 'Cancelled' });
      });
      app.get(`${b}/product`, (req, res) => {
        const sku = String(req.query.SKU ?? '');
        res.json({ items: products.filter((p) => p.variants.some((v) => v.sku === sku)), next: null });
      });
      app.post(`${b}/product`, (req, res) => {
        const body = req.body as { name: string; variants: Array<{ sku: string }> };
        const p = { id: nextId++, name: body.name, variants: body.variants.map((v) => ({ id: nextId++, sku: v.sku })) };
        products.push(p);
        res.status(201).json(p);
      });
      app.patch(`${b}/product/:id`, (req, res) => {
        const p = products.find((x) => String(x.id) === req.params.id);
        if (!p) { res.status(404).end(); return; }
        p.name = (req.body as { name: string }).name ?? p.name;
        res.json(p);
      });
    });
  });
  after(() => srv.close());
  beforeEach(() => { srv.requests.length = 0; orders = []; products = []; nextId = 1000; slowCreate = false; duplicateAs = 422; });

  const conn = (options: Record<string, unknown> = { channel_id: 123 }, extra: Record<string, unknown> = {}) =>
    createConnector('wms_main', target({ preset: 'shipbob', base_url: `${srv.url}/2026-01/`, options, ...extra }), secret);
  const order = (ref = 'SO001') => ({
    reference_id: ref, shipping_method: 'Standard', type: 'DTC',
    recipient: { name: 'Ann', address: { address1: '1 Main St', city: 'Austin', country: 'US' } },
    products: [{ reference_id: 'SKU1', quantity: 2 }],
  });

  it('release creates the order with the channel header and links it', async () => {
    const r = await conn().deliver(request({ kind: 'order', payload: order() }), silentLog);
    expect(r.externalRef).to.equal('1000');
    expect(r.links).to.deep.equal([{ model: 'sale.order', res_id: 42, external_id: '1000' }]);
    expect(r.deduplicated).to.equal(undefined);
    const post = srv.requests.find((q) => q.method === 'POST')!;
    expect(post.headers.shipbob_channel_id).to.equal('123');
    expect(post.path).to.equal('/2026-01/order');
    expect(srv.count('GET', '/2026-01/order')).to.equal(0);
  });

  it('attempts 2 (in doubt) finds the existing order and does not POST again', async () => {
    orders.push({ id: 77, reference_id: 'SO001', status: 'Processing' });
    const r = await conn().deliver(request({ kind: 'order', payload: order(), attempts: 2 }), silentLog);
    expect(r).to.include({ externalRef: '77', deduplicated: true });
    expect(srv.count('POST', '/2026-01/order')).to.equal(0);
    expect(srv.requests[0]!.query).to.deep.equal({ ReferenceIds: 'SO001' });
  });

  it('attempts 2 with nothing in ShipBob creates the order', async () => {
    const r = await conn().deliver(request({ kind: 'order', payload: order(), attempts: 2 }), silentLog);
    expect(r.deduplicated).to.equal(undefined);
    expect(srv.count('POST', '/2026-01/order')).to.equal(1);
  });

  it('a POST that times out but landed is resolved by lookup', async () => {
    slowCreate = true;
    const r = await conn(undefined, { timeout_ms: 100 }).deliver(request({ kind: 'order', payload: order() }), silentLog);
    expect(r).to.include({ externalRef: '1000', deduplicated: true });
    expect(srv.count('GET', '/2026-01/order')).to.equal(1);
  });

  for (const status of [422, 409] as const) {
    it(`a ${status} duplicate reference on POST resolves by lookup`, async () => {
      duplicateAs = status;
      orders.push({ id: 88, reference_id: 'SO001', status: 'Processing' });
      const r = await conn().deliver(request({ kind: 'order', payload: order() }), silentLog);
      expect(r).to.include({ externalRef: '88', deduplicated: true });
    });
  }

  it('a cancelled order under the reference never counts as created: a conflict naming it, nothing created', async () => {
    orders.push({ id: 91, reference_id: 'SO001', status: 'Cancelled' });
    // the duplicate answer of a first try, and the in-doubt lookup of a retry or a resend
    for (const req of [request({ kind: 'order', payload: order() }), request({ kind: 'order', payload: order(), attempts: 2 }), request({ kind: 'order', payload: order(), externalRef: '91' })]) {
      const err = await rejects(() => conn().deliver(req, silentLog));
      expect(err).to.be.instanceOf(PermanentError);
      expect(err.category).to.equal('conflict');
      expect((err as Error).message).to.contain('ShipBob order 91 with reference SO001 is cancelled').and.to.contain('released under a new reference, SO001-2');
    }
    expect(orders.filter((o) => o.reference_id === 'SO001')).to.have.length(1);
    // a live order next to the cancelled one still answers for the reference
    orders.push({ id: 92, reference_id: 'SO001', status: 'Processing' });
    const r = await conn().deliver(request({ kind: 'order', payload: order(), attempts: 2 }), silentLog);
    expect(r).to.include({ externalRef: '92', deduplicated: true });
  });

  it('a validation problem is permanent with ShipBob\'s field message', async () => {
    const { recipient: _r, ...bad } = order();
    const err = (await rejects(() => conn().deliver(request({ kind: 'order', payload: bad }), silentLog))) as unknown as PermanentError;
    expect(err).to.be.instanceOf(PermanentError);
    expect(err.category).to.equal('validation');
    expect(err.message).to.contain('recipient.address.country: The country field must be an ISO 3166-1 alpha-2 code.');
  });

  it('release without options.channel_id fails permanently before sending', async () => {
    const err = await rejects(() => conn({}).deliver(request({ kind: 'order', payload: order() }), silentLog));
    expect(err).to.be.instanceOf(PermanentError);
    expect(err.message).to.contain('channel_id');
    expect(srv.requests.length).to.equal(0);
  });

  it('cancel by externalRef; already cancelled counts as success', async () => {
    orders.push({ id: 5, reference_id: 'SO5', status: 'Processing' });
    const c = conn();
    const r1 = await c.deliver(request({ kind: 'order_cancel', eventType: 'cancel', payload: {}, externalRef: '5' }), silentLog);
    expect(r1.summary).to.contain('cancelled');
    expect(orders[0]!.status).to.equal('Cancelled');
    const r2 = await c.deliver(request({ kind: 'order_cancel', eventType: 'cancel', payload: {}, externalRef: '5', attempts: 2 }), silentLog);
    expect(r2.deduplicated).to.equal(true);
    expect(srv.requests.filter((q) => q.method === 'POST').map((q) => q.path)).to.deep.equal(['/2026-01/order/5:cancel', '/2026-01/order/5:cancel']);
  });

  it('cancel by reference lookup; a shipped order is a conflict; an unknown one needs nothing', async () => {
    orders.push({ id: 6, reference_id: 'SO6', status: 'Fulfilled' });
    const err = (await rejects(() => conn().deliver(request({ kind: 'order_cancel', eventType: 'cancel', payload: { reference_id: 'SO6' } }), silentLog))) as unknown as PermanentError;
    expect(err.category).to.equal('conflict');
    expect(err.message).to.contain('Fulfilled');
    const r = await conn().deliver(request({ kind: 'order_cancel', eventType: 'cancel', payload: { reference_id: 'NOPE' } }), silentLog);
    expect(r.summary).to.contain('nothing to cancel');
  });

  it('amend without amend_strategy is a conflict explaining what to do', async () => {
    const err = (await rejects(() => conn().deliver(request({ kind: 'order', eventType: 'amend', payload: order(), externalRef: '9' }), silentLog))) as unknown as PermanentError;
    expect(err).to.be.instanceOf(PermanentError);
    expect(err.category).to.equal('conflict');
    expect(err.message).to.contain('amend_strategy: cancel_recreate');
    expect(srv.requests.length).to.equal(0);
  });

  it('amend with cancel_recreate cancels the current order and creates it under a derived reference, once', async () => {
    orders.push({ id: 10, reference_id: 'SO001', status: 'Processing' });
    const c = conn({ channel_id: 1, amend_strategy: 'cancel_recreate' });
    const req = request({ kind: 'order', eventType: 'amend', payload: order(), externalRef: '10' });
    const r = await c.deliver(req, silentLog);
    const newRef = amendReference('SO001', req.idempotencyKey);
    expect(orders.map((o) => [o.reference_id, o.status])).to.deep.equal([['SO001', 'Cancelled'], [newRef, 'Processing']]);
    expect(r.externalRef).to.equal('1000');
    expect(r.summary).to.contain('cancelled and re-created');
    const again = await c.deliver({ ...req, attempts: 2 }, silentLog);
    expect(again).to.include({ externalRef: '1000', deduplicated: true });
    expect(orders.length).to.equal(2);
  });

  it('product: creates when the SKU is unknown, patches (with variant ids) when known', async () => {
    const c = conn();
    const p = { name: 'Widget', variants: [{ sku: 'W-1', name: 'Widget' }] };
    const r1 = await c.deliver(request({ kind: 'product', eventType: 'upsert', model: 'product.product', payload: p }), silentLog);
    expect(r1.summary).to.contain('created');
    const r2 = await c.deliver(request({ kind: 'product', eventType: 'upsert', model: 'product.product', payload: { ...p, name: 'Widget 2' } }), silentLog);
    expect(r2.summary).to.contain('updated');
    expect(r2.externalRef).to.equal(r1.externalRef);
    const patch = srv.requests.find((q) => q.method === 'PATCH')!;
    expect((patch.body as { variants: Array<{ id: number }> }).variants[0]!.id).to.equal(products[0]!.variants[0]!.id);
    expect(products.length).to.equal(1);
  });

  it('an unsupported kind is a permanent mapping error', async () => {
    const err = (await rejects(() => conn().deliver(request({ kind: 'customer', eventType: 'upsert', payload: {} }), silentLog))) as unknown as PermanentError;
    expect(err.category).to.equal('mapping');
  });

  it('5xx on lookup stays transient', async () => {
    const down = await startServer((app) => { app.get('/2026-01/order', (_q, r) => { r.status(502).send('<html>bad gateway</html>'); }); });
    try {
      const c = createConnector('wms_main', target({ preset: 'shipbob', base_url: `${down.url}/2026-01/`, options: { channel_id: 1 } }), secret);
      const err = await rejects(() => c.deliver(request({ kind: 'order', payload: order(), attempts: 3 }), silentLog));
      expect(err).to.be.instanceOf(TransientError);
      expect(down.count('POST', '/2026-01/order')).to.equal(0);
    } finally {
      await down.close();
    }
  });
});

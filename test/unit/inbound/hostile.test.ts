import { expect } from 'chai';
import http from 'node:http';
import path from 'node:path';
import { InboxProcessor } from '../../../bridge/inbound/processor.js';
import { InboundPreparer } from '../../../bridge/inbound/prepare.js';
import { FakeSink, TARGETS, dealWon, hubspotDelivery, post, repoRoot, shipbobDelivery, shipment, startInboundServer, wmsDelivery, wmsShipped, type TestServer } from './helpers.js';

/** Every hostile delivery gets a clear 4xx JSON answer, and nothing reaches Odoo. */
describe('inbound webhooks: hostile input', () => {
  let s: TestServer;
  const sb = () => `${s.url}/webhooks/wms_sb`;
  before(async () => { s = await startInboundServer({ maxBodyBytes: 16 * 1024 }); });
  after(async () => {
    // Nothing that came in below may be applied.
    const sink = new FakeSink();
    await new InboxProcessor(s.store, new InboundPreparer(path.join(repoRoot, 'mappings'), TARGETS), sink, { batchSize: 50, pollMs: 10, backoffBaseMs: 10, backoffMaxMs: 10 }).drain();
    expect(sink.calls, 'sync_apply calls after the hostile suite').to.have.length(0);
    expect(s.store.list({ state: 'pending' })).to.have.length(0);
    await s.close();
  });

  async function expect4xx(p: Promise<{ status: number; json: Record<string, unknown> }>, status: number, code?: string, field?: string) {
    const r = await p;
    expect(r.status, JSON.stringify(r.json)).to.equal(status);
    const e = r.json.error as { code: string; message: string; field?: string };
    expect(e, 'JSON error body').to.be.an('object');
    expect(e.message).to.be.a('string').and.not.equal('');
    if (code) expect(e.code).to.equal(code);
    if (field) expect(e.field).to.equal(field);
  }

  it('malformed JSON (signed) -> 400 field (body)', () => expect4xx(post(sb(), shipbobDelivery(null, { body: '{"type": "order.shipped", "data": {' })), 400, 'invalid_payload', '(body)'));
  it('a JSON array where an object is expected -> 400', () => expect4xx(post(sb(), shipbobDelivery(null, { body: '[1,2,3]' })), 400, 'invalid_payload'));
  it('JSON null / a string / a number -> 400', async () => {
    for (const body of ['null', '"x"', '42']) await expect4xx(post(sb(), shipbobDelivery(null, { body })), 400, 'invalid_payload');
  });
  it('missing data -> 400 field data', () => expect4xx(post(sb(), shipbobDelivery(null, { body: JSON.stringify({ type: 'order.shipped' }) })), 400, 'invalid_payload', 'data'));
  it('wrong types: id an object, products a string, quantity negative -> 400 with the path', async () => {
    await expect4xx(post(sb(), shipbobDelivery({ ...shipment(), id: { $gt: 1 } })), 400, 'invalid_payload', 'data.id');
    await expect4xx(post(sb(), shipbobDelivery({ ...shipment(), products: 'all' })), 400, 'invalid_payload', 'data.products');
    const neg = shipment();
    (neg.products as Array<{ inventory_items: Array<{ quantity: number }> }>)[0]!.inventory_items[0]!.quantity = -5;
    await expect4xx(post(sb(), shipbobDelivery(neg)), 400, 'invalid_payload', 'data.products[0].inventory_items[0].quantity');
  });
  it('missing fields: no reference_id, no tracking -> 400 naming them', async () => {
    const a = shipment(); delete a.reference_id;
    await expect4xx(post(sb(), shipbobDelivery(a)), 400, 'invalid_payload', 'data.reference_id');
    const b = shipment(); delete b.tracking;
    await expect4xx(post(sb(), shipbobDelivery(b)), 400, 'invalid_payload', 'data.tracking');
  });
  it('empty products -> 400', async () => expect4xx(post(sb(), shipbobDelivery({ ...shipment(), products: [] })), 400, 'invalid_payload', 'data.products'));
  it('__proto__ keys do not pollute and do not pass validation', async () => {
    await expect4xx(post(sb(), shipbobDelivery(null, { body: '{"type":"order.shipped","data":{"__proto__":{"polluted":true}}}' })), 400, 'invalid_payload');
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });
  it('deeply nested JSON within the size limit -> 400, the server stays up', async () => {
    const deep = `${'['.repeat(6000)}${']'.repeat(6000)}`;
    await expect4xx(post(sb(), shipbobDelivery(null, { body: deep })), 400, 'invalid_payload');
    expect((await fetch(`${s.url}/healthz`)).status).to.equal(200);
  });
  it('huge body (announced by Content-Length) -> 413 JSON', () => expect4xx(post(sb(), shipbobDelivery({ ...shipment(), pad: 'x'.repeat(40_000) })), 413, 'payload_too_large'));
  it('huge body streamed without Content-Length (chunked) -> 413 JSON', async () => {
    const port = Number(new URL(s.url).port);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/webhooks/wms_sb', method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('error', reject);
      for (let i = 0; i < 40; i++) req.write('x'.repeat(1024));
      req.end();
    });
    expect(status).to.equal(413);
  });
  it('replayed delivery with an old timestamp -> 401 stale_timestamp', () => expect4xx(post(sb(), shipbobDelivery(shipment(), { at: new Date(Date.now() - 3_600_000) })), 401, 'stale_timestamp'));
  it('non-numeric or absurd timestamps -> 401', async () => {
    const d = shipbobDelivery(shipment());
    await expect4xx(post(sb(), { ...d, headers: { ...d.headers, 'webhook-timestamp': 'yesterday' } }), 401);
    await expect4xx(post(sb(), { ...d, headers: { ...d.headers, 'webhook-timestamp': '99999999999999' } }), 401);
  });
  it('a captured delivery replayed within the window is a duplicate: 200, stored once (see processor tests: applied once)', async () => {
    const d = shipbobDelivery(shipment(31337), { id: 'msg_captured' });
    expect((await post(sb(), d)).status).to.equal(200);
    const again = await post(sb(), d);
    expect(again.json.duplicate).to.equal(true);
    // (this one is valid; the after() hook drains it, so remove it from the "nothing applied" check)
    s.store.finish(s.store.list().find((r) => r.delivery_id === 'msg_captured')!.id, 'rejected', { error: 'test: not for Odoo' });
  });
  it('no signature at all, empty body -> 401', () => expect4xx(post(sb(), { headers: {}, body: '' }), 401, 'missing_signature'));
  it('signature of another message (swapped headers) -> 401', async () => {
    const a = shipbobDelivery(shipment(1));
    const b = shipbobDelivery(shipment(2));
    await expect4xx(post(sb(), { headers: a.headers, body: b.body }), 401, 'bad_signature');
  });
  it('HubSpot: empty array, negative eventId, not an array -> 400 with the path', async () => {
    const url = `${s.url}/webhooks/crm_hs`;
    await expect4xx(post(url, hubspotDelivery(url, [])), 400, 'invalid_payload', '(body)');
    await expect4xx(post(url, hubspotDelivery(url, [{ ...dealWon(1), eventId: -1 }])), 400, 'invalid_payload', '[0].eventId');
    await expect4xx(post(url, hubspotDelivery(url, [], { body: '{"eventId": 1}' })), 400, 'invalid_payload');
  });
  it('generic WMS: body id differs from X-WMS-Event-Id -> 400 field id; bad line -> 400 path', async () => {
    const url = `${s.url}/webhooks/wms_gen`;
    const d = wmsDelivery('shipment.shipped', wmsShipped(), { id: 'evt_A' });
    // Re-sign a body claiming another id than the header.
    const body = d.body.replace('"evt_A"', '"evt_B"');
    const forged = wmsDelivery('shipment.shipped', null, { id: 'evt_A', body });
    await expect4xx(post(url, forged), 400, 'invalid_payload', 'id');
    await expect4xx(post(url, wmsDelivery('shipment.shipped', { ...wmsShipped(), lines: [{ sku: '', quantity: 1 }] })), 400, 'invalid_payload', 'data.lines[0].sku');
  });
  it('unknown target codes and path tricks -> 404 JSON', async () => {
    await expect4xx(post(`${s.url}/webhooks/..%2Fadmin`, shipbobDelivery(shipment())), 404);
    await expect4xx(post(`${s.url}/webhooks/__proto__`, shipbobDelivery(shipment())), 404);
    await expect4xx(post(`${s.url}/webhooks/constructor`, shipbobDelivery(shipment())), 404);
  });
});

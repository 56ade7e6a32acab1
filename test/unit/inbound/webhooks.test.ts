import { expect } from 'chai';
import Database from 'better-sqlite3';
import { ADMIN, dealWon, hubspotDelivery, post, shipbobDelivery, shipment, startInboundServer, wmsDelivery, wmsShipped, type TestServer } from './helpers.js';

describe('inbound webhooks: signatures, limits, durable storage, duplicates', () => {
  let s: TestServer;
  beforeEach(async () => { s = await startInboundServer(); });
  afterEach(async () => { await s.close(); });

  const count = () => s.store.list({ limit: 1000 }).length;

  describe('ShipBob (Standard Webhooks)', () => {
    it('good signature -> 200, stored with the shipment id as message id and the webhook-id as delivery id', async () => {
      const d = shipbobDelivery(shipment(5001), { id: 'msg_abc' });
      const r = await post(`${s.url}/webhooks/wms_sb`, d);
      expect(r.status).to.equal(200);
      expect(r.json).to.include({ accepted: true, duplicate: false });
      const [row] = s.store.list();
      expect(row).to.include({ source: 'wms_sb', message_id: 'shipbob:shipment:5001', delivery_id: 'msg_abc', topic: 'order.shipped', state: 'pending', via: 'webhook' });
      expect(row!.body).to.equal(d.body);
    });
    it('wrong secret -> 401 bad_signature, nothing stored', async () => {
      const r = await post(`${s.url}/webhooks/wms_sb`, shipbobDelivery(shipment(), { secret: `whsec_${Buffer.from('another-secret-another-secret!!').toString('base64')}` }));
      expect(r.status).to.equal(401);
      expect((r.json.error as { code: string }).code).to.equal('bad_signature');
      expect(count()).to.equal(0);
    });
    it('tampered body -> 401, nothing stored', async () => {
      const d = shipbobDelivery(shipment());
      const r = await post(`${s.url}/webhooks/wms_sb`, { ...d, body: d.body.replace('9400100000000000000000', '9400100000000000000001') });
      expect(r.status).to.equal(401);
      expect(count()).to.equal(0);
    });
    it('timestamp older than 5 minutes -> 401 stale_timestamp (replayed delivery), nothing stored', async () => {
      const r = await post(`${s.url}/webhooks/wms_sb`, shipbobDelivery(shipment(), { at: new Date(Date.now() - 6 * 60_000) }));
      expect(r.status).to.equal(401);
      expect((r.json.error as { code: string }).code).to.equal('stale_timestamp');
      expect(count()).to.equal(0);
    });
    it('timestamp in the future beyond 5 minutes -> 401', async () => {
      const r = await post(`${s.url}/webhooks/wms_sb`, shipbobDelivery(shipment(), { at: new Date(Date.now() + 6 * 60_000) }));
      expect(r.status).to.equal(401);
    });
    it('missing signature headers -> 401 missing_signature', async () => {
      const d = shipbobDelivery(shipment());
      const r = await post(`${s.url}/webhooks/wms_sb`, { body: d.body, headers: { 'content-type': 'application/json' } });
      expect(r.status).to.equal(401);
      expect((r.json.error as { code: string }).code).to.equal('missing_signature');
    });
    it('the same message three times (ShipBob retries, same webhook-id) -> stored once, then 200 {duplicate: true}', async () => {
      const first = await post(`${s.url}/webhooks/wms_sb`, shipbobDelivery(shipment(7), { id: 'msg_same' }));
      const again = await post(`${s.url}/webhooks/wms_sb`, shipbobDelivery(shipment(7), { id: 'msg_same' }));
      const third = await post(`${s.url}/webhooks/wms_sb`, shipbobDelivery(shipment(7), { id: 'msg_same' }));
      expect(first.json.duplicate).to.equal(false);
      expect([again.status, again.json.duplicate, third.status, third.json.duplicate]).to.deep.equal([200, true, 200, true]);
      expect(count()).to.equal(1);
    });
    it('the same shipment under a new webhook-id (or from the poller) is a duplicate too', async () => {
      await post(`${s.url}/webhooks/wms_sb`, shipbobDelivery(shipment(8), { id: 'msg_1' }));
      const r = await post(`${s.url}/webhooks/wms_sb`, shipbobDelivery(shipment(8), { id: 'msg_2' }));
      expect(r.json.duplicate).to.equal(true);
      expect(count()).to.equal(1);
    });
    it('a topic the bridge does not apply -> 202 ignored, nothing stored', async () => {
      const r = await post(`${s.url}/webhooks/wms_sb`, shipbobDelivery(shipment(), { type: 'return.created' }));
      expect(r.status).to.equal(202);
      expect(r.json.ignored).to.equal(true);
      expect(count()).to.equal(0);
    });
  });

  describe('HubSpot (signature v3)', () => {
    it('good signature over method + URI + body + timestamp -> 200, one message per relevant event (eventId)', async () => {
      const url = `${s.url}/webhooks/crm_hs`;
      const events = [dealWon(101), { ...dealWon(102), propertyValue: 'contractsent' }, dealWon(103, 78)];
      const r = await post(url, hubspotDelivery(url, events));
      expect(r.status).to.equal(200);
      expect(s.store.list().map((x) => x.message_id).sort()).to.deep.equal(['101', '103']);
    });
    it('a delivery that also carries an event without objectId (deal.associationChange): the approved deal beside it is stored, the other skipped', async () => {
      const url = `${s.url}/webhooks/crm_hs`;
      const association = { eventId: 111, subscriptionId: 1002, portalId: 1, appId: 2, occurredAt: Date.now(), subscriptionType: 'deal.associationChange', fromObjectId: 77, toObjectId: 501, associationType: 'DEAL_TO_CONTACT' };
      const r = await post(url, hubspotDelivery(url, [association, dealWon(112)]));
      expect(r.status).to.equal(200);
      expect(s.store.list().map((x) => x.message_id)).to.deep.equal(['112']);
    });
    it('an approved deal without objectId -> 400 naming [i].objectId, kept as rejected', async () => {
      const url = `${s.url}/webhooks/crm_hs`;
      const { objectId: _gone, ...bad } = dealWon(113);
      const r = await post(url, hubspotDelivery(url, [dealWon(114), bad]));
      expect(r.status).to.equal(400);
      expect(JSON.stringify(r.json)).to.contain('[1].objectId');
      expect(s.store.list().map((x) => x.state)).to.deep.equal(['rejected']);
    });
    it('signed for another URI (proxy without server.public_url) -> 401', async () => {
      const url = `${s.url}/webhooks/crm_hs`;
      const r = await post(url, hubspotDelivery('https://bridge.example.com/webhooks/crm_hs', [dealWon(1)]));
      expect(r.status).to.equal(401);
    });
    it('with server.public_url the signed URI is the public one', async () => {
      const p = await startInboundServer({ publicUrl: 'https://bridge.example.com/sync' });
      try {
        const r = await post(`${p.url}/webhooks/crm_hs`, hubspotDelivery('https://bridge.example.com/sync/webhooks/crm_hs', [dealWon(5)]));
        expect(r.status).to.equal(200);
      } finally { await p.close(); }
    });
    it('bad signature, tampered body, old timestamp -> 401, nothing stored', async () => {
      const url = `${s.url}/webhooks/crm_hs`;
      expect((await post(url, hubspotDelivery(url, [dealWon(1)], { secret: 'nope' }))).status).to.equal(401);
      const d = hubspotDelivery(url, [dealWon(2)]);
      expect((await post(url, { ...d, body: d.body.replace('"objectId":77', '"objectId":78') })).status).to.equal(401);
      const old = await post(url, hubspotDelivery(url, [dealWon(3)], { ts: Date.now() - 6 * 60_000 }));
      expect(old.status).to.equal(401);
      expect((old.json.error as { code: string }).code).to.equal('stale_timestamp');
      expect(count()).to.equal(0);
    });
    it('a re-delivered event (same eventId) -> 200 duplicate', async () => {
      const url = `${s.url}/webhooks/crm_hs`;
      await post(url, hubspotDelivery(url, [dealWon(200)]));
      const r = await post(url, hubspotDelivery(url, [{ ...dealWon(200), attemptNumber: 1 }]));
      expect(r.json.duplicate).to.equal(true);
      expect(count()).to.equal(1);
    });
  });

  describe('generic WMS (sha256 HMAC)', () => {
    it('good signature -> 200 stored under the event id', async () => {
      const r = await post(`${s.url}/webhooks/wms_gen`, wmsDelivery('shipment.shipped', wmsShipped(), { id: 'evt_1' }));
      expect(r.status).to.equal(200);
      expect(s.store.list()[0]).to.include({ message_id: 'evt_1', topic: 'shipment.shipped' });
    });
    it('bad signature, tampered body, old timestamp -> 401', async () => {
      const url = `${s.url}/webhooks/wms_gen`;
      expect((await post(url, wmsDelivery('shipment.shipped', wmsShipped(), { secret: 'x'.repeat(40) }))).status).to.equal(401);
      const d = wmsDelivery('shipment.shipped', wmsShipped());
      expect((await post(url, { ...d, body: d.body.replace('"quantity":2', '"quantity":20') })).status).to.equal(401);
      expect((await post(url, wmsDelivery('shipment.shipped', wmsShipped(), { ts: Date.now() - 10 * 60_000 }))).status).to.equal(401);
      expect(count()).to.equal(0);
    });
  });

  it('413 JSON when the body is bigger than server.max_body_bytes; nothing stored', async () => {
    const big = { ...shipment(), padding: 'x'.repeat(80 * 1024) };
    const r = await post(`${s.url}/webhooks/wms_sb`, shipbobDelivery(big));
    expect(r.status).to.equal(413);
    expect((r.json.error as { code: string }).code).to.equal('payload_too_large');
    expect(count()).to.equal(0);
  });

  it('400 naming the bad field path for a signed but invalid payload; kept as rejected, not pending', async () => {
    const bad = shipment();
    (bad.tracking as Record<string, unknown>).tracking_number = 42;
    const r = await post(`${s.url}/webhooks/wms_sb`, shipbobDelivery(bad));
    expect(r.status).to.equal(400);
    const e = r.json.error as { code: string; field: string; message: string };
    expect(e.code).to.equal('invalid_payload');
    expect(e.field).to.equal('data.tracking.tracking_number');
    expect(s.store.list({ state: 'pending' })).to.have.length(0);
    const [row] = s.store.list({ state: 'rejected' });
    expect(row!.last_error).to.contain('data.tracking.tracking_number');
  });

  it('the row is committed in the SQLite file when the 2xx arrives (read through a second connection)', async () => {
    const r = await post(`${s.url}/webhooks/wms_sb`, shipbobDelivery(shipment(4242), { id: 'msg_durable' }));
    expect(r.status).to.equal(200);
    const other = new Database(s.file, { readonly: true });
    try {
      const row = other.prepare('SELECT message_id, state FROM inbox WHERE delivery_id = ?').get('msg_durable');
      expect(row).to.deep.equal({ message_id: 'shipbob:shipment:4242', state: 'pending' });
    } finally { other.close(); }
  });

  it('unknown target, or a target without webhooks (Salesforce) -> 404 JSON', async () => {
    expect((await post(`${s.url}/webhooks/nope`, shipbobDelivery(shipment()))).status).to.equal(404);
    expect((await post(`${s.url}/webhooks/crm_sf`, shipbobDelivery(shipment()))).status).to.equal(404);
  });

  describe('admin: GET /admin/inbox, POST /admin/inbox/<id>/replay', () => {
    const auth = { authorization: `Bearer ${ADMIN}` };
    it('lists rejected messages with the reason and replays one (rejected -> pending)', async () => {
      const bad = shipment();
      delete (bad as Record<string, unknown>).reference_id;
      await post(`${s.url}/webhooks/wms_sb`, shipbobDelivery(bad));
      const list = await (await fetch(`${s.url}/admin/inbox?state=rejected`, { headers: auth })).json() as { messages: Array<{ id: number; last_error: string }> };
      expect(list.messages).to.have.length(1);
      expect(list.messages[0]!.last_error).to.contain('data.reference_id');
      const rep = await fetch(`${s.url}/admin/inbox/${list.messages[0]!.id}/replay`, { method: 'POST', headers: auth });
      expect(rep.status).to.equal(200);
      expect(s.store.get(list.messages[0]!.id)!.state).to.equal('pending');
      const again = await fetch(`${s.url}/admin/inbox/${list.messages[0]!.id}/replay`, { method: 'POST', headers: auth });
      expect(again.status).to.equal(409);
    });
    it('discards a rejected message with a reason (kept, marked); needs a reason; only rejected ones', async () => {
      const bad = shipment();
      delete (bad as Record<string, unknown>).reference_id;
      await post(`${s.url}/webhooks/wms_sb`, shipbobDelivery(bad));
      const [row] = (await (await fetch(`${s.url}/admin/inbox?state=rejected`, { headers: auth })).json() as { messages: Array<{ id: number }> }).messages;
      const discard = (body: unknown) => fetch(`${s.url}/admin/inbox/${row!.id}/discard`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const none = await discard({});
      expect(none.status).to.equal(400);
      expect(((await none.json()) as { error: unknown }).error).to.deep.include({ field: 'reason' });
      const ok = await discard({ reason: 'test shipment sent by the vendor support' });
      expect(ok.status).to.equal(200);
      expect(((await ok.json()) as { message: { state: string; discard_reason: string } }).message).to.include({ state: 'rejected', discard_reason: 'test shipment sent by the vendor support' });
      expect((await discard({ reason: 'again' })).status, 'already discarded').to.equal(409);
      expect((await fetch(`${s.url}/admin/inbox/999999/discard`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"reason":"x"}' })).status).to.equal(404);
      expect((await fetch(`${s.url}/admin/inbox/${row!.id}/discard`, { method: 'POST', body: '{"reason":"x"}' })).status).to.equal(401);
    });
    it('needs the admin token; bad state filter -> 400', async () => {
      expect((await fetch(`${s.url}/admin/inbox?state=rejected`)).status).to.equal(401);
      expect((await fetch(`${s.url}/admin/inbox?state=bogus`, { headers: auth })).status).to.equal(400);
    });
  });
});

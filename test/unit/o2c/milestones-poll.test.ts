import { expect } from 'chai';
import path from 'node:path';
import { createConnector } from '../../../bridge/connectors/index.js';
import type { BaseConnector } from '../../../bridge/connectors/base-connector.js';
import { pollShipBobMilestones, shipmentMilestones } from '../../../bridge/inbound/poll-milestones.js';
import { InboundPreparer } from '../../../bridge/inbound/prepare.js';
import { InboxStore, type InboxRow } from '../../../bridge/state/inbox-store.js';
import { startFake, type ShipBobFake } from '../../fakes/start.js';
import { repoRoot, tempDb, target as inTarget } from '../inbound/helpers.js';

type Obj = Record<string, unknown>;

describe('issue 8: ShipBob shipment milestones by polling (accepted, picked, packed, shipped, delivered)', () => {
  let fake: ShipBobFake;
  before(async () => { fake = await startFake('shipbob'); });
  after(async () => fake?.close());
  beforeEach(async () => {
    await fake.reset();
    fake.store.setInventory({ sku: 'MUG', on_hand: 10 });
  });

  const headers = () => ({ 'content-type': 'application/json', authorization: `Bearer ${fake.tokens[0]}`, shipbob_channel_id: String(fake.channels[0]!.id) });
  async function order(ref: string): Promise<Obj> {
    const res = await fetch(`${fake.baseUrl}/order`, {
      method: 'POST', headers: headers(),
      body: JSON.stringify({ reference_id: ref, shipping_method: 'Standard', recipient: { name: 'A', address: { address1: '1 Main St', city: 'Springfield', country: 'US' } }, products: [{ reference_id: 'MUG', quantity: 2 }] }),
    });
    expect(res.status).to.equal(201);
    return await res.json() as Obj;
  }
  const pause = () => new Promise((r) => setTimeout(r, 5));

  it('the milestones a shipment shows follow the ShipBob status reference (only what is seen)', () => {
    const base = { id: 1, created_date: 'c', last_update_at: 'u', actual_fulfillment_date: 'f', delivery_date: 'd' };
    const topics = (s: Obj) => shipmentMilestones({ ...base, ...s }).map((m) => `${m.topic.replace('order.shipment.', '')}@${String(m.at)}`);
    expect(topics({ status: 'Processing', status_details: [] })).to.deep.equal(['accepted@c']);
    expect(topics({ status: 'Processing', status_details: [{ name: 'Picked' }] })).to.deep.equal(['accepted@c', 'picked@u']);
    expect(topics({ status: 'Processing', status_details: [{ name: 'Labeled' }] })).to.deep.equal(['accepted@c', 'packed@u']);
    expect(topics({ status: 'Completed', status_details: [{ name: 'InTransit' }] })).to.deep.equal(['accepted@c', 'shipped@f']);
    expect(topics({ status: 'Completed', status_details: [{ name: 'Delivered' }] })).to.deep.equal(['accepted@c', 'shipped@f', 'delivered@d']);
    expect(topics({ status: 'OnHold', status_details: [{ name: 'InvalidAddress' }] })).to.deep.equal(['accepted@c', 'on_hold@u']);
    expect(topics({ status: 'Cancelled', status_details: [] })).to.deep.equal([]);
  });

  it('fake: GET /order filters on LastUpdateStartDate (an order whose shipment changed since); progress needs a Processing shipment', async () => {
    const o = await order('SO-LU-1');
    const later = new Date(Date.now() + 60_000).toISOString();
    const list = async () => (await (await fetch(`${fake.baseUrl}/order?LastUpdateStartDate=${encodeURIComponent(later)}`, { headers: headers() })).json()) as Obj[];
    expect(await list()).to.have.length(0);
    fake.clock.advance(120_000);
    fake.sim.progress(((o.shipments as Obj[])[0]!.id) as number, 'Picked');
    expect((await list()).map((x) => x.reference_id)).to.deep.equal(['SO-LU-1']);
    const bad = await fetch(`${fake.baseUrl}/order?LastUpdateStartDate=yesterday`, { headers: headers() });
    expect(bad.status).to.equal(400);
    await fake.sim.ship(o.id as number);
    expect(() => fake.sim.progress(((o.shipments as Obj[])[0]!.id) as number, 'Packed')).to.throw();
  });

  it('poll: each milestone once per shipment (re-polls are duplicates), in order, mapped to canonical milestones', async () => {
    const conn = createConnector('wms_sb', inTarget('shipbob', { base_url: `${fake.baseUrl}/`, options: { channel_id: fake.channels[0]!.id } }), () => fake.tokens[0]!) as BaseConnector;
    const { db } = tempDb();
    const store = new InboxStore(db);
    const poll = () => pollShipBobMilestones('wms_sb', conn.http, store);
    const o = await order('SO-MS-1');
    const open = ((o.shipments as Obj[])[0]!.id) as number;
    expect(await poll()).to.include({ found: 1, stored: 1 });
    await pause();
    fake.sim.progress(open, 'Picked');
    expect(await poll()).to.include({ found: 2, stored: 1, duplicate: 1 });
    await pause();
    fake.sim.progress(open, 'Packed');
    await poll();
    await pause();
    fake.sim.progress(open, 'Labeled'); // packed already seen: nothing new
    expect(await poll()).to.include({ stored: 0 });
    await pause();
    const shipped = await fake.sim.ship(o.id as number, { carrier: 'USPS', tracking_number: '9400' }, { silent: true });
    await poll();
    await pause();
    await fake.sim.deliver(shipped.shipment.id, { silent: true });
    await poll();
    expect(await poll()).to.include({ stored: 0 });
    const rows = db.prepare('SELECT * FROM inbox ORDER BY id').all() as InboxRow[];
    const sid = shipped.shipment.id;
    // Accepted once for the order, although the shipped shipment shows it again.
    expect(rows.map((r) => r.message_id)).to.deep.equal([
      `shipbob:order:${String(o.id)}:accepted`, `shipbob:shipment:${open}:picked`, `shipbob:shipment:${open}:packed`,
      `shipbob:shipment:${sid}:shipped`, `shipbob:shipment:${sid}:delivered`,
    ]);
    expect(store.watermark('wms_sb', 'shipment_status_updated')).to.be.a('string');
    const prep = new InboundPreparer(path.join(repoRoot, 'mappings'), { wms_sb: inTarget('shipbob') }, () => conn.http);
    const payloads = [];
    for (const r of rows) payloads.push((await prep.prepare(r)).item);
    expect(payloads.every((p) => p.kind === 'milestone')).to.equal(true);
    expect(payloads.map((p) => p.payload.milestone)).to.deep.equal(['accepted', 'picked', 'packed', 'shipped', 'delivered']);
    expect(payloads.every((p) => p.payload.order_ref === 'SO-MS-1')).to.equal(true);
    const times = payloads.map((p) => String(p.payload.occurred_at));
    expect([...times].sort(), 'occurred_at follows the sequence').to.deep.equal(times);
    expect(payloads[3]!.payload).to.deep.include({ carrier: 'USPS', tracking_number: '9400' });
    db.close();
  });

  it('a cancelled order gives no milestones', async () => {
    const conn = createConnector('wms_sb', inTarget('shipbob', { base_url: `${fake.baseUrl}/`, options: { channel_id: fake.channels[0]!.id } }), () => fake.tokens[0]!) as BaseConnector;
    const { db } = tempDb();
    const store = new InboxStore(db);
    const o = await order('SO-MS-2');
    const res = await fetch(`${fake.baseUrl}/order/${String(o.id)}:cancel`, { method: 'POST', headers: headers() });
    expect(res.status).to.equal(200);
    expect(await pollShipBobMilestones('wms_sb', conn.http, store)).to.include({ found: 0 });
    db.close();
  });
});

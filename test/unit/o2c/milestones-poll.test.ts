import { expect } from 'chai';
import path from 'node:path';
import { createConnector } from '../../../bridge/connectors/index.js';
import type { BaseConnector } from '../../../bridge/connectors/base-connector.js';
import { holdTransition, pollShipBobMilestones, shipmentMilestones } from '../../../bridge/inbound/poll-milestones.js';
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

  it('hold transitions: a Processing shipment after a hold is resumed; a hold after a release gets a new id only when its own id is taken', () => {
    const hold = { message_id: 'shipbob:shipment:1:on_hold:aaaa', topic: 'order.shipment.on_hold' };
    const exc = { message_id: 'shipbob:shipment:1:exception:bbbb', topic: 'order.shipment.exception' };
    const resumed = { message_id: 'shipbob:shipment:1:resumed:cccc', topic: 'order.shipment.resumed' };
    const processing = { id: 1, status: 'Processing', status_details: [], created_date: 'c', last_update_at: 'u' };
    const onHold = { ...processing, status: 'OnHold', status_details: [{ name: 'AddressValidation' }] };
    const t = (s: Obj, last: typeof hold | undefined, known: string[] = []) => holdTransition(s, shipmentMilestones(s), last, (id) => known.includes(id));
    expect(t(processing, undefined)).to.deep.equal({});
    expect(t(processing, hold).resumed).to.deep.equal({ topic: 'order.shipment.resumed', at: 'u' });
    expect(t(processing, exc).resumed, 'an exception released too').to.deep.equal({ topic: 'order.shipment.resumed', at: 'u' });
    expect(t(processing, resumed), 'already resumed').to.deep.equal({});
    expect(t({ ...processing, status: 'Completed' }, hold), 'shipped reports it').to.deep.equal({});
    expect(t(onHold, hold), 'still the same hold').to.deep.equal({});
    const again = t(onHold, resumed, ['shipbob:shipment:1:on_hold:aaaa']).holdId!;
    expect(again('shipbob:shipment:1:on_hold:aaaa')).to.match(/^shipbob:shipment:1:on_hold:aaaa:after:[0-9a-f]{16}$/);
    expect(again('shipbob:shipment:1:on_hold:dddd'), 'a new reason keeps the webhook id').to.equal('shipbob:shipment:1:on_hold:dddd');
    // A listing not newer than the last hold-state message (ShipBob's list lagging behind the
    // webhook) changes nothing; a newer one does.
    const at = (s: Obj, iso: string) => ({ ...s, last_update_at: iso });
    const heldAt = { ...hold, at: '2026-11-22T10:00:00Z' };
    expect(t(at(processing, '2026-11-22T09:59:00Z'), heldAt), 'stale Processing').to.deep.equal({});
    expect(t(at(processing, '2026-11-22T10:00:00Z'), heldAt), 'same time').to.deep.equal({});
    expect(t(at(processing, '2026-11-22T10:05:00Z'), heldAt).resumed).to.deep.equal({ topic: 'order.shipment.resumed', at: '2026-11-22T10:05:00Z' });
    const resumedAt = { ...resumed, at: '2026-11-22T10:05:00Z' };
    expect(t(at(onHold, '2026-11-22T10:00:00Z'), resumedAt, ['shipbob:shipment:1:on_hold:aaaa']), 'stale OnHold after a release').to.deep.equal({});
    expect(t(at(onHold, '2026-11-22T10:09:00Z'), resumedAt, ['shipbob:shipment:1:on_hold:aaaa']).holdId).to.be.a('function');
  });

  it('poll: a released hold or exception becomes one resumed milestone per hold, and a repeated hold is recorded again', async () => {
    const conn = createConnector('wms_sb', inTarget('shipbob', { base_url: `${fake.baseUrl}/`, options: { channel_id: fake.channels[0]!.id } }), () => fake.tokens[0]!) as BaseConnector;
    const { db } = tempDb();
    const store = new InboxStore(db);
    const poll = () => pollShipBobMilestones('wms_sb', conn.http, store);
    const o = await order('SO-RS-1');
    const sid = ((o.shipments as Obj[])[0]!.id) as number;
    const step = async (fn: () => unknown) => { await pause(); fake.clock.advance(60_000); await fn(); return poll(); };
    await poll();
    expect(await step(() => fake.sim.onHold(sid, 'AddressValidation', { silent: true }))).to.include({ stored: 1 });
    expect(await poll(), 'nothing new while held').to.include({ stored: 0 });
    expect(await step(() => fake.sim.releaseHold(sid))).to.include({ stored: 1 });
    expect(await poll(), 'resumed once').to.include({ stored: 0 });
    expect(await step(() => fake.sim.onHold(sid, 'AddressValidation')), 'the same hold again').to.include({ stored: 1 });
    expect(await step(() => fake.sim.releaseHold(sid))).to.include({ stored: 1 });
    expect(await step(() => fake.sim.exception(sid, 'OutOfStock', { silent: true }))).to.include({ stored: 1 });
    expect(await step(() => fake.sim.releaseHold(sid))).to.include({ stored: 1 });
    expect(await step(() => fake.sim.progress(sid, 'Picked'))).to.include({ stored: 1 });
    expect(await poll()).to.include({ stored: 0 });
    const rows = db.prepare('SELECT * FROM inbox ORDER BY id').all() as InboxRow[];
    expect(rows.map((r) => r.topic.replace('order.shipment.', ''))).to.deep.equal(['accepted', 'on_hold', 'resumed', 'on_hold', 'resumed', 'exception', 'resumed', 'picked']);
    const ids = rows.map((r) => r.message_id);
    expect(ids[3]!.startsWith(`${ids[1]!}:after:`), 'the repeated hold has its own id').to.equal(true);
    expect(new Set([ids[2], ids[4], ids[6]]).size, 'one resumed per hold').to.equal(3);
    expect(JSON.parse(rows[2]!.body).data.resumes).to.equal(ids[1]);
    const prep = new InboundPreparer(path.join(repoRoot, 'mappings'), { wms_sb: inTarget('shipbob') }, () => conn.http);
    const payloads = [];
    for (const r of rows) payloads.push((await prep.prepare(r)).item);
    expect(payloads.map((p) => p.payload.milestone)).to.deep.equal(['accepted', 'on_hold', 'resumed', 'on_hold', 'resumed', 'exception', 'resumed', 'picked']);
    const times = payloads.map((p) => String(p.payload.occurred_at));
    expect([...times].sort(), 'occurred_at follows the sequence').to.deep.equal(times);
    expect(payloads[2]!.payload).to.include({ order_ref: 'SO-RS-1', shipment_id: String(sid) });
    db.close();
  });

  it('poll: a hold reported by webhook while ShipBob\'s order list still shows Processing (lagging) is not ended by that listing', async () => {
    const conn = createConnector('wms_sb', inTarget('shipbob', { base_url: `${fake.baseUrl}/`, options: { channel_id: fake.channels[0]!.id } }), () => fake.tokens[0]!) as BaseConnector;
    const { db } = tempDb();
    const store = new InboxStore(db);
    const o = await order('SO-LAG-1');
    const shipment = (o.shipments as Obj[])[0]!;
    await pollShipBobMilestones('wms_sb', conn.http, store);
    // The webhook's shipment is newer than what the list answers (the hold is not listed yet).
    const held = { ...shipment, reference_id: 'SO-LAG-1', status: 'OnHold', status_details: [{ name: 'AddressValidation' }], last_update_at: new Date(Date.parse(String(shipment.last_update_at)) + 60_000).toISOString() };
    store.insert({ source: 'wms_sb', messageId: `shipbob:shipment:${String(shipment.id)}:on_hold:x`, preset: 'shipbob', topic: 'order.shipment.on_hold', via: 'webhook', body: JSON.stringify({ type: 'order.shipment.on_hold', data: held }) });
    expect(await pollShipBobMilestones('wms_sb', conn.http, store)).to.include({ stored: 0 });
    expect(store.list({ source: 'wms_sb' }).map((r) => r.topic)).to.not.include('order.shipment.resumed');
    db.close();
  });

  it('inbox: the newest message of an id prefix and topics (a prefix is not a number prefix)', () => {
    const { db } = tempDb();
    const store = new InboxStore(db);
    const m = (messageId: string, topic: string) => ({ source: 's', messageId, preset: 'shipbob', topic, via: 'poll' as const, body: '{}' });
    store.insertMany([m('shipbob:shipment:1:on_hold:a', 'h'), m('shipbob:shipment:10:on_hold:b', 'h'), m('shipbob:shipment:1:picked', 'p'), m('shipbob:shipment:1:resumed:c', 'r')]);
    store.insert({ ...m('shipbob:shipment:1:on_hold:z', 'h'), source: 'other' });
    expect(store.latestWithPrefix('s', 'shipbob:shipment:1:', ['h', 'r'])).to.include({ message_id: 'shipbob:shipment:1:resumed:c' });
    expect(store.latestWithPrefix('s', 'shipbob:shipment:1:', ['h'])).to.include({ message_id: 'shipbob:shipment:1:on_hold:a' });
    expect(store.latestWithPrefix('s', 'shipbob:shipment:10:', ['h', 'r'])).to.include({ message_id: 'shipbob:shipment:10:on_hold:b' });
    expect(store.latestWithPrefix('s', 'shipbob:shipment:2:', ['h', 'r'])).to.equal(undefined);
    expect(store.has('s', 'shipbob:shipment:1:picked')).to.equal(true);
    expect(store.has('other', 'shipbob:shipment:1:picked')).to.equal(false);
    db.close();
  });

  it('inbox purge: applied messages go after the retention, a shipment\'s hold state after a year, rejected ones never', () => {
    const { db } = tempDb();
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = new InboxStore(db, () => now);
    const m = (messageId: string, topic: string) => ({ source: 's', messageId, preset: 'shipbob', topic, via: 'poll' as const, body: '{}' });
    const rows = store.insertMany([m('a', 'order.shipment.picked'), m('b', 'order.shipment.on_hold'), m('c', 'order.shipment.resumed'), m('d', 'order.shipment.exception'), m('e', 'order.shipment.picked')]);
    for (const r of rows.slice(0, 4)) store.finish(r.id, 'applied');
    store.finish(rows[4]!.id, 'rejected', { error: 'x' });
    const left = () => (db.prepare('SELECT message_id FROM inbox ORDER BY id').all() as Array<{ message_id: string }>).map((r) => r.message_id);
    now += 13 * 86_400_000;
    expect(store.purge(14)).to.equal(0);
    now += 2 * 86_400_000;
    expect(store.purge(14)).to.equal(1);
    expect(left()).to.deep.equal(['b', 'c', 'd', 'e']);
    now += 351 * 86_400_000;
    expect(store.purge(14)).to.equal(3);
    expect(left(), 'rejected rows stay').to.deep.equal(['e']);
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

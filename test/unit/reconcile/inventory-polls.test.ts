import path from 'node:path';
import { expect } from 'chai';
import { configSchema } from '../../../bridge/config/schema.js';
import { createConnector } from '../../../bridge/connectors/index.js';
import type { OdooContract, ReconStockItem } from '../../../bridge/odoo/contract.js';
import type { OdooGateway } from '../../../bridge/odoo/odoo-gateway.js';
import { Reconciler } from '../../../bridge/reconcile/index.js';
import { EVENTS_CURSOR } from '../../../bridge/inbound/poll-wms-events.js';
import { InboxStore } from '../../../bridge/state/inbox-store.js';
import type { DB } from '../../../bridge/state/state-store.js';
import { startFake, type GenericWmsFake, type ShipBobFake } from '../../fakes/start.js';
import { silentLog } from '../connectors/helpers.js';
import { tempDb } from '../inbound/helpers.js';
import { RecordingPort, pagesOf } from './helpers.js';

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../..');

/** Odoo's side: the stock before the return (Odoo has not heard of it). */
class Contract extends RecordingPort {
  constructor(private readonly items: ReconStockItem[]) { super(); }
  async reconOdooStock(_t: string, after: string | false, limit: number) { return pagesOf(this.items, (i) => i.key)(after, limit); }
}

const odooRow = (sku: string, quantity: number): ReconStockItem => ({ key: `inventory:${sku}:WH/Stock:`, sku, product_id: 1, location: 'WH/Stock', location_id: 8, lot: false, quantity, reserved: 0, in_flight: 0, in_flight_in: 0 });
const inboxRows = (db: DB) => db.prepare('SELECT message_id, topic, via, state FROM inbox ORDER BY id').all() as Array<{ message_id: string; topic: string; via: string; state: string }>;

function reconciler(code: string, target: Record<string, unknown>, token: string, contract: Contract, db: DB | undefined) {
  const config = configSchema.parse({
    odoo: { url: 'http://127.0.0.1:9', db: 'x', username: 'x', api_key: { env: 'X' } }, mappings: { dir: path.join(repoRoot, 'mappings') },
    targets: { [code]: target },
    reconcile: { targets: { [code]: { inventory: { level: 'sku', lots: false } } } },
  });
  const connectors = new Map(Object.entries(config.targets).map(([c, t]) => [c, createConnector(c, t, () => token)]));
  const odoo = { call: async (req: { ids?: number[] }) => (req.ids ?? []).map((id) => ({ id, categ_id: [1, 'All'] })) } as unknown as OdooGateway;
  let woken = 0;
  const resyncs: string[] = [];
  const r = new Reconciler({
    config, odoo, contract: contract as unknown as OdooContract, connectors, db, workerId: 't', log: silentLog,
    onInboxStored: () => { woken += 1; }, onPollResync: (source) => resyncs.push(source),
  });
  return { r, woken: () => woken, resyncs };
}

describe('reconcile: inventory polls ShipBob completed returns first (lost return.completed webhooks; ShipBob fake)', function () {
  this.timeout(30_000);
  let fake: ShipBobFake;
  before(async () => { fake = await startFake('shipbob'); });
  after(async () => fake?.close());

  const shipbob = (options: Record<string, unknown> = {}) => ({ preset: 'shipbob', base_url: `${fake.baseUrl}/`, auth: { type: 'bearer', token: { env: 'SB' } }, options: { channel_id: fake.channels[0]!.id, ...options } });

  /** ShipBob has `onHand`, then a return of `restocked` units is completed (restocked) without any webhook reaching the bridge. */
  async function restockedReturn(sku: string, onHand: number, restocked: number): Promise<number> {
    fake.store.setInventory({ sku, on_hand: onHand });
    const created = await fake.sim.createReturn({ reference_id: `RMA-${sku}`, lines: [{ sku, quantity: restocked }] }, { silent: true });
    const done = await fake.sim.completeReturn(created.return.id, [{ sku, quantity: restocked, action: 'Restock' }], { silent: true });
    expect(done.deliveries).to.deep.equal([]);
    expect([...fake.store.inventoryBySku(sku)!.byLocation.values()].reduce((a, l) => a + l.on_hand, 0)).to.equal(onHand + restocked);
    return created.return.id;
  }

  it('a return restocked in ShipBob whose webhook was lost is polled into the inbox first: in flight, not a difference; stored once; the processor woken', async () => {
    const id = await restockedReturn('RET-1', 10, 2); // ShipBob 12, Odoo still 10
    const { db } = tempDb();
    const { r, woken } = reconciler('wms_ret', shipbob(), fake.tokens[0]!, new Contract([odooRow('RET-1', 10)]), db);
    const s = await r.run('inventory', 'wms_ret');
    expect(s.counts).to.include({ in_flight_explained: 1, returns_polled: 1, receipts_polled: 0 });
    expect(s.counts.mismatch ?? 0).to.equal(0);
    expect(s.discrepancies).to.equal(0);
    expect(woken()).to.equal(1);
    expect(inboxRows(db)).to.deep.equal([{ message_id: `shipbob:return:${id}:completed`, topic: 'return.completed', via: 'poll', state: 'pending' }]);
    // A second run: the return is not stored twice, and still explained while pending.
    const s2 = await r.run('inventory', 'wms_ret');
    expect(s2.counts).to.include({ in_flight_explained: 1, returns_polled: 0 });
    expect(inboxRows(db)).to.have.length(1);
    expect(woken()).to.equal(1);
    db.close();
  });

  it('options.poll_returns false (or no state file): not polled, so the restocked return shows as a difference', async () => {
    await restockedReturn('RET-2', 10, 3);
    const { db } = tempDb();
    const off = reconciler('wms_ret_off', shipbob({ poll_returns: false }), fake.tokens[0]!, new Contract([odooRow('RET-2', 10)]), db);
    const s = await off.r.run('inventory', 'wms_ret_off');
    expect(s.counts).to.include({ mismatch: 1, receipts_polled: 0 });
    expect(s.counts.returns_polled).to.equal(undefined);
    expect(inboxRows(db)).to.deep.equal([]);
    db.close();
    const noState = reconciler('wms_ret_nostate', shipbob(), fake.tokens[0]!, new Contract([odooRow('RET-2', 10)]), undefined);
    const s2 = await noState.r.run('inventory', 'wms_ret_nostate');
    expect(s2.counts).to.include({ mismatch: 1 });
    expect(s2.counts.returns_polled).to.equal(undefined);
  });

  it('a failing returns poll fails the run before anything is compared', async () => {
    const { db } = tempDb();
    const contract = new Contract([odooRow('RET-3', 10)]);
    const { r } = reconciler('wms_ret_fail', shipbob({ poll_receiving: false }), 'not-a-valid-token', contract, db);
    let err: unknown;
    await r.run('inventory', 'wms_ret_fail').catch((e: unknown) => { err = e; });
    expect(String(err)).to.match(/GET \S*\/return -> HTTP 401/);
    expect(contract.finishes.map((f) => f.state)).to.deep.equal(['failed']);
    expect(contract.lines).to.deep.equal([]);
    db.close();
  });
});

describe('reconcile: inventory reads the generic WMS event feed first (options.events_path; generic WMS fake)', function () {
  this.timeout(30_000);
  let gw: GenericWmsFake;
  beforeEach(async () => { gw = await startFake('generic-wms'); });
  afterEach(async () => gw?.close());

  const generic = (options: Record<string, unknown> = { events_path: '/events' }) => ({ preset: 'generic_wms', base_url: `${gw.baseUrl}/`, auth: { type: 'api_key', header: 'X-API-Key', key: { env: 'K' } }, options });
  /** An order of the WMS, and a return of it restocked there (no webhook URL: the event is in the feed only). */
  async function restocked(sku: string, quantity: number) {
    const ref = `WH-OUT-${sku}-${quantity}`;
    const res = await fetch(`${gw.baseUrl}/orders/${ref}`, {
      method: 'PUT', headers: { 'content-type': 'application/json', 'x-api-key': gw.apiKeys[0]! },
      body: JSON.stringify({ ship_to: { name: 'A', street: '1 Main', city: 'Lyon', zip: '69001', country: 'FR' }, lines: [{ line_ref: '1', sku, quantity }] }),
    });
    expect(res.status).to.equal(201);
    return (await gw.sim.receiveReturn({ order_reference: ref, return_id: `RET-${sku}-${quantity}`, lines: [{ sku, quantity, disposition: 'restock' }] })).return;
  }

  it('a return restocked in the WMS whose webhook was lost is read from the feed first: in flight, not a difference; counted events_polled', async () => {
    gw.sim.setStock([{ sku: 'G-1', on_hand: 10 }]);
    await restocked('G-1', 2); // no webhook URL: the event is in the feed only; the WMS has 12
    const { db } = tempDb();
    const { r, woken } = reconciler('wms_gen', generic(), gw.apiKeys[0]!, new Contract([odooRow('G-1', 10)]), db);
    const s = await r.run('inventory', 'wms_gen');
    expect(s.counts).to.include({ in_flight_explained: 1, events_polled: 1 });
    expect(s.counts.mismatch ?? 0).to.equal(0);
    expect(woken()).to.equal(1);
    expect(inboxRows(db).map((x) => [x.message_id, x.topic, x.via, x.state])).to.deep.equal([[gw.wms.feed[gw.wms.feed.length - 1]!.event.id, 'return.received', 'poll', 'pending']]);
    expect(new InboxStore(db).watermark('wms_gen', EVENTS_CURSOR)).to.be.a('string');
    db.close();
  });

  it('without options.events_path the feed is not read: the restocked return is a difference', async () => {
    gw.sim.setStock([{ sku: 'G-2', on_hand: 10 }]);
    await restocked('G-2', 2);
    const { db } = tempDb();
    const { r } = reconciler('wms_gen_nofeed', generic({}), gw.apiKeys[0]!, new Contract([odooRow('G-2', 10)]), db);
    const s = await r.run('inventory', 'wms_gen_nofeed');
    expect(s.counts).to.include({ mismatch: 1 });
    expect(s.counts.events_polled).to.equal(undefined);
    expect(gw.ledger.requests.filter((x) => x.path.endsWith('/events'))).to.deep.equal([]);
    db.close();
  });

  it('an expired feed cursor during the run: resynced from the newest event read (counted), the events still in the feed read, the run goes on', async () => {
    gw.sim.setStock([{ sku: 'G-3', on_hand: 10 }]);
    const { db } = tempDb();
    const { r, resyncs } = reconciler('wms_gen_rs', generic(), gw.apiKeys[0]!, new Contract([odooRow('G-3', 10)]), db);
    await restocked('G-3', 1); // read by the first run: the WMS 11, Odoo 10, 1 in flight
    const firstId = gw.wms.feed[gw.wms.feed.length - 1]!.event.id;
    expect((await r.run('inventory', 'wms_gen_rs')).counts).to.include({ events_polled: 1, in_flight_explained: 1 });
    gw.clock.advance(60_000);
    await restocked('G-3', 5); // purged before the bridge read it (lost: its webhook never arrived)
    gw.clock.advance(60_000);
    await restocked('G-3', 2);
    const keptId = gw.wms.feed[gw.wms.feed.length - 1]!.event.id;
    expect(gw.wms.purge(gw.wms.feed[gw.wms.feed.length - 1]!.event.created_at)).to.equal(2); // the first two: the stored cursor has expired
    const s = await r.run('inventory', 'wms_gen_rs');
    expect(resyncs).to.deep.equal(['wms_gen_rs']);
    expect(s.counts).to.include({ events_polled: 1 });
    // The WMS has 18 and Odoo 10: 1 + 2 are in flight, the purged 5 are a difference (reconciliation is the safety net).
    expect(s.counts).to.include({ mismatch: 1 });
    expect(inboxRows(db).map((x) => x.message_id)).to.deep.equal([firstId, keptId]);
    db.close();
  });
});

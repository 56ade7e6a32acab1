import path from 'node:path';
import { expect } from 'chai';
import { configSchema } from '../../../bridge/config/schema.js';
import { createConnector } from '../../../bridge/connectors/index.js';
import type { OdooContract, ReconOpenOrder, ReconOpenReceipt, ReconStockItem } from '../../../bridge/odoo/contract.js';
import type { OdooGateway } from '../../../bridge/odoo/odoo-gateway.js';
import { Reconciler } from '../../../bridge/reconcile/index.js';
import { OpenOrdersJob, slaCheck, type OpenOrdersSla, type WmsOrderInfo } from '../../../bridge/reconcile/open-orders.js';
import { withRun } from '../../../bridge/reconcile/run.js';
import { InboxStore } from '../../../bridge/state/inbox-store.js';
import { startFake, type ShipBobFake } from '../../fakes/start.js';
import { silentLog } from '../connectors/helpers.js';
import { tempDb } from '../inbound/helpers.js';
import { RecordingPort, pagesOf, runOpts } from './helpers.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-03-10T12:00:00Z');
const odooAt = (hoursAgo: number) => new Date(NOW - hoursAgo * HOUR).toISOString().replace('T', ' ').slice(0, 19);
const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../..');

const order = (id: number, releasedHoursAgo: number, extra: Partial<ReconOpenOrder> = {}): ReconOpenOrder => ({
  order_id: id, name: `S${id}`, ref_sent: `S${id}`, external_id: false, released_at: odooAt(releasedHoursAgo), state: 'sale', delivery_states: ['assigned'], cancelled_in_odoo: false, ...extra,
});
const receipt = (id: number, scheduledHoursAgo: number, extra: Partial<ReconOpenReceipt> = {}): ReconOpenReceipt => ({
  picking_id: id, name: `WH/IN/${id}`, origin: `P${id}`, state: 'assigned', scheduled_date: odooAt(scheduledHoursAgo), sent_at: odooAt(scheduledHoursAgo + 48), external_id: false, reported: false, ...extra,
});
const wmsOpen = (ref: string, status: WmsOrderInfo['status'] = 'open'): WmsOrderInfo => ({ id: `W-${ref}`, reference: ref, status, rawStatus: status, shipments: [] });

async function runOpenOrders(orders: ReconOpenOrder[], wms: WmsOrderInfo[], sla: OpenOrdersSla, receipts?: ReconOpenReceipt[]) {
  const port = new RecordingPort();
  let receiptReads = 0;
  const job = new OpenOrdersJob({
    odooPages: pagesOf(orders, (o) => o.order_id),
    wms: { lookup: async (page) => new Map(wms.filter((w) => page.some((o) => o.name === w.reference)).map((w) => [w.reference, w])) },
    odooReceipts: receipts ? async (after, limit) => { receiptReads += 1; return pagesOf(receipts, (r) => r.picking_id)(after, limit); } : undefined,
  }, { slaHours: sla, pageSize: 2, pushMissedShipments: true, now: () => NOW });
  const summary = await withRun(port, { target: 'wms', job: 'open_orders', workerId: 't' }, runOpts, (r) => job.run(r));
  const byKey = new Map(port.lines.map((l) => [l.key, { outcome: l.outcome, details: l.details as Record<string, unknown>, line: l }]));
  return { port, summary, byKey, receiptReads: () => receiptReads };
}

describe('reconcile: open-order SLAs per event type', () => {
  it('slaCheck gives both timestamps and the deadline; unset SLA or unknown time: not checked', () => {
    const c = slaCheck('release', odooAt(5), 4, NOW)!;
    expect(c.breached).to.equal(true);
    expect(c.details).to.deep.equal({ sla_event: 'release', sla_hours: 4, since: odooAt(5), deadline: odooAt(1), checked_at: odooAt(0) });
    expect(slaCheck('release', odooAt(3), 4, NOW)!.breached).to.equal(false);
    expect(slaCheck('release', odooAt(3), undefined, NOW)).to.equal(undefined);
    expect(slaCheck('release', false, 4, NOW)).to.equal(undefined);
  });

  it('release, amend, cancel and ship: each breach one line with its timestamps; within the SLA none', async () => {
    const orders = [
      order(1, 6), // released 6 h ago, the WMS has no order: release not acknowledged
      order(2, 6, { amend_pending_since: odooAt(5), amend_state: 'failed' }), // amendment not delivered for 5 h
      order(3, 6, { amend_pending_since: odooAt(1), amend_state: 'pending' }), // amendment 1 h old: within
      order(4, 30, { cancelled_in_odoo: true, state: 'cancel', cancel_requested_at: odooAt(3) }), // cancel asked 3 h ago, the WMS still open
      order(5, 30, { cancelled_in_odoo: true, state: 'cancel', cancel_requested_at: odooAt(1) }), // cancel asked 1 h ago: in flight
      order(6, 80), // not shipped 80 h after release
      order(7, 80, { amend_pending_since: odooAt(50), cancelled_in_odoo: true, state: 'cancel', cancel_requested_at: odooAt(1) }), // cancelled: the amendment does not matter
    ];
    const wms = [wmsOpen('S2'), wmsOpen('S3'), wmsOpen('S4'), wmsOpen('S5'), wmsOpen('S6'), wmsOpen('S7')];
    const { byKey, summary } = await runOpenOrders(orders, wms, { acknowledge: 4, amend: 4, cancel: 2, ship: 72 });
    const stage = (k: string) => (byKey.has(k) ? `${byKey.get(k)!.outcome}/${String(byKey.get(k)!.details.stage)}` : 'none');
    expect(stage('order:1')).to.equal('missing_in_target/unacknowledged');
    expect(byKey.get('order:1')!.details).to.include({ sla_event: 'release', since: odooAt(6), deadline: odooAt(2), checked_at: odooAt(0), sla_hours: 4 });
    expect(stage('order:2:amend')).to.equal('mismatch/amend_not_acknowledged');
    expect(byKey.get('order:2:amend')!.details).to.include({ sla_event: 'amend', since: odooAt(5), deadline: odooAt(1), amend_state: 'failed' });
    expect(byKey.get('order:2:amend')!.line).to.include({ model: 'sale.order', res_id: 2, value_odoo: 'amend failed', value_target: 'open' });
    expect(stage('order:2')).to.equal('none'); // the order itself is fine (matched, not sent)
    expect(stage('order:3:amend')).to.equal('none');
    expect(stage('order:4')).to.equal('mismatch/cancel_not_applied');
    expect(byKey.get('order:4')!.details).to.include({ sla_event: 'cancel', since: odooAt(3), deadline: odooAt(1) });
    expect(stage('order:5')).to.equal('in_flight_explained/cancel_awaiting_acknowledgement');
    expect(stage('order:6')).to.equal('mismatch/not_shipped');
    expect(byKey.get('order:6')!.details).to.include({ since: odooAt(80), deadline: odooAt(8), sla_hours: 72 });
    expect(stage('order:7:amend')).to.equal('none');
    expect(summary.discrepancies).to.equal(4);
  });

  it('without a cancel SLA (null) a cancel the WMS did not apply is reported at once', async () => {
    const { byKey } = await runOpenOrders([order(4, 30, { cancelled_in_odoo: true, state: 'cancel', cancel_requested_at: odooAt(0.1) })], [wmsOpen('S4')], { acknowledge: 4 });
    expect(byKey.get('order:4')!.outcome).to.equal('mismatch');
    expect(byKey.get('order:4')!.details.stage).to.equal('cancel_not_applied');
  });

  it('receipts (ASN): not received by scheduled date + grace -> asn_not_received; reported by the WMS -> in flight', async () => {
    const receipts = [receipt(11, 30), receipt(12, 10), receipt(13, 30, { reported: true }), receipt(14, 30, { scheduled_date: false })];
    const { byKey, summary, receiptReads } = await runOpenOrders([], [], { acknowledge: 4, receive: 24 }, receipts);
    expect(byKey.get('receipt:11')!.outcome).to.equal('mismatch');
    expect(byKey.get('receipt:11')!.line).to.include({ model: 'stock.picking', res_id: 11, ref: 'WH/IN/11', value_target: 'not received' });
    expect(byKey.get('receipt:11')!.details).to.include({ stage: 'asn_not_received', sla_event: 'receipt', since: odooAt(30), deadline: odooAt(6), checked_at: odooAt(0), origin: 'P11', asn_sent_at: odooAt(78) });
    expect(byKey.has('receipt:12')).to.equal(false); // within the grace: matched, counted only
    expect(byKey.get('receipt:13')!.outcome).to.equal('in_flight_explained');
    expect(byKey.has('receipt:14')).to.equal(false); // no scheduled date: nothing to hold it to
    expect(summary.counts).to.include({ compared: 4, mismatch: 1, in_flight_explained: 1, matched: 2 });
    expect(receiptReads()).to.be.greaterThan(0);
    // receive unset (null in the config): receipts are not read at all
    const off = await runOpenOrders([], [], { acknowledge: 4 }, receipts);
    expect(off.receiptReads()).to.equal(0);
    expect(off.port.lines).to.deep.equal([]);
  });

  it('config: per-event defaults, null turns a stage off, a bad value names its key', () => {
    const base = { odoo: { url: 'http://127.0.0.1:9', db: 'x', username: 'x', api_key: { env: 'X' } } };
    const parse = (oo: unknown) => configSchema.parse({ ...base, reconcile: { targets: { w: { open_orders: oo } } } }).reconcile.targets.w!.open_orders.sla_hours;
    expect(parse({})).to.deep.equal({ acknowledge: 4, amend: 4, cancel: 4, receive: 24 });
    expect(parse({ sla_hours: { amend: null, ship: 48 } })).to.deep.equal({ acknowledge: 4, amend: null, cancel: 4, ship: 48, receive: 24 });
    const bad = configSchema.safeParse({ ...base, reconcile: { targets: { w: { open_orders: { sla_hours: { receive: -1 } } } } } });
    expect(bad.success).to.equal(false);
    expect(JSON.stringify(bad.error!.issues[0]!.path)).to.equal(JSON.stringify(['reconcile', 'targets', 'w', 'open_orders', 'sla_hours', 'receive']));
    const typo = configSchema.safeParse({ ...base, reconcile: { targets: { w: { open_orders: { sla_hours: { asn: 3 } } } } } });
    expect(typo.success).to.equal(false);
  });
});

describe('reconcile: inventory polls ShipBob receiving first (ShipBob fake)', function () {
  this.timeout(30_000);
  let fake: ShipBobFake;
  before(async () => { fake = await startFake('shipbob'); });
  after(async () => fake?.close());

  /** Odoo's side: the stock before the receipt (Odoo has not heard of it). */
  class Contract extends RecordingPort {
    constructor(private readonly items: ReconStockItem[]) { super(); }
    async reconOdooStock(_t: string, after: string | false, limit: number) { return pagesOf(this.items, (i) => i.key)(after, limit); }
  }

  async function completedWro(sku: string, qty: number): Promise<number> {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${fake.tokens[0]}`, shipbob_channel_id: String(fake.channels[0]!.id) };
    const fc = fake.store.locations[0]!.id;
    const res = await fetch(`${fake.baseUrl}/receiving`, { method: 'POST', headers, body: JSON.stringify({
      fulfillment_center: { id: fc }, package_type: 'Package', box_packaging_type: 'EverythingInOneBox', expected_arrival_date: '2026-11-24T08:00:00Z', purchase_order_number: `PO-${sku}`,
      boxes: [{ tracking_number: `T-${sku}`, box_items: [{ sku, quantity: qty }] }],
    }) });
    const wro = await res.json() as { id: number };
    expect(res.status, JSON.stringify(wro)).to.equal(201);
    const done = await fetch(`${fake.controlUrl}/__control/receiving/${wro.id}/complete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(done.status).to.equal(200);
    return wro.id;
  }

  function reconciler(code: string, contract: Contract, db: ReturnType<typeof tempDb>['db'], options: Record<string, unknown> = {}) {
    const config = configSchema.parse({
      odoo: { url: 'http://127.0.0.1:9', db: 'x', username: 'x', api_key: { env: 'X' } }, mappings: { dir: path.join(repoRoot, 'mappings') },
      targets: { [code]: { preset: 'shipbob', base_url: `${fake.baseUrl}/`, auth: { type: 'bearer', token: { env: 'SB' } }, options: { channel_id: fake.channels[0]!.id, ...options } } },
      reconcile: { targets: { [code]: { inventory: { level: 'sku', lots: false } } } },
    });
    const connectors = new Map(Object.entries(config.targets).map(([c, t]) => [c, createConnector(c, t, () => fake.tokens[0]!)]));
    const odoo = { call: async (req: { ids?: number[] }) => (req.ids ?? []).map((id) => ({ id, categ_id: [1, 'All'] })) } as unknown as OdooGateway;
    let woken = 0;
    const r = new Reconciler({ config, odoo, contract: contract as unknown as OdooContract, connectors, db, workerId: 't', log: silentLog, onInboxStored: () => { woken += 1; } });
    return { r, woken: () => woken };
  }

  const odooRow = (sku: string, quantity: number): ReconStockItem => ({ key: `inventory:${sku}:WH/Stock:`, sku, product_id: 1, location: 'WH/Stock', location_id: 8, lot: false, quantity, reserved: 0, in_flight: 0, in_flight_in: 0 });

  it('a receipt put away before the poll is in flight, not a difference; stored once in the inbox', async () => {
    fake.store.setInventory({ sku: 'RCV-1', on_hand: 10 });
    const wroId = await completedWro('RCV-1', 6); // ShipBob now has 16; Odoo still 10
    const { db } = tempDb();
    const contract = new Contract([odooRow('RCV-1', 10)]);
    const { r, woken } = reconciler('wms_rcv', contract, db);
    const s = await r.run('inventory', 'wms_rcv');
    expect(s.counts).to.include({ in_flight_explained: 1, receipts_polled: 1 });
    expect(s.counts.mismatch ?? 0).to.equal(0);
    expect(woken()).to.equal(1);
    const inbox = new InboxStore(db);
    expect(inbox.db.prepare('SELECT message_id, state FROM inbox').all()).to.deep.equal([{ message_id: `shipbob:receiving:${wroId}:completed`, state: 'pending' }]);
    // a second run: the same WRO is not stored twice, still explained
    const s2 = await r.run('inventory', 'wms_rcv');
    expect(s2.counts).to.include({ in_flight_explained: 1, receipts_polled: 0 });
    expect((db.prepare('SELECT count(*) AS n FROM inbox').get() as { n: number }).n).to.equal(1);
    db.close();
  });

  it('options.poll_receiving false: no poll, the receipt shows as a difference', async () => {
    fake.store.setInventory({ sku: 'RCV-2', on_hand: 10 });
    await completedWro('RCV-2', 4);
    const { db } = tempDb();
    const { r } = reconciler('wms_nopoll', new Contract([odooRow('RCV-2', 10)]), db, { poll_receiving: false });
    const s = await r.run('inventory', 'wms_nopoll');
    expect(s.counts).to.include({ mismatch: 1 });
    expect(s.counts.receipts_polled).to.equal(undefined);
    expect((db.prepare('SELECT count(*) AS n FROM inbox').get() as { n: number }).n).to.equal(0);
    db.close();
  });
});

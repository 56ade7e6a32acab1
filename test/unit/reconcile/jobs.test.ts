import { expect } from 'chai';
import type { ReconMasterItem, ReconOpenOrder } from '../../../bridge/odoo/contract.js';
import { MasterDataJob, driftOf, type TargetMasterRecord } from '../../../bridge/reconcile/master-data.js';
import { OpenOrdersJob, type WmsOrderInfo } from '../../../bridge/reconcile/open-orders.js';
import { ReconBusyError, withRun } from '../../../bridge/reconcile/run.js';
import { RecordingPort, pagesOf, runOpts } from './helpers.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-03-10T12:00:00Z');
const odooAt = (hoursAgo: number) => new Date(NOW - hoursAgo * HOUR).toISOString().replace('T', ' ').slice(0, 19);

const order = (id: number, hoursAgo: number, extra: Partial<ReconOpenOrder> = {}): ReconOpenOrder => ({
  order_id: id, name: `S${id}`, ref_sent: `S${id}`, external_id: false, released_at: odooAt(hoursAgo), state: 'sale', delivery_states: ['assigned'], cancelled_in_odoo: false, ...extra,
});
const wmsOrder = (ref: string, status: WmsOrderInfo['status'], shipments: string[] = []): WmsOrderInfo => ({
  id: `W-${ref}`, reference: ref, status, rawStatus: status, shipments: shipments.map((id) => ({ id, message: { messageId: `shipbob:shipment:${id}`, topic: 'order.shipped', body: '{}' } })),
});

describe('reconcile: open-orders job', () => {
  it('classifies every stage; pushes missed shipments into the inbox once', async () => {
    const inbox = new Map<string, string>([['shipbob:shipment:77', 'pending'], ['shipbob:shipment:88', 'applied']]);
    const pushed: string[] = [];
    const wms = new Map<string, WmsOrderInfo>([
      ['S2', wmsOrder('S2', 'open')], ['S4', wmsOrder('S4', 'shipped', ['66'])], ['S5', wmsOrder('S5', 'shipped', ['77'])],
      ['S6', wmsOrder('S6', 'shipped', ['88'])], ['S7', wmsOrder('S7', 'cancelled')], ['S8', wmsOrder('S8', 'open')], ['S9', wmsOrder('S9', 'partially_shipped', ['88'])],
      ['S10', wmsOrder('S10', 'open')],
    ]);
    const orders = [
      order(1, 6), order(2, 6), order(3, 1), order(4, 30), order(5, 30), order(6, 30), order(7, 30),
      order(8, 30, { cancelled_in_odoo: true, state: 'cancel' }), order(9, 30), order(10, 100),
    ];
    const port = new RecordingPort();
    const job = new OpenOrdersJob({
      odooPages: pagesOf(orders, (o) => o.order_id),
      wms: { lookup: async (page) => { const m = new Map<string, WmsOrderInfo>(); for (const o of page) { const w = wms.get(o.name); if (w) m.set(o.name, w); } return m; } },
      inbox: { push: (msgs) => msgs.map((m) => { const st = inbox.get(m.messageId); if (st) return { duplicate: true, state: st }; inbox.set(m.messageId, 'pending'); pushed.push(m.messageId); return { duplicate: false, state: 'pending' }; }) },
    }, { slaHours: { acknowledge: 4, ship: 72 }, pageSize: 4, pushMissedShipments: true, now: () => NOW });
    const summary = await withRun(port, { target: 'wms', job: 'open_orders', workerId: 't' }, runOpts, (r) => job.run(r));
    const stage = (id: number) => { const l = port.lines.find((x) => x.res_id === id); return l ? `${l.outcome}/${JSON.parse(JSON.stringify(l.details)).stage}` : 'matched'; };
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(stage)).to.deep.equal([
      'missing_in_target/unacknowledged', 'matched', 'matched', 'missing_in_odoo/shipped_not_in_odoo', 'in_flight_explained/shipment_in_inbox',
      'mismatch/shipped_not_applied', 'mismatch/cancelled_in_wms', 'mismatch/cancel_not_applied', 'matched', 'mismatch/not_shipped',
    ]);
    expect(pushed).to.deep.equal(['shipbob:shipment:66']);
    expect(summary.counts.shipments_pushed).to.equal(1);
    expect(port.finishes[0]!.counts).to.include({ repaired: 1 });
    expect(summary.discrepancies).to.equal(6);
  });

  it('dry run pushes nothing', async () => {
    const port = new RecordingPort();
    let pushes = 0;
    const job = new OpenOrdersJob({
      odooPages: pagesOf([order(4, 30)], (o) => o.order_id),
      wms: { lookup: async () => new Map([['S4', wmsOrder('S4', 'shipped', ['66'])]]) },
      inbox: { push: (m) => { pushes += 1; return m.map(() => ({ duplicate: false, state: 'pending' })); } },
    }, { slaHours: { acknowledge: 4 }, pageSize: 10, pushMissedShipments: true, now: () => NOW });
    await withRun(port, { target: 'wms', job: 'open_orders', workerId: 't' }, { ...runOpts, dryRun: true }, (r) => job.run(r));
    expect(pushes).to.equal(0);
    expect(port.lines[0]!.outcome).to.equal('missing_in_odoo');
  });
});

describe('reconcile: master-data job', () => {
  const rec = (id: string, odooId: number | undefined, email: string, name: string): TargetMasterRecord => ({ id, ...(odooId ? { odooId } : {}), naturalKey: email, view: { properties: { firstname: name, email } } });
  const item = (res_id: number, email: string, external_id: string | false = false): ReconMasterItem => ({ res_id, natural_key: email, external_id });

  it('id-linked target: missing, drift, duplicates by natural key, missing in Odoo; repairs by resend', async () => {
    const odoo = [item(1, 'a@x.com', 'H1'), item(2, 'b@x.com', 'H2'), item(3, 'c@x.com'), item(4, 'd@x.com', 'H4')];
    const target = [rec('H2', 2, 'b@x.com', 'Bobby'), rec('H1', 1, 'a@x.com', 'Ann'), rec('H4', 4, 'd@x.com', 'Dee'), rec('H9', undefined, 'd@x.com', 'Dee copy'), rec('H8', undefined, 'zz@x.com', 'Stranger')];
    const names: Record<number, string> = { 1: 'Ann', 2: 'Bob', 3: 'Cy', 4: 'Dee' };
    const port = new RecordingPort();
    const job = new MasterDataJob({
      odooPages: pagesOf(odoo, (o) => o.res_id),
      target: { idLinked: true, records: async function* () { yield* target; }, comparable: (v) => v.properties as Record<string, unknown> },
      mapOdoo: async (ids) => new Map(ids.map((id) => [id, { payload: { properties: { firstname: names[id], email: odoo.find((o) => o.res_id === id)!.natural_key } } }])),
    }, { model: 'res.partner', pageSize: 2, sortChunk: 2 });
    const summary = await withRun(port, { target: 'crm', job: 'master_data', workerId: 't' }, runOpts, (r) => job.run(r));
    expect(summary.counts).to.include({ matched: 2, drift: 1, missing_in_target: 1, duplicated: 1, missing_in_odoo: 1 });
    const drift = port.byOutcome('drift')[0]!;
    expect(drift).to.include({ res_id: 2, value_odoo: 'Bob', value_target: 'Bobby' });
    expect(port.byOutcome('duplicated')[0]).to.include({ res_id: 4, key: 'master:res.partner:dup:d@x.com' });
    expect(port.byOutcome('missing_in_odoo')[0]!.key).to.equal('master:res.partner:target:H8');
    expect(port.resends).to.deep.equal([{ model: 'res.partner', ids: [2, 3] }]);
  });

  it('natural-key target (ShipBob products by SKU)', async () => {
    const odoo = [item(1, 'SKU-A'), item(2, 'SKU-B')];
    const target: TargetMasterRecord[] = [{ id: '9', naturalKey: 'SKU-B', view: { name: 'B' } }, { id: '8', naturalKey: 'SKU-C', view: { name: 'C' } }];
    const port = new RecordingPort();
    const job = new MasterDataJob({
      odooPages: pagesOf(odoo, (o) => o.res_id), target: { idLinked: false, records: async function* () { yield* target; }, comparable: (v) => v },
      mapOdoo: async (ids) => new Map(ids.map((id) => [id, { payload: { name: id === 2 ? 'B' : 'A' } }])),
    }, { model: 'product.product', pageSize: 10, sortChunk: 100 });
    const s = await withRun(port, { target: 'wms', job: 'master_data', workerId: 't' }, runOpts, (r) => job.run(r));
    expect(s.counts).to.include({ matched: 1, missing_in_target: 1, missing_in_odoo: 1 });
  });

  it('driftOf compares only the mapped fields, arrays by length and items', () => {
    expect(driftOf({ a: '1.50', b: [] }, { a: 1.5, b: [], c: 'ignored' })).to.deep.equal({});
    expect(Object.keys(driftOf({ b: [] }, { b: [{ value: 'x' }] }))).to.deep.equal(['b.#']);
    expect(driftOf({ a: null }, { a: '' })).to.deep.equal({});
  });
});

describe('reconcile: run lifecycle', () => {
  it('refuses a second run of the same job and target in this process, and maps Odoo\'s lock', async () => {
    const port = new RecordingPort();
    let release!: () => void;
    const first = withRun(port, { target: 'wms', job: 'inventory', workerId: 't' }, runOpts, () => new Promise<void>((r) => { release = r; }));
    await new Promise((r) => setImmediate(r));
    try { await withRun(port, { target: 'wms', job: 'inventory', workerId: 't' }, runOpts, async () => undefined); expect.fail(); } catch (err) { expect(err).to.be.instanceOf(ReconBusyError); }
    release();
    await first;
    port.lockedFor.add('inventory:wms');
    try { await withRun(port, { target: 'wms', job: 'inventory', workerId: 't' }, runOpts, async () => undefined); expect.fail(); } catch (err) { expect((err as Error).message).to.match(/Odoo lock/); }
  });

  it('heartbeats while working and stops when Odoo no longer counts the run as running', async () => {
    const port = new RecordingPort();
    port.heartbeatOk = false;
    try {
      await withRun(port, { target: 'wms', job: 'inventory', workerId: 't' }, { ...runOpts, heartbeatMs: 1000 }, async (run) => {
        await new Promise((r) => setTimeout(r, 1200));
        await run.line({ key: 'k', outcome: 'mismatch' });
      });
      expect.fail();
    } catch (err) { expect((err as Error).message).to.match(/no longer counts run 1/); }
    expect(port.heartbeats).to.be.greaterThan(0);
    expect(port.finishes[0]!.state).to.equal('failed');
  });
});

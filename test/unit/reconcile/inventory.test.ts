import { expect } from 'chai';
import type { ReconStockItem } from '../../../bridge/odoo/contract.js';
import { InventoryJob, type InventoryOptions, type WmsStockRow } from '../../../bridge/reconcile/inventory.js';
import { withRun } from '../../../bridge/reconcile/run.js';
import { entriesOf } from '../../../bridge/reconcile/sources/inbox.js';
import { RecordingPort, pagesOf, runOpts } from './helpers.js';

const q = (sku: string, quantity: number, extra: Partial<ReconStockItem> = {}): ReconStockItem => ({
  key: `inventory:${sku}:WH/Stock:${extra.lot || ''}`, sku, product_id: Number(sku.replace(/\D/g, '')) || 1, location: 'WH/Stock', location_id: 8, lot: false,
  quantity, reserved: 0, in_flight: 0, ...extra,
});

const base: InventoryOptions = { level: 'sku', lots: true, locationMap: {}, tolerance: { absolute: 0, by_category: {} }, pageSize: 2, sortChunk: 3 };

async function run(odoo: ReconStockItem[], wms: WmsStockRow[], opts: Partial<InventoryOptions> = {}, extra: { inflight?: Parameters<typeof entriesOf>[]; categories?: Map<number, string> } = {}) {
  const port = new RecordingPort();
  const job = new InventoryJob({
    target: 'wms', odooPages: pagesOf([...odoo].sort((a, b) => (a.key < b.key ? -1 : 1)), (x) => x.key),
    wms: { rows: async function* () { yield* wms; } },
    inFlight: { pending: async () => (extra.inflight ?? []).flatMap((a) => entriesOf(...a)) },
    categories: async (ids) => new Map(ids.map((id) => [id, extra.categories?.get(id) ?? 'All'])),
  }, { ...base, ...opts });
  const summary = await withRun(port, { target: 'wms', job: 'inventory', workerId: 't' }, runOpts, (r) => job.run(r));
  return { port, summary };
}

describe('reconcile: inventory job', () => {
  it('matched, missing on each side and mismatch; matched lines only counted; lines batched', async () => {
    const { port, summary } = await run(
      [q('SKU1', 10), q('SKU2', 5), q('SKU3', 4), q('SKU4', 0)],
      [{ sku: 'SKU1', location: '1', on_hand: 10 }, { sku: 'SKU2', location: '1', on_hand: 7 }, { sku: 'SKU5', location: '1', on_hand: 2 }],
    );
    expect(summary.counts).to.include({ matched: 2, mismatch: 1, missing_in_target: 1, missing_in_odoo: 1 });
    expect(summary.discrepancies).to.equal(3);
    expect(port.lines.map((l) => `${l.key} ${l.outcome}`)).to.deep.equal([
      'inventory:SKU2:: mismatch', 'inventory:SKU3:: missing_in_target', 'inventory:SKU5:: missing_in_odoo',
    ]);
    const m = port.lines[0]!;
    expect(m).to.include({ qty_odoo: 5, qty_target: 7, res_id: 2, sku: 'SKU2', model: 'product.product' });
    expect(port.finishes[0]!.state).to.equal('done');
    expect(port.finishes[0]!.counts).to.include({ matched: 2, mismatch: 1 });
  });

  it('sums locations at sku level; compares per location at location level (with location_map)', async () => {
    const odoo = [q('SKU1', 6, { location: 'FC-A', key: 'inventory:SKU1:FC-A:' }), q('SKU1', 4, { location: 'FC-B', key: 'inventory:SKU1:FC-B:' })];
    const wms = [{ sku: 'SKU1', location: '11', on_hand: 4 }, { sku: 'SKU1', location: '12', on_hand: 6 }];
    expect((await run(odoo, wms)).summary.counts.matched).to.equal(1);
    const byLoc = await run(odoo, wms, { level: 'location', locationMap: { 11: 'FC-A', 12: 'FC-B' } });
    expect(byLoc.summary.counts.mismatch).to.equal(2);
    expect(byLoc.port.lines.map((l) => l.key)).to.deep.equal(['inventory:SKU1:FC-A:', 'inventory:SKU1:FC-B:']);
    expect(byLoc.port.lines[0]!.location).to.equal('FC-A');
  });

  it('compares lots as extra lines under the SKU total', async () => {
    const odoo = [q('SKU7', 3, { lot: 'L1', key: 'inventory:SKU7:WH/Stock:L1' }), q('SKU7', 2, { lot: 'L2', key: 'inventory:SKU7:WH/Stock:L2' })];
    const wms = [{ sku: 'SKU7', on_hand: 5 }, { sku: 'SKU7', lot: 'L1', on_hand: 2 }, { sku: 'SKU7', lot: 'L2', on_hand: 3 }];
    const { port, summary } = await run(odoo, wms);
    expect(summary.counts).to.include({ matched: 1, mismatch: 2 });
    expect(port.lines.map((l) => l.lot)).to.deep.equal(['L1', 'L2']);
    const nolots = await run(odoo, wms, { lots: false });
    expect(nolots.summary.counts).to.include({ matched: 1, mismatch: 0 });
  });

  it('tolerance: absolute, and per category (longest prefix wins) read in one batch', async () => {
    const odoo = [q('SKU1', 100), q('SKU2', 100), q('SKU3', 100)];
    const wms = [{ sku: 'SKU1', on_hand: 98 }, { sku: 'SKU2', on_hand: 95 }, { sku: 'SKU3', on_hand: 99 }];
    const abs = await run(odoo, wms, { tolerance: { absolute: 1, by_category: {} } });
    expect(abs.summary.counts).to.include({ matched: 1, mismatch: 2 });
    const cats = new Map([[1, 'All / Bulk / Screws'], [2, 'All / Bulk'], [3, 'All']]);
    const byCat = await run(odoo, wms, { tolerance: { absolute: 1, by_category: { 'All / Bulk': 5, 'All / Bulk / Screws': 1 } } }, { categories: cats });
    expect(byCat.summary.counts).to.include({ matched: 2, mismatch: 1 });
    expect(byCat.port.lines[0]!.sku).to.equal('SKU1');
    expect(byCat.port.lines[0]!.details).to.include({ tolerance: 1, category: 'All / Bulk / Screws' });
  });

  it('in flight: Odoo in_flight and shipments pending in the inbox explain Odoo > WMS; pending returns explain WMS > Odoo', async () => {
    const odoo = [q('SKU1', 10, { in_flight: 3 }), q('SKU2', 10), q('SKU3', 10), q('SKU4', 10, { in_flight: 1 })];
    const wms = [{ sku: 'SKU1', location: '1', on_hand: 7 }, { sku: 'SKU2', location: '1', on_hand: 8 }, { sku: 'SKU3', location: '1', on_hand: 12 }, { sku: 'SKU4', location: '1', on_hand: 5 }];
    const shipped = { type: 'order.shipped', data: { id: 5, location: { id: 1 }, products: [{ sku: 'SKU2', inventory_items: [{ quantity: 2 }] }] } };
    const returned = { type: 'return.completed', data: { id: 9, fulfillment_center: { id: 1 }, inventory: [{ sku: 'SKU3', quantity: 2, action_taken: [{ action: 'Restock' }] }] } };
    const { port, summary } = await run(odoo, wms, {}, { inflight: [['shipbob', 'order.shipped', shipped], ['shipbob', 'return.completed', returned]] });
    expect(summary.counts).to.include({ in_flight_explained: 3, mismatch: 1 });
    expect(summary.discrepancies).to.equal(1);
    expect(port.byOutcome('mismatch')[0]!.sku).to.equal('SKU4');
    expect(port.byOutcome('in_flight_explained').map((l) => l.sku)).to.deep.equal(['SKU1', 'SKU2', 'SKU3']);
  });

  it('receipts in flight: received by the WMS, not applied in Odoo (Odoo in_flight_in, or pending in the inbox) explain WMS > Odoo, per lot too', async () => {
    // SKU5: Odoo holds a receipt of 4 (in_flight_in); SKU6: generic WMS receipt.completed pending in
    // the inbox, with lots; SKU7: ShipBob WRO pending in the inbox; SKU8: a receipt explains 2 of 5 -> mismatch.
    const odoo = [q('SKU5', 10, { in_flight_in: 4 }), q('SKU6', 1), q('SKU6', 1, { key: 'inventory:SKU6:WH/Stock:L1', lot: 'L1' }), q('SKU7', 0), q('SKU8', 3, { in_flight_in: 2 })];
    const wms = [
      { sku: 'SKU5', location: '1', on_hand: 14 }, { sku: 'SKU6', location: '1', on_hand: 6 }, { sku: 'SKU6', location: '1', lot: 'L1', on_hand: 4 }, { sku: 'SKU6', location: '1', lot: 'L2', on_hand: 2 },
      { sku: 'SKU7', location: '1', on_hand: 9 }, { sku: 'SKU8', location: '1', on_hand: 8 },
    ];
    const generic = { type: 'receipt.completed', data: { receipt_reference: 'WH/IN/00001', receipt_id: 'R1', received_at: '2026-01-01T00:00:00Z', lines: [{ sku: 'SKU6', quantity: 5, lots: [{ lot: 'L1', quantity: 3 }, { lot: 'L2', quantity: 2 }] }] } };
    const wro = { type: 'receiving.completed', data: { id: 77, purchase_order_number: 'P00001', status: 'Completed', fulfillment_center: { id: 1 }, inventory_quantities: [{ sku: 'SKU7', received_quantity: 9 }], boxes: [] } };
    const { port, summary } = await run(odoo, wms, {}, { inflight: [['generic_wms', 'receipt.completed', generic], ['shipbob', 'receiving.completed', wro]] });
    const got = Object.fromEntries(port.lines.map((l) => [l.key, l.outcome]));
    expect(got).to.deep.equal({
      'inventory:SKU5::': 'in_flight_explained', 'inventory:SKU6::': 'in_flight_explained', 'inventory:SKU6::L1': 'in_flight_explained', 'inventory:SKU6::L2': 'in_flight_explained',
      'inventory:SKU7::': 'in_flight_explained', 'inventory:SKU8::': 'mismatch',
    });
    expect(summary.discrepancies).to.equal(1);
    expect(port.byOutcome('in_flight_explained').find((l) => l.key === 'inventory:SKU5::')!.details).to.deep.include({ in_flight_in: 4 });
    expect(port.byOutcome('in_flight_explained').find((l) => l.key === 'inventory:SKU6::')!.details).to.deep.include({ in_flight_in: 5 });
  });

  it('a failing source finishes the run as failed with the error', async () => {
    const port = new RecordingPort();
    const job = new InventoryJob({ target: 'wms', odooPages: pagesOf([q('SKU1', 1)], (x) => x.key), wms: { rows: async function* () { yield { sku: 'A', on_hand: 1 }; throw new Error('WMS down'); } } }, base);
    try {
      await withRun(port, { target: 'wms', job: 'inventory', workerId: 't' }, runOpts, (r) => job.run(r));
      expect.fail('should throw');
    } catch (err) { expect((err as Error).message).to.equal('WMS down'); }
    expect(port.finishes).to.deep.equal([{ runId: 1, state: 'failed', counts: port.finishes[0]!.counts, error: 'WMS down' }]);
  });
});

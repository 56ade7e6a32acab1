/**
 * Reconciliation benchmark (issue 7). Run: npm run bench:reconcile
 *   (npm run -s build && node --expose-gc dist/bench/reconcile.js)
 *
 * What is real and what is synthetic:
 *   - REAL: the inventory job (bridge/reconcile/inventory.ts) end to end: both sides
 *     external-sorted (bridge/reconcile/external-sort.ts, spilling runs of `sort_chunk` rows to
 *     temporary files), summed, merge-joined, classified (tolerance, in-flight), lines batched
 *     to the sink through the real run lifecycle (withRun: heartbeats, finish).
 *   - SYNTHETIC Odoo side: a generator behind the same function type as
 *     OdooContract.reconOdooStock (pages of `page_size` items ordered by Odoo's key), no RPC.
 *   - SYNTHETIC WMS side (runs 1 and 2): a generator behind the WmsStockSource interface that
 *     lists SKUs in a scrambled order (as ShipBob lists by inventory id, not SKU), one row per
 *     SKU at one fulfilment centre.
 *   - Run 3 goes through the ShipBob fake's paginated `GET /inventory-level/locations`
 *     (the real ShipBobStockSource: HTTP client, cursor links, PageSize 250, the
 *     shipbob/inventory_levels.yaml mapping); the fake runs in this process, so its own
 *     memory (the 10k SKUs it holds) is in the figures. BENCH_FAKE_SKUS (default 10000).
 *   - SYNTHETIC sink: a ReconPort that counts lines (no Odoo).
 *   About 1% of SKUs are seeded with a difference, 0.5% missing on each side.
 * Sizes: BENCH_SKUS (default 100000) and BENCH_SMALL (default 10000). Prints time, rows/s,
 * peak RSS and peak heap per run, and one JSON line.
 */
import { createConnector } from '../bridge/connectors/index.js';
import { BaseConnector } from '../bridge/connectors/base-connector.js';
import { targetSchema } from '../bridge/config/schema.js';
import type { ReconCounts, ReconLine, ReconStockItem } from '../bridge/odoo/contract.js';
import { InventoryJob, type InventoryOptions, type WmsStockRow } from '../bridge/reconcile/inventory.js';
import { withRun, type ReconPort } from '../bridge/reconcile/run.js';
import { ShipBobStockSource, findInboundMapping } from '../bridge/reconcile/sources/wms-stock.js';
import { startFake } from '../test/fakes/start.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const envInt = (n: string, d: number) => { const v = Number(process.env[n]); return Number.isFinite(v) && v > 0 ? Math.floor(v) : d; };
const sku = (i: number) => `SKU-${String(i).padStart(7, '0')}`;
const MB = (b: number) => Math.round(b / 1048576);

/** Odoo side: pages of `limit` quants ordered by key, like sync_recon_odoo_stock. */
function odooPages(n: number) {
  return async (after: string | false, limit: number) => {
    // A real page is an RPC: yield to the event loop like one (timers, heartbeats, sampling run).
    await new Promise((r) => setImmediate(r));
    const start = after === false ? 0 : Number(after.split(':')[1]!.slice(4)) + 1;
    const items: ReconStockItem[] = [];
    for (let i = start; i < Math.min(n, start + limit); i++) {
      if (i % 200 === 7) continue; // missing in Odoo
      const s = sku(i);
      items.push({ key: `inventory:${s}:1:`, sku: s, product_id: i + 1, location: '1', location_id: 8, lot: false, quantity: 100 + (i % 50), reserved: 0, in_flight: i % 97 === 0 ? 3 : 0 });
    }
    const end = Math.min(n, start + limit);
    return { items, next: end < n ? `inventory:${sku(end - 1)}:1:` : (false as const) };
  };
}

/** WMS side: a scrambled walk over the SKUs (a permutation: i * p mod n with p prime to n). */
function wmsRows(n: number): { rows(): AsyncIterable<WmsStockRow> } {
  return {
    async *rows() {
      const p = 7919;
      for (let j = 0; j < n; j++) {
        const i = (j * p) % n;
        if (i % 200 === 11) continue; // missing in the WMS
        let qty = 100 + (i % 50);
        if (i % 100 === 3) qty -= 5; // mismatch
        if (i % 97 === 0) qty -= 3; // explained by Odoo's in-flight quantity
        yield { sku: sku(i), location: '1', on_hand: qty };
      }
    },
  };
}

class CountingPort implements ReconPort {
  lines = 0;
  calls = 0;
  async reconStart() { return { run_id: 1 }; }
  async reconHeartbeat() { return { ok: true }; }
  async reconLines(_id: number, lines: ReconLine[]) { this.lines += lines.length; this.calls += 1; return { refused: [] }; }
  async reconResend() { return { ok: [] }; }
  async reconFinish(_id: number, _s: string, _c: ReconCounts) { return {}; }
}

interface Figures { run: string; skus: number; seconds: number; rows_per_second: number; peak_rss_mb: number; peak_heap_mb: number; peak_live_heap_mb: number; counts: ReconCounts; lines_sent: number }

async function measure(name: string, skus: number, wms: { rows(): AsyncIterable<WmsStockRow> }): Promise<Figures> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 50));
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => { const m = process.memoryUsage(); peakRss = Math.max(peakRss, m.rss); peakHeap = Math.max(peakHeap, m.heapUsed); };
  sample();
  const timer = setInterval(sample, 10);
  // Live heap: what survives a full GC, sampled every 250 ms (needs --expose-gc). Peak heapUsed
  // above also counts garbage not yet collected, which grows with the allocation rate.
  let peakLive = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  const live = setInterval(() => { if (gc) { gc(); peakLive = Math.max(peakLive, process.memoryUsage().heapUsed); } }, 250);
  const opts: InventoryOptions = { level: 'sku', lots: true, locationMap: {}, tolerance: { absolute: 0, by_category: {} }, pageSize: 500, sortChunk: envInt('BENCH_SORT_CHUNK', 20_000) };
  const port = new CountingPort();
  const job = new InventoryJob({ target: 'bench', odooPages: odooPages(skus), wms }, opts);
  const t0 = process.hrtime.bigint();
  const summary = await withRun(port, { target: 'bench', job: 'inventory', workerId: 'bench' }, { lineBatch: 500, sendMatched: false, dryRun: false, heartbeatMs: 30_000 }, (run) => job.run(run));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(timer);
  clearInterval(live);
  sample();
  const f: Figures = { run: name, skus, seconds: Math.round(seconds * 100) / 100, rows_per_second: Math.round(skus / seconds), peak_rss_mb: MB(peakRss), peak_heap_mb: MB(peakHeap), peak_live_heap_mb: MB(peakLive), counts: summary.counts, lines_sent: port.lines };
  const c = summary.counts;
  process.stdout.write(`${name.padEnd(34)} ${String(skus).padStart(7)} SKUs  ${f.seconds.toFixed(2).padStart(6)} s  ${String(f.rows_per_second).padStart(7)} SKU/s  peak RSS ${String(f.peak_rss_mb).padStart(4)} MB  peak heap ${String(f.peak_heap_mb).padStart(4)} MB  live heap ${String(f.peak_live_heap_mb).padStart(3)} MB  `
    + `matched ${c.matched} mismatch ${c.mismatch} missing_in_odoo ${c.missing_in_odoo} missing_in_target ${c.missing_in_target} in_flight ${c.in_flight_explained}  lines sent ${port.lines}\n`);
  return f;
}

async function main(): Promise<void> {
  const big = envInt('BENCH_SKUS', 100_000);
  const small = envInt('BENCH_SMALL', 10_000);
  const fakeSkus = envInt('BENCH_FAKE_SKUS', 10_000);
  process.stdout.write(`reconcile bench: node ${process.version}, sort_chunk ${envInt('BENCH_SORT_CHUNK', 20_000)}, gc ${typeof (globalThis as { gc?: unknown }).gc === 'function' ? 'exposed' : 'not exposed'}\n`);
  const results: Figures[] = [];
  results.push(await measure('1. synthetic WMS + synthetic Odoo', small, wmsRows(small)));
  results.push(await measure('2. synthetic WMS + synthetic Odoo', big, wmsRows(big)));

  // 3. The WMS side through the ShipBob fake's paginated inventory endpoint.
  const fake = await startFake('shipbob');
  try {
    const loc = fake.store.locations[0]!.id;
    for (let i = 0; i < fakeSkus; i++) {
      // Straight into the fake's store (its setInventory looks SKUs up linearly: O(n^2) to seed).
      if (i % 200 === 11) continue;
      let qty = 100 + (i % 50);
      if (i % 100 === 3) qty -= 5;
      if (i % 97 === 0) qty -= 3;
      fake.store.inventory.push({ inventory_id: 100_000 + ((i * 7919) % fakeSkus), sku: sku(i), name: sku(i), is_lot: false, byLocation: new Map([[loc, { on_hand: qty, committed: 0, awaiting: 0, backordered: 0, exception: 0 }]]), lots: [] });
    }
    fake.store.inventory.sort((a, b) => a.inventory_id - b.inventory_id); // ShipBob's order: by inventory id, not SKU
    const target = targetSchema.parse({ preset: 'shipbob', base_url: `${fake.baseUrl}/`, auth: { type: 'bearer', token: { env: 'SHIPBOB_TOKEN' } }, options: { channel_id: fake.channels[0]!.id }, rate_per_minute: undefined });
    const connector = createConnector('bench', target, () => fake.tokens[0]!) as BaseConnector;
    const mapping = findInboundMapping(`${ROOT}mappings`, 'shipbob', 'inventory.polled');
    const source = new ShipBobStockSource(connector.http, { pageSize: 250, lots: false, mapping });
    // Odoo's location key for the fake's fulfilment centre is its id.
    results.push(await measure(`3. ShipBob fake (HTTP) + synthetic Odoo`, fakeSkus, { rows: () => remapLocation(source.rows(), String(loc)) }));
  } finally {
    await fake.close();
  }
  const flat = results[1]!.peak_heap_mb - results[0]!.peak_heap_mb;
  process.stdout.write(`memory: peak heap ${results[0]!.peak_heap_mb} MB at ${small} SKUs vs ${results[1]!.peak_heap_mb} MB at ${big} SKUs (${flat >= 0 ? '+' : ''}${flat} MB for ${big / small}x the SKUs); `
    + `peak live heap (after full GC) ${results[0]!.peak_live_heap_mb} MB vs ${results[1]!.peak_live_heap_mb} MB; bounded by sort_chunk rows per side, not by the SKU count\n`);
  process.stdout.write(`${JSON.stringify({ bench: 'reconcile', results })}\n`);
}

/** The synthetic Odoo side names the location '1'; the fake's fulfilment centre has its own id. */
async function* remapLocation(rows: AsyncIterable<WmsStockRow>, loc: string): AsyncGenerator<WmsStockRow> {
  for await (const r of rows) yield { ...r, location: r.location === loc ? '1' : r.location };
}

main().catch((err: unknown) => { process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`); process.exitCode = 1; });

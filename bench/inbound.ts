/**
 * Inbound benchmark (issue 6). Run: npm run bench:inbound  (node dist/bench/inbound.js)
 *
 * 1. Webhooks accepted per second with durable storage: the sidecar's express app (the real
 *    createServer + webhook routes) on 127.0.0.1 with a file-backed SQLite inbox
 *    (WAL, synchronous=FULL: each 2xx follows a committed, fsynced row). BENCH_WEBHOOKS
 *    (default 5000) distinct ShipBob order.shipped deliveries, signed beforehand (Standard
 *    Webhooks), sent BENCH_CONCURRENCY (default 32) at a time over keep-alive connections.
 *    Reports deliveries/s and answer latency p50/p99.
 * 2. Messages applied to Odoo per second: needs a running Odoo 18 with sync_bridge
 *    (ODOO_URL, ODOO_DB; admin/admin or ODOO_ADMIN_LOGIN/ODOO_ADMIN_PASSWORD); skipped with a
 *    message otherwise. BENCH_APPLY (default 200) confirmed sale orders, one shipment message
 *    each in the inbox, applied by the real InboxProcessor (mapping + sync_apply in batches of
 *    BENCH_BATCH, default 50) as the service user: each validates a delivery in Odoo.
 * Prints the figures and one JSON line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { createServer } from '../bridge/server/create-server.js';
import { BridgeMetrics } from '../bridge/runtime/metrics.js';
import { openStateStore } from '../bridge/state/state-store.js';
import { InboxStore } from '../bridge/state/inbox-store.js';
import { webhookRouter } from '../bridge/inbound/routes.js';
import { InboundPreparer } from '../bridge/inbound/prepare.js';
import { InboxProcessor } from '../bridge/inbound/processor.js';
import { OdooContract } from '../bridge/odoo/contract.js';
import { targetSchema } from '../bridge/config/schema.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const envInt = (n: string, d: number) => { const v = Number(process.env[n]); return Number.isFinite(v) && v > 0 ? Math.floor(v) : d; };
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0; };
const SECRET = `whsec_${Buffer.from('bench-secret-bench-secret-bench!').toString('base64')}`;
const target = targetSchema.parse({ preset: 'shipbob', base_url: 'http://127.0.0.1:9/', auth: { type: 'bearer', token: { env: 'X' } }, webhook_secret: { env: 'S' } });

function shipmentBody(id: number, ref: string, sku: string, qty: number): string {
  return JSON.stringify({ type: 'order.shipped', timestamp: new Date().toISOString(), data: {
    id, order_id: id, reference_id: ref, status: 'Completed', actual_fulfillment_date: new Date().toISOString(),
    tracking: { carrier: 'USPS', carrier_service: 'Priority', tracking_number: `94001${id}`, shipping_date: new Date().toISOString() },
    products: [{ id: 1, reference_id: sku, sku, name: sku, inventory_items: [{ id: 1, quantity: qty, serial_numbers: [] }] }],
  } });
}

async function acceptRate(): Promise<Record<string, number>> {
  const n = envInt('BENCH_WEBHOOKS', 5000);
  const conc = envInt('BENCH_CONCURRENCY', 32);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-inbound-'));
  const db = openStateStore(path.join(dir, 'state.sqlite'));
  const store = new InboxStore(db);
  const app = createServer({
    metrics: new BridgeMetrics(), readiness: { check: async () => ({ ready: true, odoo: 'ok', mappings: '', targets: {} }) },
    mount: (a) => { a.use(webhookRouter({ store, targets: { wms: target }, secrets: { wms: SECRET }, maxBodyBytes: 1 << 20, toleranceSeconds: 300 })); },
  });
  const server = await new Promise<import('node:http').Server>((r) => { const s = app.listen(0, '127.0.0.1', () => r(s)); });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/wms`;
  const wh = new Webhook(SECRET);
  const now = new Date();
  const deliveries = Array.from({ length: n }, (_, i) => {
    const body = shipmentBody(100_000 + i, `S${i}`, 'MUG', 1);
    const id = `msg_bench_${i}`;
    return { body, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': wh.sign(id, now, body) } };
  });
  // Warm-up (JIT, connections) outside the timing.
  for (let i = 0; i < 50; i++) {
    const d = deliveries[i]!;
    await (await fetch(url, { method: 'POST', headers: { ...d.headers, 'webhook-id': `warm_${i}` }, body: d.body.replace('"id":1', `"id":${900_000 + i}`) })).arrayBuffer();
  }
  const lat: number[] = [];
  let next = 0;
  let bad = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conc }, async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const d = deliveries[i]!;
      const s = performance.now();
      const r = await fetch(url, { method: 'POST', headers: d.headers, body: d.body });
      await r.arrayBuffer();
      lat.push(performance.now() - s);
      if (r.status !== 200) bad += 1;
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  const stored = store.list({ state: 'pending', limit: 1 }).length > 0 ? Object.values(store.depth()).reduce((a, b) => a + b, 0) : 0;
  server.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const out = { webhooks: n, concurrency: conc, seconds: +secs.toFixed(2), per_second: Math.round(n / secs), p50_ms: +pct(lat, 50).toFixed(2), p99_ms: +pct(lat, 99).toFixed(2), non_200: bad, stored };
  console.log(`webhooks accepted (signed, verified, stored durably before the 2xx): ${n} in ${out.seconds} s = ${out.per_second}/s at concurrency ${conc}; latency p50 ${out.p50_ms} ms, p99 ${out.p99_ms} ms; non-200: ${bad}; rows stored: ${stored}`);
  return out;
}

async function applyRate(): Promise<Record<string, number> | string> {
  if (!process.env.ODOO_URL || !process.env.ODOO_DB) {
    const why = 'SKIPPED messages applied to Odoo per second: set ODOO_URL and ODOO_DB to a running Odoo 18 with sync_bridge installed (admin/admin, or ODOO_ADMIN_LOGIN/ODOO_ADMIN_PASSWORD)';
    console.log(why);
    return why;
  }
  const { odooTestEnv, serviceGateway, ensureTarget, ensureWarehouse, ensureProduct, createCustomers, createConfirmedOrders } = await import('../test/e2e/support/odoo-env.js');
  const env = odooTestEnv();
  const n = envInt('BENCH_APPLY', 200);
  const batch = envInt('BENCH_BATCH', 50);
  const service = await serviceGateway(env);
  const warehouseId = await ensureWarehouse(env, 'BINB');
  const code = 'wms_bench_inb';
  await ensureTarget(env, code, { name: 'Inbound bench', kind: 'wms', release_on: 'order_confirm', warehouse_ids: [[6, 0, [warehouseId]]], trigger_order_release: false, trigger_order_cancel: false, trigger_order_amend: false, trigger_order_status: false });
  const productId = await ensureProduct(env, 'BENCH-INB', 'Inbound bench widget', 5);
  const partners = await createCustomers(env, 5, `binb${Date.now()}`);
  console.log(`creating ${n} confirmed sale orders in Odoo ...`);
  const orders = await createConfirmedOrders(env, { count: n, productId, partnerIds: partners, warehouseId, qty: 1, batch: 50 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-inbound-odoo-'));
  const db = openStateStore(path.join(dir, 'state.sqlite'));
  const store = new InboxStore(db);
  const base = Date.now();
  store.insertMany(orders.map((o, i) => ({ source: code, messageId: `bench:${base}:${i}`, preset: 'shipbob', topic: 'order.shipped', via: 'webhook' as const, body: shipmentBody(base + i, o.name, 'BENCH-INB', 1) })));
  const targets = { [code]: target };
  const sink = new OdooContract(service);
  const proc = new InboxProcessor(store, new InboundPreparer(path.join(ROOT, 'mappings'), targets), { apply: (items) => sink.apply(items) }, { batchSize: batch, pollMs: 10, backoffBaseMs: 200, backoffMaxMs: 2000 });
  const t0 = performance.now();
  const r = await proc.drain();
  const secs = (performance.now() - t0) / 1000;
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const out = { messages: n, batch, seconds: +secs.toFixed(2), per_second: +(n / secs).toFixed(1), applied: r.applied, duplicate: r.duplicate, exception: r.exception, rejected: r.rejected };
  console.log(`messages applied to Odoo (map + sync_apply, each validating a delivery): ${n} in ${out.seconds} s = ${out.per_second}/s (batch ${batch}); applied ${r.applied}, exception ${r.exception}, rejected ${r.rejected}`);
  return out;
}

async function main(): Promise<void> {
  const accept = await acceptRate();
  const apply = await applyRate();
  console.log(JSON.stringify({ bench: 'inbound', cpus: os.cpus().length, node: process.version, accept, apply }));
}

main().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1); });

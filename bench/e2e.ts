/**
 * End-to-end benchmark: real Odoo 18 (with sync_bridge) -> the real sidecar binary -> the
 * ShipBob fake, on this machine.
 *
 * Needs a running Odoo with the addon installed: ODOO_URL, ODOO_DB (admin login admin/admin, or
 * ODOO_ADMIN_LOGIN / ODOO_ADMIN_PASSWORD). Example, as in test/harness/odoo-tier.sh:
 *   odoo-bin -d <db> -i sync_bridge --stop-after-init; odoo-bin -d <db> --http-port 8069 --workers=2
 *   ODOO_URL=http://127.0.0.1:8069 ODOO_DB=<db> npm run bench:e2e
 *
 * 1. Throughput: BENCH_ORDERS (default 500) orders are created and confirmed while the sidecar
 *    is stopped (a backlog in the outbox), then the sidecar starts: orders per second from its
 *    start until every event is acknowledged back in Odoo (and until ShipBob has every order).
 *    Sidecar CPU (user+system from /proc) and peak RSS over the drain.
 * 2. Latency at light load: BENCH_LATENCY_SAMPLES (default 30) orders, one at a time every
 *    BENCH_LATENCY_GAP_MS (default 1000): from the commit of the confirmation in Odoo (its RPC
 *    answer) to the ShipBob create, and to the event done in Odoo; p50 / p95 / max.
 * Prints the figures and one JSON line (for docs/benchmarks.md).
 */
import os from 'node:os';
import { startFake } from '../test/fakes/start.js';
import {
  create, createConfirmedOrders, createCustomers, ensureProduct, ensureWarehouse, odooTestEnv,
  searchRead, serviceGateway, eventStates, type TestOrder,
} from '../test/e2e/support/odoo-env.js';
import { envInt, mappingsSubset, sleep, startSidecar, waitFor, type RunningSidecar } from '../test/e2e/support/sidecar.js';
import { procStats } from '../test/e2e/support/proc.js';
import { ensureShipBobReleaseTarget, shipbobSidecarConfig } from '../test/e2e/support/shipbob-setup.js';

const ORDERS = envInt('BENCH_ORDERS', 500);
const SAMPLES = envInt('BENCH_LATENCY_SAMPLES', 30);
const GAP = envInt('BENCH_LATENCY_GAP_MS', 1000);
const TARGET = 'wms_bench';

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!; };
const fmt = (ms: number) => `${Math.round(ms)} ms`;

async function main(): Promise<void> {
  const env = odooTestEnv();
  await serviceGateway(env);
  // The fake enforces ShipBob's 150 requests/min by default (2.5 orders/s per token): lifted
  // here to measure the bridge, not the vendor's quota.
  const fake = await startFake('shipbob', { rateLimit: { limit: 1_000_000 } });
  const warehouseId = await ensureWarehouse(env, 'BNCH');
  await ensureShipBobReleaseTarget(env, TARGET, 'ShipBob (benchmark)', warehouseId);
  const productId = await ensureProduct(env, 'WID-BENCH', 'Widget (benchmark)');
  const customers = await createCustomers(env, 25, `bench${Date.now() % 100000}`);
  const version = await env.admin.serverVersion().catch(() => '?');
  const config = shipbobSidecarConfig(env, fake, TARGET, {
    worker: 'batch_size: 50, concurrency: 32, poll_min_ms: 50, poll_max_ms: 500, lease_seconds: 60',
    target: ['concurrency: 16'],
  });
  const mappingsDir = mappingsSubset({ shipbob: ['order_release.yaml'] });
  const launch = (): RunningSidecar => startSidecar(env, config, { SHIPBOB_TOKEN: fake.tokens[0]!, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' }, { mappingsDir });
  console.log(`bench:e2e  Odoo ${version} at ${env.url} (db ${env.db}), ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ''}, node ${process.version}`);

  // ---- 1. throughput: drain a backlog -------------------------------------------------------
  const c0 = Date.now();
  const orders = await createConfirmedOrders(env, { count: ORDERS, productId, partnerIds: customers, warehouseId, batch: 50 });
  const createSecs = (Date.now() - c0) / 1000;
  console.log(`created and confirmed ${ORDERS} orders in ${createSecs.toFixed(1)} s (${(ORDERS / createSecs).toFixed(1)} orders/s through XML-RPC, batches of 50)`);
  const ids = orders.map((o) => o.id);
  const sidecar = launch();
  const t0 = Date.now();
  const pid = sidecar.proc.pid!;
  let peakRss = 0;
  let cpuStart: number | undefined;
  const sampler = setInterval(() => {
    const s = procStats(pid);
    if (s) { peakRss = Math.max(peakRss, s.rssBytes); cpuStart ??= s.cpuMs; }
  }, 200);
  let wmsAllAt = 0;
  await waitFor('every order acknowledged in Odoo', async () => {
    if (!wmsAllAt && orders.every((o) => fake.ledger.createsFor(o.name, 'order') === 1)) wmsAllAt = Date.now();
    const s = await eventStates(env, TARGET, [['model', '=', 'sale.order'], ['res_id', 'in', ids]]);
    return (s.done ?? 0) === ORDERS ? s : undefined;
  }, 600_000, 250);
  const t1 = Date.now();
  if (!wmsAllAt) wmsAllAt = t1;
  const cpuEnd = procStats(pid)?.cpuMs ?? 0;
  clearInterval(sampler);
  const drainSecs = (t1 - t0) / 1000;
  const wmsSecs = (wmsAllAt - t0) / 1000;
  const cpuSecs = (cpuEnd - (cpuStart ?? 0)) / 1000;
  const wrong = orders.filter((o) => fake.ledger.createsFor(o.name, 'order') !== 1).length;
  console.log(`throughput: ${ORDERS} queued orders drained in ${drainSecs.toFixed(1)} s from sidecar start = ${(ORDERS / drainSecs).toFixed(1)} orders/s acknowledged in Odoo `
    + `(all in ShipBob after ${wmsSecs.toFixed(1)} s = ${(ORDERS / wmsSecs).toFixed(1)} orders/s); not exactly once: ${wrong}`);
  console.log(`sidecar during the drain: CPU ${cpuSecs.toFixed(1)} s (${((cpuSecs / drainSecs) * 100).toFixed(0)}% of one core, ${((cpuSecs * 1000) / ORDERS).toFixed(1)} ms per order), peak RSS ${(peakRss / 1048576).toFixed(0)} MB`);

  // ---- 2. latency at light load ------------------------------------------------------------
  const toWms: number[] = [];
  const toOdoo: number[] = [];
  let idleRss = 0;
  const idleCpu0 = procStats(pid)?.cpuMs ?? 0;
  const l0 = Date.now();
  for (let i = 0; i < SAMPLES; i++) {
    const id = await create(env.admin, 'sale.order', {
      partner_id: customers[i % customers.length], warehouse_id: warehouseId,
      order_line: [[0, 0, { product_id: productId, product_uom_qty: 1, price_unit: 10 }]],
    });
    await env.admin.call({ model: 'sale.order', method: 'action_confirm', ids: [id] });
    const committed = Date.now(); // the confirmation (and its outbox event) is committed when Odoo answers
    const [row] = await searchRead<{ name: string }>(env.admin, 'sale.order', [['id', '=', id]], ['name']);
    const o: TestOrder = { id, name: row!.name };
    const wmsAt = await waitFor('ShipBob create', async () => {
      const e = fake.ledger.effectsFor(o.name, 'order').find((x) => x.kind === 'create');
      return e ? Date.parse(e.at) : undefined;
    }, 60_000, 5);
    const doneAt = await waitFor('event done', async () => {
      const [ev] = await searchRead<{ state: string }>(env.admin, 'sync.event', [['target_id.code', '=', TARGET], ['res_id', '=', o.id], ['model', '=', 'sale.order']], ['state']);
      return ev?.state === 'done' ? Date.now() : undefined;
    }, 60_000, 20);
    toWms.push(Math.max(0, wmsAt - committed));
    toOdoo.push(Math.max(0, doneAt - committed));
    idleRss = Math.max(idleRss, procStats(pid)?.rssBytes ?? 0);
    await sleep(GAP);
  }
  const lightCpu = ((procStats(pid)?.cpuMs ?? 0) - idleCpu0) / 1000;
  const lightSecs = (Date.now() - l0) / 1000;
  console.log(`latency at light load (${SAMPLES} orders, one every ~${GAP} ms): commit -> ShipBob create p50 ${fmt(pct(toWms, 50))}, p95 ${fmt(pct(toWms, 95))}, max ${fmt(Math.max(...toWms))}; `
    + `commit -> acknowledged in Odoo p50 ${fmt(pct(toOdoo, 50))}, p95 ${fmt(pct(toOdoo, 95))}`);
  console.log(`sidecar at light load: CPU ${((lightCpu / lightSecs) * 100).toFixed(1)}% of one core, RSS ${(idleRss / 1048576).toFixed(0)} MB`);

  const code = await sidecar.stop();
  await fake.close();
  console.log(JSON.stringify({
    odoo: version, cpus: os.cpus().length, orders: ORDERS, create_orders_per_s: +(ORDERS / createSecs).toFixed(1),
    drain_orders_per_s: +(ORDERS / drainSecs).toFixed(1), wms_orders_per_s: +(ORDERS / wmsSecs).toFixed(1), not_exactly_once: wrong,
    sidecar_cpu_s: +cpuSecs.toFixed(2), sidecar_cpu_pct: +((cpuSecs / drainSecs) * 100).toFixed(0), sidecar_peak_rss_mb: +(peakRss / 1048576).toFixed(0),
    latency_samples: SAMPLES, wms_p50_ms: pct(toWms, 50), wms_p95_ms: pct(toWms, 95), odoo_ack_p50_ms: pct(toOdoo, 50), odoo_ack_p95_ms: pct(toOdoo, 95),
    light_cpu_pct: +((lightCpu / lightSecs) * 100).toFixed(1), light_rss_mb: +(idleRss / 1048576).toFixed(0), sidecar_exit: code,
  }));
  if (wrong > 0 || code !== 0) process.exitCode = 1;
}

main().catch((err: unknown) => { console.error(err instanceof Error ? err.stack : String(err)); process.exit(1); });

import Database from 'better-sqlite3';
import { expect } from 'chai';
import { startFake, type HubSpotFake, type ShipBobFake } from '../fakes/start.js';
import {
  createConfirmedOrders, createCustomers, ensureProduct, ensureTarget, ensureWarehouse, eventStates, odooTestEnv, resetTargets,
  searchRead, serviceGateway, syncStatuses, type TestOrder,
} from './support/odoo-env.js';
import { envInt, freePort, mappingsSubset, readyz, sleep, startSidecar, waitFor, type RunningSidecar } from './support/sidecar.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

interface Ev { id: number; res_id: number; event_type: string; state: string; attempts: number }

/**
 * Issue 5 proofs (outages), against real Odoo and the vendor fakes:
 * (a) the WMS is down: its events wait, its circuit opens (/readyz), the CRM target keeps
 *     flowing, and after the WMS is back everything drains, a cancel after its release;
 * (b) Odoo is unreachable (a TCP proxy in front of it is cut) while outcomes are pending: they
 *     are kept in the SQLite state file, also across a SIGKILL, and written back later.
 * Size: E2E_OUTAGE_ORDERS (orders per phase, default 12), E2E_OUTAGE_MS (least WMS downtime, default 8000).
 */
describe('e2e outages: WMS down, Odoo down', function () {
  this.timeout(300_000);
  const N = envInt('E2E_OUTAGE_ORDERS', 12);
  const OUTAGE_MS = envInt('E2E_OUTAGE_MS', 8000);
  const env = odooTestEnv();
  const WMS = 'wms_outage';
  const CRM = 'crm_outage';
  let shipbob: ShipBobFake;
  let hubspot: HubSpotFake;
  let proxy: TcpProxy;
  let sidecar: RunningSidecar | undefined;
  let port: number;
  let warehouseId: number;
  let productId: number;
  let customers: number[];
  const tag = `o${Date.now() % 1_000_000}`;

  const orderEvents = (orders: TestOrder[]) => searchRead<Ev>(env.admin, 'sync.event',
    [['target_id.code', '=', WMS], ['model', '=', 'sale.order'], ['res_id', 'in', orders.map((o) => o.id)]],
    ['res_id', 'event_type', 'state', 'attempts'], { order: 'id' });
  const openWritebacks = () => {
    const db = new Database(sidecar!.statePath, { readonly: true, fileMustExist: true });
    try { return (db.prepare('SELECT count(*) AS n FROM writeback WHERE done_at IS NULL').get() as { n: number }).n; } finally { db.close(); }
  };

  before(async () => {
    await serviceGateway(env);
    shipbob = await startFake('shipbob');
    hubspot = await startFake('hubspot', { properties: { contacts: { odoo_partner_id: { type: 'string', unique: true } } } });
    warehouseId = await ensureWarehouse(env, 'OUTG');
    await ensureTarget(env, WMS, {
      name: 'ShipBob (outage e2e)', kind: 'wms', release_on: 'order_confirm', warehouse_ids: [[6, 0, [warehouseId]]],
      trigger_order_release: true, trigger_order_cancel: true, trigger_order_amend: false, trigger_order_status: false,
      trigger_partner_upsert: false, trigger_product_upsert: false,
    });
    productId = await ensureProduct(env, 'WID-OUTAGE', 'Widget (outage e2e)');
    // Customers for the orders exist before the CRM target does (no CRM events for them).
    customers = await createCustomers(env, 5, tag);
    await ensureTarget(env, CRM, {
      name: 'HubSpot (outage e2e)', kind: 'crm', trigger_partner_upsert: true, trigger_product_upsert: false,
      trigger_order_release: false, trigger_order_cancel: false, trigger_order_amend: false, trigger_order_status: false,
    });
    await resetTargets(env, [WMS, CRM]);
    proxy = await startTcpProxy(new URL(env.url).hostname, Number(new URL(env.url).port));
    port = await freePort();
    sidecar = startSidecar(env, `
odoo: { url: '${env.url}', db: '${env.db}', username: x, api_key: { env: ODOO_API_KEY }, timeout_ms: 10000 }
worker: { batch_size: 25, concurrency: 16, poll_min_ms: 100, poll_max_ms: 500, lease_seconds: 15, backoff_base_ms: 200, backoff_max_ms: 1000, max_attempts: 100 }
state: { path: '$STATE' }
server: { port: ${port}, host: 127.0.0.1 }
mappings: { dir: '$MAPPINGS' }
targets:
  ${WMS}:
    preset: shipbob
    base_url: '${shipbob.baseUrl}/'
    auth: { type: bearer, token: { env: SHIPBOB_TOKEN } }
    timeout_ms: 8000
    concurrency: 16
    breaker_threshold: 3
    breaker_reset_ms: 1500
    options: { channel_id: ${shipbob.channels[0]!.id} }
  ${CRM}:
    preset: hubspot
    base_url: '${hubspot.baseUrl}'
    auth: { type: bearer, token: { env: HUBSPOT_TOKEN } }
`, { SHIPBOB_TOKEN: shipbob.tokens[0]!, HUBSPOT_TOKEN: hubspot.tokens[0]! }, {
      odooUrl: proxy.url,
      mappingsDir: mappingsSubset({ shipbob: ['order_release.yaml', 'order_cancel.yaml'], hubspot: ['customer_upsert.yaml'] }),
    });
    await waitFor('the sidecar ready', async () => (await readyz(port)).status === 200, 60_000);
  });

  after(async function () {
    await proxy?.restore();
    if (sidecar) {
      const code = await sidecar.stop();
      if (this.currentTest?.state === 'failed' || process.env.E2E_VERBOSE) console.log(sidecar.output().slice(-8000));
      expect(code, 'sidecar exits 0 on SIGTERM').to.equal(0);
    }
    await proxy?.close();
    await shipbob?.close();
    await hubspot?.close();
    // The CRM target would pick up every partner other suites create: archive it.
    await ensureTarget(env, CRM, { active: false });
  });

  it('(a) WMS down: events wait, circuit opens, CRM keeps flowing; after up() all drains, cancel after release', async () => {
    await shipbob.faults.down();
    const downAt = Date.now();
    // The victim's release is tried (and fails: that opens the circuit) before it is cancelled,
    // so the cancel is a second event of its aggregate that must not overtake the release.
    const [victim] = await createConfirmedOrders(env, { count: 1, productId, partnerIds: customers, warehouseId });
    await waitFor('a failed release attempt of the victim', async () => (await orderEvents([victim!])).some((e) => e.attempts >= 1 && e.state === 'pending'));
    const orders = await createConfirmedOrders(env, { count: N, productId, partnerIds: customers, warehouseId, batch: N });
    await env.admin.call({ model: 'sale.order', method: 'action_cancel', ids: [victim!.id], context: { disable_cancel_warning: true } });
    const victimEvents = await orderEvents([victim!]);
    expect(victimEvents.map((e) => e.event_type)).to.deep.equal(['release', 'cancel']);

    const open = await waitFor('the WMS circuit open in /readyz', async () => {
      const r = await readyz(port);
      return r.body.targets[WMS] === 'open' ? r : undefined;
    }, 60_000, 200);
    expect(open.body.targets[CRM]).to.equal('closed');

    // The CRM target keeps flowing while the WMS is down.
    const people = await env.admin.call<number[]>({ model: 'res.partner', method: 'create', args: [[1, 2, 3].map((i) => ({ name: `Ada Lovelace ${tag}-${i}`, email: `ada${i}.${tag}@example.com` }))] });
    await waitFor('CRM upserts done in Odoo', async () => {
      const s = await eventStates(env, CRM, [['res_id', 'in', people]]);
      return s.done === people.length ? s : undefined;
    }, 60_000);
    for (const id of people) expect(hubspot.ledger.effectsFor(String(id)).length, `HubSpot upsert of partner ${id}`).to.be.greaterThan(0);
    expect(shipbob.faults.state().down, 'WMS still down').to.equal(true);
    const during = await orderEvents([...orders, victim!]);
    expect(during.filter((e) => e.state === 'done'), 'no WMS event done while it is down').to.deep.equal([]);
    expect(during.filter((e) => ['failed', 'dead'].includes(e.state)), 'no WMS event given up').to.deep.equal([]);
    for (const o of orders) expect(shipbob.ledger.createsFor(o.name, 'order')).to.equal(0);
    // Stay down through several open -> half-open -> open cycles: only one probe event is tried
    // per cycle; the others wait without burning attempts (they would go dead otherwise).
    const held = Date.now() - downAt;
    if (held < OUTAGE_MS) await sleep(OUTAGE_MS - held);
    const waited = await orderEvents(orders);
    expect(waited.every((e) => e.state === 'pending' || e.state === 'in_progress')).to.equal(true);
    // /metrics shows Odoo's own figures: the WMS's waiting events, read from Odoo (service user).
    const metricsText = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metricsText).to.match(/^sync_bridge_odoo_up 1$/m);
    const waiting = [...metricsText.matchAll(new RegExp(`^sync_bridge_odoo_events\\{target="${WMS}",state="(pending|in_progress)"\\} (\\d+)$`, 'gm'))].reduce((n, m) => n + Number(m[2]), 0);
    expect(waiting, 'pending + in progress for the WMS in /metrics').to.be.at.least(N);
    const oldest = new RegExp(`^sync_bridge_odoo_oldest_pending_seconds\\{target="${WMS}"\\} (\\d+)$`, 'm').exec(metricsText);
    expect(Number(oldest?.[1] ?? -1), 'age of the oldest pending WMS event').to.be.greaterThan(0);
    expect(Math.max(...waited.map((e) => e.attempts)), 'attempts used by waiting events during the outage').to.be.at.most(2);

    await shipbob.faults.up();
    await waitFor('every WMS event done after up()', async () => {
      const evs = await orderEvents([...orders, victim!]);
      return evs.every((e) => e.state === 'done') ? evs : undefined;
    }, 120_000, 500);
    for (const o of orders) expect(shipbob.ledger.createsFor(o.name, 'order'), o.name).to.equal(1);
    expect(shipbob.ledger.effectsFor(victim!.name, 'order').map((e) => e.kind), 'victim: create then cancel').to.deep.equal(['create', 'cancel']);
    const statuses = await syncStatuses(env, 'sale.order', orders.map((o) => o.id));
    expect(orders.filter((o) => statuses.get(o.id) !== 'synced').map((o) => o.name)).to.deep.equal([]);
    await waitFor('the WMS circuit closed again', async () => (await readyz(port)).body.targets[WMS] === 'closed', 30_000, 200);
  });

  it('(b) Odoo down while outcomes are pending: kept in SQLite (also across SIGKILL) and written back later', async () => {
    await shipbob.faults.reset();
    await shipbob.faults.up();
    for (const killIt of [false, true]) {
      shipbob.faults.slow(3000); // deliveries take 3 s: time to cut Odoo off meanwhile
      const posts0 = shipbob.ledger.requestsTo('POST', '/2026-01/order').length;
      const orders = await createConfirmedOrders(env, { count: N, productId, partnerIds: customers, warehouseId, batch: N });
      // Cut Odoo off once the sidecar holds every claimed event: all N POSTs reached ShipBob
      // (still unanswered: it is slow). Cutting at "in_progress in Odoo" could lose the race
      // with the claim's answer on a loaded machine.
      await waitFor('every order POSTed to ShipBob', async () => shipbob.ledger.requestsTo('POST', '/2026-01/order').length - posts0 >= N, 60_000, 20);
      expect((await orderEvents(orders)).every((e) => e.state === 'in_progress')).to.equal(true);
      await proxy.cut();
      await waitFor('the orders delivered to ShipBob', async () => orders.every((o) => shipbob.ledger.createsFor(o.name, 'order') === 1), 30_000, 100);
      const kept = await waitFor('outcomes kept in the state file', async () => { const n = openWritebacks(); return n >= N ? n : undefined; }, 30_000, 200);
      expect(kept).to.equal(N);
      const r = await waitFor('/readyz says Odoo is unreachable', async () => { const x = await readyz(port); return x.status !== 200 ? x : undefined; }, 20_000, 300);
      expect(r.body.odoo).to.match(/write-back pending|ECONNREFUSED|unreachable|connect/i);
      expect((await orderEvents(orders)).every((e) => e.state === 'in_progress'), 'Odoo has no outcome yet').to.equal(true);
      await shipbob.faults.reset();
      if (killIt) await sidecar!.kill('SIGKILL');
      await proxy.restore();
      if (killIt) sidecar = sidecar!.restart();
      const evs = await waitFor('outcomes written back to Odoo', async () => {
        const e = await orderEvents(orders);
        return e.every((x) => x.state === 'done') ? e : undefined;
      }, 60_000, 300);
      // Written back from the state file, not delivered again: one attempt each, one create each.
      expect(evs.map((e) => e.attempts)).to.deep.equal(orders.map(() => 1));
      for (const o of orders) expect(shipbob.ledger.createsFor(o.name, 'order'), o.name).to.equal(1);
      await waitFor('the write-back table drained', async () => openWritebacks() === 0, 20_000);
      const statuses = await syncStatuses(env, 'sale.order', orders.map((o) => o.id));
      expect(orders.filter((o) => statuses.get(o.id) !== 'synced').map((o) => o.name), `not synced (kill=${killIt})`).to.deep.equal([]);
      await waitFor('/readyz ready again', async () => (await readyz(port)).status === 200, 30_000, 300);
    }
  });
});

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { startFake, type ShipBobFake } from '../fakes/start.js';
import { adminCliEnv, create, ensureProduct, ensureWarehouse, odooTestEnv, searchRead, serviceGateway, xmlId } from './support/odoo-env.js';
import { failLeftoverRuns, latestReconLines, runReconcile } from './support/reconcile.js';
import { configHead, FAST_WORKER } from './support/sidecar-config.js';
import { ensureShipBobReleaseTarget } from './support/shipbob-setup.js';
import { mappingsSubset, root, sleep, startSidecar, waitFor, type RunningSidecar } from './support/sidecar.js';

interface ReleaseRow { id: number; state: string; external_ref: string | false; idempotency_key: string; resend_of_id: [number, string] | false }
interface ExcRow { id: number; state: string; recon_key: string; can_resend_release: boolean; recon_stage: string | false }

/**
 * "A delivered release cannot be re-sent from Odoo", fixed, on real Odoo 18 with the ShipBob
 * fake: an order released and delivered is lost by the WMS (deleted from the fake's store);
 * open-orders reconciliation reports it `unacknowledged`; **Resend Release** on that exception
 * (over RPC, as a Sync manager) queues a new release addressed with the order's ShipBob id: the
 * running sidecar looks the order up by reference, finds nothing and creates it again, exactly
 * once. A second resend (`sync-bridge events resend`) while ShipBob has the order is
 * deduplicated by the lookup: no second ShipBob order. The next reconciliation closes the
 * exception.
 */
describe('e2e: resend a delivered release the WMS lost (open orders unacknowledged -> Resend)', function () {
  this.timeout(300_000);
  const env = odooTestEnv();
  const TARGET = 'wms_resend';
  const tag = Date.now().toString(36).slice(-5).toUpperCase();
  let shipbob: ShipBobFake;
  let sidecar: RunningSidecar;
  let order: { id: number; name: string };
  const cli = (args: string[]) => runReconcile(env, sidecar.dir, args, { SHIPBOB_TOKEN: shipbob.tokens[0]! });
  const eventsCli = (args: string[]) => spawnSync(process.execPath, [path.join(root, 'dist/bridge/cli.js'), 'events', ...args], {
    env: { PATH: process.env.PATH ?? '', ODOO_URL: env.url, ODOO_DB: env.db, ...adminCliEnv(env), LOG_LEVEL: 'error' },
    encoding: 'utf8', timeout: 60_000,
  });
  const releases = () => searchRead<ReleaseRow>(env.admin, 'sync.event', [['target_id.code', '=', TARGET], ['model', '=', 'sale.order'], ['res_id', '=', order.id], ['event_type', '=', 'release']], ['state', 'external_ref', 'idempotency_key', 'resend_of_id'], { order: 'id' });
  const shipbobOrders = () => shipbob.store.orders.filter((o) => o.reference_id === order.name);
  const exception = async () => (await searchRead<ExcRow>(env.admin, 'sync.exception', [['target_id.code', '=', TARGET], ['recon_key', '=', `order:${order.id}`]], ['state', 'recon_key', 'can_resend_release', 'recon_stage'], { order: 'id desc', limit: 1 }))[0];
  const myLine = async () => (await latestReconLines(env, TARGET, 'open_orders')).find((l) => l.res_id === order.id);

  before(async () => {
    await serviceGateway(env);
    shipbob = await startFake('shipbob');
    const warehouseId = await ensureWarehouse(env, `S${tag.slice(-4)}`);
    await ensureShipBobReleaseTarget(env, TARGET, 'ShipBob (resend e2e)', warehouseId);
    await failLeftoverRuns(env, [TARGET]);
    const productId = await ensureProduct(env, 'WID-RESEND', 'Widget Resend', 9.5);
    const partnerId = await create(env.admin, 'res.partner', { name: `Resend ${tag}`, email: `resend.${tag}@example.com`.toLowerCase(), street: '1 Main St', city: 'Springfield', zip: '62701', country_id: await xmlId(env.admin, 'base.us') });
    const mappings = mappingsSubset({ shipbob: ['order_release.yaml', 'shipment_confirmed.yaml'] });
    sidecar = startSidecar(env, `${configHead(env, { worker: FAST_WORKER })}reconcile:
  page_size: 50
  heartbeat_seconds: 2
  targets:
    ${TARGET}:
      open_orders: { sla_hours: { acknowledge: 0.0005 } }
targets:
  ${TARGET}:
    preset: shipbob
    base_url: '${shipbob.baseUrl}/'
    auth: { type: bearer, token: { env: SHIPBOB_TOKEN } }
    options: { channel_id: ${shipbob.channels[0]!.id} }
`, { SHIPBOB_TOKEN: shipbob.tokens[0]! }, { mappingsDir: mappings });
    const id = await create(env.admin, 'sale.order', { partner_id: partnerId, warehouse_id: warehouseId, order_line: [[0, 0, { product_id: productId, product_uom_qty: 2, price_unit: 9.5 }]] });
    await env.admin.call({ model: 'sale.order', method: 'action_confirm', ids: [id] });
    const [o] = await searchRead<{ name: string }>(env.admin, 'sale.order', [['id', '=', id]], ['name']);
    order = { id, name: o!.name };
    await waitFor(`release of ${order.name} done`, async () => (await releases())[0]?.state === 'done', 60_000);
  });

  after(async function () {
    await shipbob?.close();
    if (!sidecar) return;
    const code = await sidecar.stop();
    if (this.currentTest?.state === 'failed' || process.env.E2E_VERBOSE) console.log(sidecar.output().slice(-6000));
    expect(code, 'sidecar exits 0 on SIGTERM').to.equal(0);
  });

  it('the WMS loses a delivered order: unacknowledged; Resend Release re-creates it in ShipBob exactly once', async () => {
    const [done] = await releases();
    const lost = shipbobOrders();
    expect(lost).to.have.length(1);
    expect(done!.external_ref).to.equal(String(lost[0]!.id));
    expect(shipbob.ledger.createsFor(order.name, 'order')).to.equal(1);
    // the WMS loses it (deleted, a wrong account, a restore)
    shipbob.store.orders = shipbob.store.orders.filter((o) => o.reference_id !== order.name);
    await sleep(2500); // past the (tiny) acknowledgement SLA

    const r1 = await cli(['open-orders', '--target', TARGET]);
    expect(r1.code, r1.err + r1.out).to.equal(1);
    const line = await myLine();
    expect(`${line?.outcome}/${(JSON.parse(line!.details) as { stage: string }).stage}`).to.equal('missing_in_target/unacknowledged');
    const exc = await exception();
    expect(exc).to.include({ state: 'open', can_resend_release: true, recon_stage: 'unacknowledged' });

    // Resend Release, over RPC as a Sync manager (admin)
    await env.admin.call({ model: 'sync.exception', method: 'action_resend_release', ids: [exc!.id] });
    const queued = (await releases()).filter((e) => e.id !== done!.id);
    expect(queued).to.have.length(1);
    expect(queued[0]!.resend_of_id && queued[0]!.resend_of_id[0]).to.equal(done!.id);
    expect(queued[0]!.external_ref, 'addressed with the order ShipBob had').to.equal(done!.external_ref);
    expect(queued[0]!.idempotency_key).to.not.equal(done!.idempotency_key);
    const resent = await waitFor('the resend delivered', async () => (await releases()).find((e) => e.id === queued[0]!.id && e.state === 'done'), 60_000);
    expect(shipbobOrders(), 'one ShipBob order for the reference').to.have.length(1);
    expect(shipbob.ledger.createsFor(order.name, 'order'), 're-created exactly once').to.equal(2);
    expect(resent.external_ref).to.equal(String(shipbobOrders()[0]!.id));
    const [link] = await searchRead<{ external_id: string }>(env.admin, 'sync.link', [['target_id.code', '=', TARGET], ['model', '=', 'sale.order'], ['res_id', '=', order.id]], ['external_id']);
    expect(link!.external_id, 'the link follows the new ShipBob order').to.equal(resent.external_ref);
    expect((await exception())!.state, 'left open for the next reconciliation').to.equal('open');
    const notes = await searchRead<{ body: string }>(env.admin, 'mail.message', [['model', '=', 'sale.order'], ['res_id', '=', order.id], ['body', 'ilike', 'Resent to']], ['body']);
    expect(notes).to.have.length(1);
    expect(notes[0]!.body).to.contain('ShipBob (resend e2e)');
  });

  it('a second resend while ShipBob has the order is deduplicated (events resend); the next run closes the exception', async () => {
    const before = await releases();
    const latest = before[before.length - 1]!;
    const existing = shipbobOrders()[0]!;
    const creates = shipbob.ledger.createsFor(order.name, 'order');
    // the original is no longer the latest delivered release: refused, naming the newer one
    const refused = eventsCli(['resend', '--id', String(before[0]!.id)]);
    expect(refused.status, refused.stdout + refused.stderr).to.equal(1);
    expect(refused.stderr).to.contain(`newer release event`).and.to.contain(String(latest.id));
    expect(await releases()).to.have.length(before.length);
    const usage = eventsCli(['resend']);
    expect(usage.status).to.equal(2);

    const r = eventsCli(['resend', '--id', String(latest.id)]);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    const m = new RegExp(`^resent ${latest.id} as (\\d+)\\tpending\\t`, 'm').exec(r.stdout);
    expect(m, r.stdout).to.not.equal(null);
    const second = await waitFor('the second resend delivered', async () => (await releases()).find((e) => e.id === Number(m![1]) && e.state === 'done'), 60_000);
    expect(second.external_ref, 'the order ShipBob has, found by reference').to.equal(String(existing.id));
    expect(shipbob.ledger.createsFor(order.name, 'order'), 'no second ShipBob order').to.equal(creates);
    expect(shipbobOrders()).to.have.length(1);

    await cli(['open-orders', '--target', TARGET]);
    const line = await myLine();
    expect(line, 'no discrepancy for the order (matched items are counted, not streamed)').to.equal(undefined);
    const exc = await exception();
    expect(exc).to.include({ state: 'resolved', can_resend_release: false });
  });
});

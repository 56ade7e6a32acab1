import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import type { OdooGateway } from '../../bridge/odoo/odoo-gateway.js';
import { startFake, type GenericWmsFake } from '../fakes/start.js';
import { create, ensureTarget, ensureWarehouse, odooTestEnv, searchRead, SERVICE_LOGIN, SERVICE_PASSWORD, serviceGateway, xmlId } from './support/odoo-env.js';
import { configHead, FAST_WORKER } from './support/sidecar-config.js';
import { mappingsSubset, root, startSidecar, stopSidecarExpectingZero, waitFor, type RunningSidecar } from './support/sidecar.js';
import { archiveTargets, codesLike } from './support/targets.js';

interface LoadRow { state: string; total_count: number; done_count: number; chunk_size: number }
interface EventRow { id: number; state: string; priority: number; event_type: string; res_id: number; depends_on: string | false }

/**
 * Priority lanes on real Odoo 18 with the generic WMS fake: a go-live initial load, run in the
 * background by its cron in chunks of 100, queues 320 product upserts (bulk lane) for a new WMS
 * target; then a new customer orders a new product.
 * The sidecar starts with the whole backlog waiting: the order release reaches the WMS long
 * before the backlog is drained, and the new product (and customer) it needs reach the WMS
 * before the order.
 */
describe('e2e: priority lanes (order release overtakes a master-data backlog, its new product first)', function () {
  this.timeout(600_000);
  const env = odooTestEnv();
  const RUN = Date.now().toString(36);
  const TARGET = `wmsl_${RUN}`;
  const BACKLOG = 320;
  let gw: GenericWmsFake;
  let sidecar: RunningSidecar | undefined;
  let targetId: number;
  let warehouseId: number;
  let service: OdooGateway;

  const events = (domain: unknown[]) => searchRead<EventRow>(env.admin, 'sync.event', [['target_id', '=', targetId], ...domain], ['state', 'priority', 'event_type', 'res_id', 'depends_on'], { order: 'id' });

  before(async () => {
    service = await serviceGateway(env);
    gw = await startFake('generic-wms', { rateLimit: { limit: 100_000 } });
    await archiveTargets(env, codesLike(['wmsl_%']));
    warehouseId = await ensureWarehouse(env, 'LANE');
    targetId = await ensureTarget(env, TARGET, {
      name: 'Generic WMS lanes (e2e)', kind: 'wms', release_on: 'order_confirm', warehouse_ids: [[6, 0, [warehouseId]]],
      trigger_order_release: true, trigger_order_amend: false, trigger_order_cancel: false, trigger_order_status: false,
      trigger_partner_upsert: true, trigger_product_upsert: true, credit_gating: false,
    });
  });

  after(async function () {
    await gw?.close();
    if (targetId) await archiveTargets(env, [['id', '=', targetId]]);
    // The suite's products leave the shared database's active catalogue (later suites reconcile
    // every active product against fresh fakes); no events for it.
    const mine = await env.admin.call<number[]>({ model: 'product.product', method: 'search', params: { domain: ['|', ['default_code', '=like', `LB-${RUN}-%`], ['default_code', '=', `NEW-${RUN}`]] } });
    if (mine.length) await env.admin.call({ model: 'product.product', method: 'write', args: [mine, { active: false }], context: { sync_bridge_skip: true } });
    await stopSidecarExpectingZero(sidecar, this, 12000);
  });

  it('initial load: 320 product upserts queued in the bulk lane by the background load (cron, chunks of 100)', async () => {
    // products made without events (the suite's own; no other target gets them)
    const vals = Array.from({ length: BACKLOG }, (_v, i) => ({ name: `Lane bulk ${i}`, default_code: `LB-${RUN}-${String(i).padStart(3, '0')}`, type: 'consu', sale_ok: true }));
    await env.admin.call({ model: 'product.product', method: 'create', args: [vals], context: { sync_bridge_skip: true } });
    const chunk = { sync_initial_load_chunk_size: 100 };
    const wizardId = await create(env.admin, 'sync.initial.load.wizard', {
      target_id: targetId, load_customers: false, load_products: true, product_domain: `[('default_code', '=like', 'LB-${RUN}-%')]`,
    }, chunk);
    const [wizard] = await searchRead<{ product_count: number }>(env.admin, 'sync.initial.load.wizard', [['id', '=', wizardId]], ['product_count']);
    expect(wizard!.product_count).to.equal(BACKLOG);
    await env.admin.call({ model: 'sync.initial.load.wizard', method: 'action_load', ids: [wizardId], context: chunk });
    const readLoad = async () => (await searchRead<LoadRow>(env.admin, 'sync.initial.load', [['target_id', '=', targetId]], ['state', 'total_count', 'done_count', 'chunk_size']))[0]!;
    expect(await readLoad(), 'left to the cron: nothing queued by the request').to.include({ state: 'draft', total_count: BACKLOG, done_count: 0, chunk_size: 100 });
    expect(await events([['event_type', '=', 'upsert']])).to.have.length(0);

    // the cron (run by hand: the test server runs no cron threads), one chunk per run, each its own transaction
    const cronId = await xmlId(env.admin, 'sync_bridge.cron_run_initial_loads');
    const progress: string[] = [];
    for (let run = 0; run < 10 && (progress.at(-1) ?? '').split(' ')[0] !== 'done'; run++) {
      await env.admin.call({ model: 'ir.cron', method: 'method_direct_trigger', ids: [cronId] });
      const load = await readLoad();
      progress.push(`${load.state} ${load.done_count}/${load.total_count}`);
    }
    expect(progress).to.deep.equal(['running 100/320', 'running 200/320', 'running 300/320', `done ${BACKLOG}/${BACKLOG}`]);
    const queued = await events([['event_type', '=', 'upsert'], ['state', '=', 'pending']]);
    expect(queued).to.have.length(BACKLOG);
    expect(new Set(queued.map((e) => e.priority))).to.deep.equal(new Set([30]));
    const notes = await searchRead<{ body: string }>(env.admin, 'mail.message', [['model', '=', 'sync.target'], ['res_id', '=', targetId], ['body', 'ilike', 'Initial load finished']], ['body']);
    expect(notes.map((n) => n.body).join()).to.contain(`${BACKLOG} product(s)`);
  });

  it('the order release reaches the WMS before the backlog is drained, after the new product and customer it needs', async () => {
    const usId = await xmlId(env.admin, 'base.us');
    const customerId = await create(env.admin, 'res.partner', { name: `Lane Customer ${RUN}`, street: '1 Main St', city: 'Springfield', zip: '62701', country_id: usId });
    const newSku = `NEW-${RUN}`;
    const productId = await create(env.admin, 'product.product', { name: `Lane new ${RUN}`, default_code: newSku, type: 'consu', list_price: 12 });
    const soId = await create(env.admin, 'sale.order', { partner_id: customerId, warehouse_id: warehouseId, order_line: [[0, 0, { product_id: productId, product_uom_qty: 3, price_unit: 12 }]] });
    await env.admin.call({ model: 'sale.order', method: 'action_confirm', ids: [soId] });
    const [so] = await searchRead<{ name: string }>(env.admin, 'sale.order', [['id', '=', soId]], ['name']);
    const [release] = await events([['event_type', '=', 'release'], ['model', '=', 'sale.order'], ['res_id', '=', soId]]);
    expect(release, 'release written').to.not.equal(undefined);
    expect(release!.priority).to.equal(10);
    expect(String(release!.depends_on).split(' ')).to.include.members([`product.product,${productId}`, `res.partner,${customerId}`]);
    const [newUpsert] = await events([['event_type', '=', 'upsert'], ['model', '=', 'product.product'], ['res_id', '=', productId]]);
    expect(newUpsert!.priority, 'the new product upsert is promoted to the order lane').to.equal(10);
    const summary = await service.call<Array<{ target: string; pending_by_lane: { order: number; status: number; bulk: number } }>>({ model: 'sync.event', method: 'sync_status_summary' });
    expect(summary.find((r) => r.target === TARGET)!.pending_by_lane).to.deep.equal({ order: 3, status: 0, bulk: BACKLOG });
    const status = spawnSync(process.execPath, [path.join(root, 'dist/bridge/cli.js'), 'status'], {
      env: { PATH: process.env.PATH ?? '', ODOO_URL: env.url, ODOO_DB: env.db, ODOO_USERNAME: SERVICE_LOGIN, ODOO_API_KEY: SERVICE_PASSWORD, LOG_LEVEL: 'error' },
      encoding: 'utf8', timeout: 60_000,
    });
    expect(status.stdout.split('\n').find((l) => l.startsWith('target '))).to.match(/pending_order\/status\/bulk\s*$/);
    expect(status.stdout.split('\n').find((l) => l.startsWith(`${TARGET} `)), status.stdout + status.stderr).to.match(new RegExp(`\\s3/0/${BACKLOG}\\s*$`));

    // the sidecar starts with the whole backlog waiting
    sidecar = startSidecar(env, `${configHead(env, { worker: FAST_WORKER })}targets:
  ${TARGET}:
    preset: generic_wms
    base_url: '${gw.baseUrl}/'
    auth: { type: api_key, header: X-API-Key, key: { env: WMS_KEY } }
`, { WMS_KEY: 'wms-test-key' }, { mappingsDir: mappingsSubset({ generic_wms: ['order_release.yaml', 'product_upsert.yaml', 'customer_upsert.yaml'] }) });

    const orderCreate = await waitFor('order created in the WMS', async () => gw.ledger.effects.find((e) => e.kind === 'create' && e.resource === 'order' && e.key === so!.name), 120_000, 100);
    const itemCreates = gw.ledger.effects.filter((e) => e.kind === 'create' && e.resource === 'item');
    const bulkBefore = itemCreates.filter((e) => e.key.startsWith(`LB-${RUN}-`) && e.seq < orderCreate.seq).length;
    const newItem = itemCreates.find((e) => e.key === newSku);
    const customer = gw.ledger.effects.find((e) => e.kind === 'create' && e.resource === 'customer' && e.key === `ODOO-${customerId}`);
    console.log(`      WMS order created after ${bulkBefore} of ${BACKLOG} backlog items`);
    expect(newItem, 'the new product reached the WMS').to.not.equal(undefined);
    expect(newItem!.seq, 'new product before the order').to.be.lessThan(orderCreate.seq);
    expect(customer, 'the new customer reached the WMS').to.not.equal(undefined);
    expect(customer!.seq, 'new customer before the order').to.be.lessThan(orderCreate.seq);
    expect(bulkBefore, 'the order did not wait for the backlog').to.be.lessThan(BACKLOG / 2);
    expect(gw.store.orders.get(so!.name)!.body.lines.map((l) => l.sku)).to.deep.equal([newSku]);

    // the backlog drains afterwards, every item once
    await waitFor('backlog drained', async () => (await events([['state', 'in', ['pending', 'in_progress']]])).length === 0, 180_000, 500);
    const done = await events([['state', '=', 'done']]);
    expect(done.filter((e) => e.event_type === 'upsert')).to.have.length(BACKLOG + 2);
    expect(done.filter((e) => e.event_type === 'release')).to.have.length(1);
    expect(gw.ledger.effects.filter((e) => e.kind === 'create' && e.resource === 'item' && e.key.startsWith(`LB-${RUN}-`))).to.have.length(BACKLOG);
  });
});

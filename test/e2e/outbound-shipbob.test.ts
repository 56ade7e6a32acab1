import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startFake, type ShipBobFake } from '../fakes/start.js';
import { adminCliEnv, callReturningNone, create, odooTestEnv, searchRead, serviceGateway, xmlId } from './support/odoo-env.js';
import { startSidecar, waitFor, type RunningSidecar } from './support/sidecar.js';
import { archiveTargets, codesLike } from './support/targets.js';

const cliPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bridge/cli.js');

/**
 * Issue 5 proof: an order confirmed in real Odoo reaches the ShipBob fake with the mapped
 * payload, exactly once, and shows synced in Odoo; an order the target rejects shows failed
 * with an exception carrying the target's message.
 */
describe('e2e: Odoo order -> sidecar -> ShipBob fake -> status back in Odoo', function () {
  this.timeout(180_000);
  const env = odooTestEnv();
  const RUN = Date.now().toString(36);
  const CODE = `wms_e2e_${RUN}`;
  let fake: ShipBobFake;
  let sidecar: RunningSidecar | undefined;
  let productId: number;
  let usId: number;
  let rejected: { id: number; name: string } | undefined;
  /** The CLI as a Sync manager (admin): replay is a manager action. */
  const runCli = (args: string[]) => spawnSync(process.execPath, [cliPath, ...args], {
    env: { PATH: process.env.PATH ?? '', ODOO_URL: env.url, ODOO_DB: env.db, ...adminCliEnv(env), LOG_LEVEL: 'error' },
    encoding: 'utf8', timeout: 60_000,
  });

  before(async () => {
    await serviceGateway(env);
    fake = await startFake('shipbob');
    const warehouse = await searchRead<{ id: number }>(env.admin, 'stock.warehouse', [], ['id'], { limit: 1 });
    // A fresh fake numbers its orders from the start again: a target of its own per run, so the
    // links Odoo keeps from an earlier run on this database never clash with this one's.
    await archiveTargets(env, codesLike(['wms_e2e%']));
    await create(env.admin, 'sync.target', {
      code: CODE, name: `ShipBob (e2e ${RUN})`, kind: 'wms', release_on: 'order_confirm',
      warehouse_ids: [[6, 0, [warehouse[0]!.id]]], trigger_order_release: true, trigger_order_cancel: true,
      trigger_order_amend: false, trigger_order_status: false,
    });
    usId = await xmlId(env.admin, 'base.us');
    productId = await create(env.admin, 'product.product', { name: 'Widget E2E', default_code: 'WID-E2E', type: 'consu', list_price: 12.5 });
    sidecar = startSidecar(env, `
odoo: { url: '${env.url}', db: '${env.db}', username: x, api_key: { env: ODOO_API_KEY } }
worker: { batch_size: 20, poll_min_ms: 100, poll_max_ms: 500, lease_seconds: 60, backoff_base_ms: 500, backoff_max_ms: 2000 }
state: { path: '$STATE' }
server: { port: 0, host: 127.0.0.1 }
mappings: { dir: '$MAPPINGS' }
targets:
  ${CODE}:
    preset: shipbob
    base_url: '${fake.baseUrl}/'
    auth: { type: bearer, token: { env: SHIPBOB_TOKEN } }
    options: { channel_id: ${fake.channels[0]!.id} }
`, { SHIPBOB_TOKEN: fake.tokens[0]!, ODOO_USERNAME: 'sync-bot-e2e' });
  });

  after(async function () {
    await fake?.close();
    await archiveTargets(env, [['code', '=', CODE]]);
    if (!sidecar) return;
    const code = await sidecar.stop();
    if (this.currentTest?.state === 'failed' || process.env.E2E_VERBOSE) console.log(sidecar.output().slice(-6000));
    if (code !== 0) console.log(sidecar.output().slice(-4000));
    expect(code, 'sidecar exits 0 on SIGTERM').to.equal(0);
  });

  async function confirmedOrder(email: string, street: string, line: Record<string, unknown> = {}): Promise<{ id: number; name: string }> {
    const partner = await create(env.admin, 'res.partner', {
      name: `Customer ${email}`, email, street, city: 'Springfield', zip: '62701', country_id: usId,
    });
    const orderId = await create(env.admin, 'sale.order', {
      partner_id: partner, order_line: [[0, 0, { product_id: productId, product_uom_qty: 3, price_unit: 12.5, ...line }]],
    });
    await env.admin.call({ model: 'sale.order', method: 'action_confirm', ids: [orderId] });
    const [o] = await searchRead<{ name: string }>(env.admin, 'sale.order', [['id', '=', orderId]], ['name']);
    return { id: orderId, name: o!.name };
  }

  it('delivers a confirmed order once with the mapped payload and shows it synced', async () => {
    const order = await confirmedOrder('buyer@example.com', '1 Main St');
    await waitFor('the ShipBob order', async () => fake.ledger.createsFor(order.name) === 1);
    const state = await waitFor('event done in Odoo', async () => {
      const evs = await searchRead<{ state: string; external_ref: string | false }>(env.admin, 'sync.event', [['model', '=', 'sale.order'], ['res_id', '=', order.id], ['event_type', '=', 'release']], ['state', 'external_ref']);
      return evs[0]?.state === 'done' ? evs[0] : undefined;
    });
    const shipbobOrder = fake.store.orders.find((o) => o.reference_id === order.name)!;
    expect(shipbobOrder.recipient.address.city).to.equal('Springfield');
    expect(shipbobOrder.recipient.address.country).to.equal('US');
    expect(shipbobOrder.products.map((p) => [p.reference_id, p.quantity])).to.deep.equal([['WID-E2E', 3]]);
    expect(String(state.external_ref)).to.equal(String(shipbobOrder.id));
    const [so] = await searchRead<{ sync_status: string }>(env.admin, 'sale.order', [['id', '=', order.id]], ['sync_status']);
    expect(so!.sync_status).to.equal('synced');
    const links = await searchRead<{ external_id: string }>(env.admin, 'sync.link', [['model', '=', 'sale.order'], ['res_id', '=', order.id]], ['external_id']);
    expect(links.map((l) => l.external_id)).to.deep.equal([String(shipbobOrder.id)]);
  });

  it('a line sold in Dozens reaches ShipBob in Units: the shipped mapping reads the line\'s unit as product_uom (product_uom_id on Odoo 19)', async () => {
    const dozen = await xmlId(env.admin, 'uom.product_uom_dozen');
    const order = await confirmedOrder('dozens@example.com', '2 Main St', { product_uom_qty: 2, [env.series >= 19 ? 'product_uom_id' : 'product_uom']: dozen });
    await waitFor('the ShipBob order', async () => fake.ledger.createsFor(order.name) === 1);
    const shipbobOrder = fake.store.orders.find((o) => o.reference_id === order.name)!;
    expect(shipbobOrder.products.map((p) => [p.reference_id, p.quantity])).to.deep.equal([['WID-E2E', 24]]);
    expect(sidecar!.output(), 'the sidecar talks to Odoo over the protocol under test').to.contain(`"protocol":"${env.protocol}"`);
  });

  it('an order the target rejects shows failed with the target\'s message on an exception', async () => {
    const order = await confirmedOrder('not-an-email', '2 Side St');
    const ev = await waitFor('event failed in Odoo', async () => {
      const evs = await searchRead<{ state: string; last_error_message: string }>(env.admin, 'sync.event', [['model', '=', 'sale.order'], ['res_id', '=', order.id]], ['state', 'last_error_message']);
      return evs[0]?.state === 'failed' ? evs[0] : undefined;
    });
    expect(ev.last_error_message).to.match(/email/i);
    expect(fake.ledger.createsFor(order.name)).to.equal(0);
    const [so] = await searchRead<{ sync_status: string }>(env.admin, 'sale.order', [['id', '=', order.id]], ['sync_status']);
    expect(so!.sync_status).to.equal('failed');
    const exc = await searchRead<{ category: string; state: string }>(env.admin, 'sync.exception', [['model', '=', 'sale.order'], ['res_id', '=', order.id]], ['category', 'state']);
    expect(exc).to.have.length(1);
    expect(exc[0]!.state).to.equal('open');
    expect(['validation', 'rejected']).to.include(exc[0]!.category);
    rejected = order;
  });

  it('after the record is fixed, `events replay` (as a Sync manager) delivers it and it shows synced', async () => {
    expect(rejected, 'previous test left a rejected order').not.to.equal(undefined);
    const order = rejected!;
    const [so] = await searchRead<{ partner_shipping_id: [number, string] }>(env.admin, 'sale.order', [['id', '=', order.id]], ['partner_shipping_id']);
    await env.admin.call({ model: 'res.partner', method: 'write', ids: [so!.partner_shipping_id[0]], params: { vals: { email: 'fixed@example.com' } } });
    const failed = await searchRead<{ id: number }>(env.admin, 'sync.event', [['model', '=', 'sale.order'], ['res_id', '=', order.id], ['state', '=', 'failed']], ['id']);
    const listed = runCli(['events', 'list', '--state', 'failed', '--model', 'sale.order']);
    expect(listed.stdout).to.match(new RegExp(`^${failed[0]!.id}\\tfailed\\t`, 'm'));
    const replay = runCli(['events', 'replay', '--id', String(failed[0]!.id)]);
    expect(replay.status, replay.stderr).to.equal(0);
    await waitFor('the replayed order at ShipBob', async () => fake.ledger.createsFor(order.name) === 1);
    await waitFor('order synced', async () => {
      const [o] = await searchRead<{ sync_status: string }>(env.admin, 'sale.order', [['id', '=', order.id]], ['sync_status']);
      return o!.sync_status === 'synced';
    });
  });

  it('an order cancelled after its release and confirmed again is released again under <name>-2, once', async () => {
    const order = await confirmedOrder('again@example.com', '5 Loop Rd');
    await waitFor('the first ShipBob order', async () => fake.ledger.createsFor(order.name) === 1);
    const releaseDone = async (n: number) => {
      const evs = await searchRead<{ state: string }>(env.admin, 'sync.event', [['model', '=', 'sale.order'], ['res_id', '=', order.id], ['event_type', '=', 'release']], ['state'], { order: 'id' });
      return evs.length === n && evs.every((e) => e.state === 'done');
    };
    await waitFor('first release done', () => releaseDone(1));
    await callReturningNone(env.admin, { model: 'sale.order', method: 'action_cancel', ids: [order.id], context: { disable_cancel_warning: true } });
    await waitFor('the ShipBob order cancelled', async () => fake.store.orders.find((o) => o.reference_id === order.name)?.status === 'Cancelled');
    await callReturningNone(env.admin, { model: 'sale.order', method: 'action_draft', ids: [order.id] });
    await env.admin.call({ model: 'sale.order', method: 'action_confirm', ids: [order.id] });
    const second = `${order.name}-2`;
    await waitFor('the second ShipBob order', async () => fake.ledger.createsFor(second) === 1);
    await waitFor('second release done', () => releaseDone(2));
    const live = fake.store.orders.find((o) => o.reference_id === second)!;
    expect(live.status).to.not.equal('Cancelled');
    expect(fake.store.orders.filter((o) => o.reference_id === order.name).map((o) => o.status)).to.deep.equal(['Cancelled']);
    expect(fake.ledger.createsFor(order.name), 'the first reference is not sent again').to.equal(1);
    const [so] = await searchRead<{ sync_wms_ref: string; sync_status: string }>(env.admin, 'sale.order', [['id', '=', order.id]], ['sync_wms_ref', 'sync_status']);
    expect(so).to.deep.include({ sync_wms_ref: second, sync_status: 'synced' });
    const links = await searchRead<{ external_id: string }>(env.admin, 'sync.link', [['model', '=', 'sale.order'], ['res_id', '=', order.id], ['target_id.code', '=', CODE]], ['external_id']);
    expect(links.map((l) => l.external_id), 'the link follows the live order').to.deep.equal([String(live.id)]);
  });
});

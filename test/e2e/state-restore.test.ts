import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { startFake, type ShipBobFake } from '../fakes/start.js';
import { create, ensureProduct, ensureWarehouse, odooTestEnv, searchRead, serviceEnv, serviceGateway, xmlId } from './support/odoo-env.js';
import { ensureShipBobReleaseTarget, shipbobWebhookTarget } from './support/shipbob-setup.js';
import { adminServer, configHead, FAST_INBOUND, FAST_WORKER } from './support/sidecar-config.js';
import { freePort, mappingsSubset, root, startSidecar, waitFor, waitListening, type RunningSidecar } from './support/sidecar.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';
import { archiveTargets, codesLike } from './support/targets.js';

/**
 * The state-file runbook's restore, on real Odoo: a backup taken while the sidecar runs holds a
 * shipment it had not yet handed to Odoo (Odoo cut off); Odoo takes it later, more work follows,
 * the sidecar is stopped and the backup restored (`sync-bridge state restore`). Started on the
 * restored file, the sidecar hands the shipment to Odoo again: Odoo answers duplicate, nothing is
 * applied twice, no order is released twice, and the later work is not redone.
 */
describe('e2e: state file restored from a backup -> what Odoo already has is recognised, nothing done twice', function () {
  this.timeout(240_000);
  const env = odooTestEnv();
  const CODE = `wms_rst_${Date.now().toString(36)}`;
  let fake: ShipBobFake;
  let proxy: TcpProxy;
  let sidecar: RunningSidecar | undefined;
  let port: number;
  let productId: number;
  let warehouseId: number;
  let usId: number;
  let config: string;
  let secrets: Record<string, string>;
  let mappingsDir: string;
  const cli = (args: string[]) => spawnSync(process.execPath, [path.join(root, 'dist/bridge/cli.js'), ...args, '--config', path.join(sidecar!.dir, 'bridge.config.yaml')], {
    env: { PATH: process.env.PATH ?? '', ODOO_URL: env.url, ODOO_DB: env.db, ...serviceEnv(env), ...secrets }, encoding: 'utf8', timeout: 60_000,
  });

  before(async () => {
    await serviceGateway(env);
    fake = await startFake('shipbob');
    warehouseId = await ensureWarehouse(env, 'RST');
    await archiveTargets(env, codesLike(['wms_rst_%']));
    await ensureShipBobReleaseTarget(env, CODE, 'ShipBob restore (e2e)', warehouseId);
    usId = await xmlId(env.admin, 'base.us');
    productId = await ensureProduct(env, 'WID-RST', 'Widget restore e2e', 9.5);
    fake.store.setInventory({ sku: 'WID-RST', on_hand: 1000 });
    proxy = await startTcpProxy(new URL(env.url).hostname, Number(new URL(env.url).port));
    port = await freePort();
    fake.setWebhookTarget(`http://127.0.0.1:${port}/webhooks/${CODE}`);
    config = `${configHead(env, { worker: FAST_WORKER, server: adminServer(port), inbound: FAST_INBOUND })}targets:\n${shipbobWebhookTarget(CODE, fake)}`;
    secrets = { SHIPBOB_TOKEN: fake.tokens[0]!, SHIPBOB_WEBHOOK_SECRET: fake.webhookSecret, BRIDGE_ADMIN_TOKEN: 'restore-admin' };
    mappingsDir = mappingsSubset({ shipbob: fs.readdirSync(path.join(root, 'mappings/shipbob')).filter((n) => n.endsWith('.yaml')) });
    sidecar = startSidecar(env, config, secrets, { odooUrl: proxy.url, mappingsDir });
    await waitListening(port);
  });

  after(async function () {
    await proxy?.close();
    await fake?.close();
    await archiveTargets(env, [['code', '=', CODE]]);
    const code = await sidecar?.stop();
    if (this.currentTest?.state === 'failed' || (code !== undefined && code !== 0)) console.log(sidecar?.output().slice(-6000));
  });

  async function releasedOrder(tag: string): Promise<{ id: number; name: string; shipbobId: number }> {
    const partner = await create(env.admin, 'res.partner', { name: `Restore ${tag}`, email: `${tag}@example.com`, street: '1 Main St', city: 'Springfield', zip: '62701', country_id: usId });
    const id = await create(env.admin, 'sale.order', { partner_id: partner, warehouse_id: warehouseId, order_line: [[0, 0, { product_id: productId, product_uom_qty: 1, price_unit: 9.5 }]] });
    await env.admin.call({ model: 'sale.order', method: 'action_confirm', ids: [id] });
    const [so] = await searchRead<{ name: string }>(env.admin, 'sale.order', [['id', '=', id]], ['name']);
    const sb = await waitFor(`${so!.name} released to the ShipBob fake`, async () => fake.store.orders.find((o) => o.reference_id === so!.name));
    return { id, name: so!.name, shipbobId: sb.id };
  }
  const delivered = async (orderId: number) => (await searchRead<{ state: string }>(env.admin, 'stock.picking', [['sale_id', '=', orderId], ['picking_type_code', '=', 'outgoing']], ['state'])).every((p) => p.state === 'done');
  const inbound = (messageId: string) => searchRead<{ state: string; duplicate_count: number }>(env.admin, 'sync.inbound.message', [['target_id.code', '=', CODE], ['message_id', '=', messageId]], ['state', 'duplicate_count']);
  const localState = (file: string, messageId: string) => {
    const db = new Database(file, { readonly: true });
    try { return (db.prepare('SELECT state FROM inbox WHERE message_id = ?').get(messageId) as { state: string } | undefined)?.state; } finally { db.close(); }
  };
  const doneMoves = async (orderId: number) => (await searchRead<{ quantity: number; state: string }>(env.admin, 'stock.move', [['sale_line_id.order_id', '=', orderId]], ['quantity', 'state']))
    .filter((m) => m.state === 'done').reduce((a, m) => a + m.quantity, 0);

  it('backup with a shipment pending, restore after Odoo took it and more work followed: Odoo says duplicate, nothing twice', async () => {
    const first = await releasedOrder('rst-a');
    // Odoo goes away: the shipment waits in the sidecar's inbox, and the backup holds it so.
    await proxy.cut();
    const shipped = await fake.sim.ship(first.shipbobId);
    expect(shipped.deliveries.map((d) => d.status), 'the sidecar answers the webhook while Odoo is away').to.deep.equal([200]);
    const messageId = `shipbob:shipment:${shipped.shipment.id}`;
    await waitFor('the shipment pending in the inbox', async () => localState(sidecar!.statePath, messageId) === 'pending');
    const copy = path.join(sidecar!.dir, 'backup.sqlite');
    const b = cli(['state', 'backup', '--out', copy]);
    expect(b.status, b.stdout + b.stderr).to.equal(0);
    expect(localState(copy, messageId), 'the backup holds the shipment as pending').to.equal('pending');
    // Odoo is back: the shipment is applied; then an order released and shipped after the backup.
    await proxy.restore();
    await waitFor('the first delivery validated', async () => delivered(first.id));
    const second = await releasedOrder('rst-b');
    const shipped2 = await fake.sim.ship(second.shipbobId);
    await waitFor('the second delivery validated', async () => delivered(second.id));
    // Stop, restore the backup, start on it.
    expect(await sidecar!.stop(), 'the sidecar stops cleanly').to.equal(0);
    const r = cli(['state', 'restore', '--from', copy]);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/moved the replaced file aside: /);
    sidecar = startSidecar(env, config, secrets, { dir: sidecar!.dir, odooUrl: proxy.url, mappingsDir });
    await waitListening(port);
    await waitFor('the restored inbox row handed to Odoo again and done', async () => ['applied', 'duplicate'].includes(localState(sidecar!.statePath, messageId) ?? ''));
    const msgs = await inbound(messageId);
    expect(msgs.map((m) => m.state), 'one message in Odoo, applied the first time').to.deep.equal(['applied']);
    expect(msgs[0]!.duplicate_count, 'received a second time (from the restored inbox), applied once').to.equal(1);
    expect(await doneMoves(first.id), 'shipped once').to.equal(1);
    expect(await doneMoves(second.id), 'the work after the backup is not redone').to.equal(1);
    expect((await inbound(`shipbob:shipment:${shipped2.shipment.id}`)).map((m) => m.duplicate_count)).to.deep.equal([0]);
    await new Promise((res) => setTimeout(res, 1500)); // a second release would show by now (polls every 100-500 ms)
    expect([first, second].map((o) => fake.ledger.createsFor(o.name, 'order')), 'no order released twice').to.deep.equal([1, 1]);
  });
});

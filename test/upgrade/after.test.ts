import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { OdooGateway } from '../../bridge/odoo/odoo-gateway.js';
import { startFake, type ShipBobFake } from '../fakes/start.js';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../bridge/state/migrations.js';
import { adminCliEnv, createConfirmedOrders, createCustomers, ensureWarehouse, odooTestEnv, searchRead, serviceGateway } from '../e2e/support/odoo-env.js';
import { ensureShipBobReleaseTarget, shipbobSidecarConfig, shipbobWebhookTarget } from '../e2e/support/shipbob-setup.js';
import { adminServer, configHead, FAST_INBOUND, FAST_WORKER, flow } from '../e2e/support/sidecar-config.js';
import { freePort, root, sleep, startSidecar, waitFor, waitListening, type RunningSidecar } from '../e2e/support/sidecar.js';
import { setOnHand, warehouseStock } from '../e2e/support/stock.js';
import { startTcpProxy } from '../e2e/support/tcp-proxy.js';
import { compareVersions, loadScenario, MODULE_DOMAIN, type UpgradeOrder } from './scenario.js';

/**
 * Upgrade tier, phase 2, on the same database after `-u sync_bridge` to this release: the work
 * the earlier release left (before.test.ts) is all there, the migrations did their part, and the
 * current sidecar carries on without losing anything or sending anything twice.
 */
describe('upgrade, after: this release carries on with the work of the earlier one', function () {
  this.timeout(240_000);
  const env = odooTestEnv();
  const s = loadScenario();
  const { A, B, C, D } = s.orders;
  // This release on the series under test (the harness sets it: the 19.0 port is 19.0.x.y.z).
  const current = process.env.UPGRADE_TO_VERSION ?? /"version": *"([^"]+)"/.exec(fs.readFileSync(path.join(root, 'odoo_addon/sync_bridge/__manifest__.py'), 'utf8'))![1]!;
  let svc: OdooGateway;
  let fake: ShipBobFake | undefined;
  let sidecar: RunningSidecar | undefined;
  const event = async (o: UpgradeOrder) => {
    const [e] = await searchRead<{ state: string; external_ref: string | false; priority: number; attempts: number }>(
      env.admin, 'sync.event', [['id', '=', o.event]], ['state', 'external_ref', 'priority', 'attempts']);
    return e!;
  };
  const openExceptions = (o: UpgradeOrder) => searchRead(env.admin, 'sync.exception', [['model', '=', 'sale.order'], ['res_id', '=', o.id], ['state', '=', 'open']], ['id']);
  const userVersion = (file: string) => {
    const db = new Database(file, { readonly: true });
    try { return Number(db.pragma('user_version', { simple: true })); } finally { db.close(); }
  };
  const syncStatus = async (o: UpgradeOrder) => (await searchRead<{ sync_status: string }>(env.admin, 'sale.order', [['id', '=', o.id]], ['sync_status']))[0]!.sync_status;

  before(async () => {
    svc = await serviceGateway(env);
  });

  after(async function () {
    await fake?.close();
    if (!sidecar) return;
    const code = await sidecar.stop();
    if (this.currentTest?.state === 'failed' || code !== 0) console.log(sidecar.output().slice(-6000));
    expect(code, 'sidecar exits 0 on SIGTERM').to.equal(0);
  });

  it(`the addon is now this release, contract 1 (upgraded from ${s.fromVersion})`, async () => {
    const [m] = await searchRead<{ latest_version: string }>(env.admin, 'ir.module.module', MODULE_DOMAIN, ['latest_version']);
    expect(m?.latest_version).to.equal(current);
    const info = await svc.call<{ contract_version: number | string }>({ model: 'sync.event', method: 'sync_contract_info' });
    expect(String(info.contract_version)).to.equal('1');
  });

  it('every event, link and exception of the earlier release is there, in its state', async () => {
    const states = await Promise.all([A, B, C, D].map(async (o) => (await event(o)).state));
    expect(states).to.deep.equal(['done', 'failed', 'in_progress', 'pending']);
    expect((await event(A)).external_ref).to.equal(s.externalRefA);
    const links = await searchRead<{ external_id: string }>(env.admin, 'sync.link', [['model', '=', 'sale.order'], ['res_id', '=', A.id]], ['external_id']);
    expect(links.map((l) => l.external_id)).to.deep.equal([s.externalRefA]);
    expect(await openExceptions(B), 'B keeps its open exception').to.have.length(1);
    expect([await syncStatus(A), await syncStatus(B)]).to.deep.equal(['synced', 'failed']);
    const pickings = await searchRead<{ id: number; state: string }>(env.admin, 'stock.picking', [['sale_id', '=', A.id]], ['state'], { order: 'id' });
    expect(pickings).to.deep.equal(s.pickingsA);
  });

  it('the migrations did their part: lanes by event type (18.0.1.9.0), milestone steps and the order\'s fulfilment status (18.0.1.5.0, 18.0.1.6.0)', async () => {
    // 10 = order flow: a release written before lanes existed is not left in the bulk lane.
    expect(await Promise.all([A, B, C, D].map(async (o) => (await event(o)).priority))).to.deep.equal([10, 10, 10, 10]);
    if (s.milestones.length === 0) return;
    const ms = await searchRead<{ milestone: string; step: number }>(env.admin, 'sync.milestone', [['order_id', '=', A.id]], ['milestone', 'step'], { order: 'occurred_at' });
    expect(ms.map((m) => `${m.milestone}:${m.step}`)).to.deep.equal(['packed:3', 'shipped:7']);
    const [so] = await searchRead<{ sync_fulfilment_status: string }>(env.admin, 'sale.order', [['id', '=', A.id]], ['sync_fulfilment_status']);
    expect(so!.sync_fulfilment_status).to.equal('shipped');
  });

  it('the current sidecar delivers the orphaned C and the pending D once each, never the acked A or the failed B', async () => {
    fake = await startFake('shipbob');
    sidecar = startSidecar(env, shipbobSidecarConfig(env, fake, s.target, { worker: flow(FAST_WORKER) }), { SHIPBOB_TOKEN: fake.tokens[0]! });
    const f = fake;
    await waitFor('C and D at ShipBob', async () => f.ledger.createsFor(C.name, 'order') === 1 && f.ledger.createsFor(D.name, 'order') === 1);
    await waitFor('C and D done in Odoo', async () => (await event(C)).state === 'done' && (await event(D)).state === 'done');
    await sleep(2000); // a second delivery would show by now: the worker polls every 100-500 ms
    expect([A, B, C, D].map((o) => f.ledger.createsFor(o.name, 'order'))).to.deep.equal([0, 0, 1, 1]);
    expect(f.store.orders).to.have.length(2);
    expect((await event(C)).attempts, 'C: the dead worker\'s attempt, then this one').to.equal(2);
    expect(await event(B)).to.include({ state: 'failed' });
  });

  it('B, replayed by a Sync manager after the upgrade, is delivered once and its exception resolved', async () => {
    const cli = spawnSync(process.execPath, [path.join(root, 'dist/bridge/cli.js'), 'events', 'replay', '--id', String(B.event)], {
      env: { PATH: process.env.PATH ?? '', ODOO_URL: env.url, ODOO_DB: env.db, ...adminCliEnv(env), LOG_LEVEL: 'error' }, encoding: 'utf8', timeout: 60_000,
    });
    expect(cli.status, cli.stderr).to.equal(0);
    const f = fake!;
    await waitFor('B at ShipBob', async () => f.ledger.createsFor(B.name, 'order') === 1);
    await waitFor('B synced', async () => (await syncStatus(B)) === 'synced');
    expect(await openExceptions(B)).to.have.length(0);
    expect(f.ledger.createsFor(B.name, 'order')).to.equal(1);
  });

  it('A\'s shipment received again, under its id or a new one, is a duplicate: nothing is applied twice', async () => {
    const again = async (item: Record<string, unknown>) =>
      (await svc.call<Array<{ status: string; first_status?: string }>>({ model: 'sync.event', method: 'sync_apply', args: [[item]] }))[0]!;
    const same = await again(s.shipment);
    expect(same).to.include({ status: 'duplicate', first_status: 'applied' });
    const payload = s.shipment['payload'] as Record<string, unknown>;
    const renamed = await again({ ...s.shipment, message_id: `${String(s.shipment['message_id'])}-redelivered`, payload: { ...payload, message_id: `${String(payload['message_id'])}-redelivered` } });
    expect(renamed.status, 'same shipment under a new message id').to.equal('duplicate');
    const pickings = await searchRead<{ id: number; state: string }>(env.admin, 'stock.picking', [['sale_id', '=', A.id]], ['state'], { order: 'id' });
    expect(pickings).to.deep.equal(s.pickingsA);
    const [line] = await searchRead<{ qty_delivered: number }>(env.admin, 'sale.order.line', [['order_id', '=', A.id]], ['qty_delivered']);
    expect(line!.qty_delivered).to.equal(2);
  });

  it('the old release\'s data shows no error in the upgraded Odoo\'s log while it served the tests above', function () {
    const log = process.env.ODOO_SERVER_LOG;
    if (!log || !fs.existsSync(log)) this.skip();
    const errors = fs.readFileSync(log!, 'utf8').split('\n').filter((l) => / (ERROR|CRITICAL) /.test(l));
    expect(errors, errors.join('\n')).to.deep.equal([]);
  });

  it('the previous release\'s sidecar, stopped with a shipment in its inbox that Odoo could not take, is replaced by this one on the same state file: applied once', async function () {
    const oldBuild = process.env.UPGRADE_OLD_SIDECAR;
    if (!oldBuild) {
      console.log('      (skipped: no build of the earlier release\'s sidecar; the harness builds the previous release\'s from git history)');
      this.skip();
    }
    const code = `${s.target}_sc`;
    const warehouseId = await ensureWarehouse(env, 'UPS');
    await setOnHand(env, s.productId, (await warehouseStock(env, warehouseId)).id, 100);
    await ensureShipBobReleaseTarget(env, code, 'ShipBob (sidecar upgrade)', warehouseId);
    const sb = await startFake('shipbob');
    sb.store.setInventory({ sku: s.sku, on_hand: 1000 });
    const proxy = await startTcpProxy(new URL(env.url).hostname, Number(new URL(env.url).port));
    const port = await freePort();
    sb.setWebhookTarget(`http://127.0.0.1:${port}/webhooks/${code}`);
    const config = `${configHead(env, { worker: FAST_WORKER, server: adminServer(port), inbound: FAST_INBOUND })}targets:\n${shipbobWebhookTarget(code, sb)}`;
    const secrets = { SHIPBOB_TOKEN: sb.tokens[0]!, SHIPBOB_WEBHOOK_SECRET: sb.webhookSecret, BRIDGE_ADMIN_TOKEN: 'upgrade-admin' };
    let old: RunningSidecar | undefined = startSidecar(env, config, secrets, { cli: path.join(oldBuild!, 'dist/bridge/cli.js'), mappingsDir: path.join(oldBuild!, 'mappings'), odooUrl: proxy.url });
    let next: RunningSidecar | undefined;
    try {
      await waitListening(port);
      const [customer] = await createCustomers(env, 1, 'upgrade-e');
      const [e] = await createConfirmedOrders(env, { count: 1, productId: s.productId, partnerIds: [customer!], qty: 2, warehouseId });
      const released = await waitFor('E released by the earlier sidecar', async () => sb.store.orders.find((o) => o.reference_id === e!.name));
      await waitFor('E\'s release done in Odoo', async () => (await searchRead<{ state: string }>(env.admin, 'sync.event', [['target_id.code', '=', code], ['res_id', '=', e!.id]], ['state']))[0]?.state === 'done');
      await proxy.cut(); // Odoo goes away for the earlier sidecar
      const shipped = await sb.sim.ship(released.id);
      const messageId = `shipbob:shipment:${shipped.shipment.id}`;
      const inboxState = () => {
        const db = new Database(old!.statePath, { readonly: true });
        try { return (db.prepare('SELECT state FROM inbox WHERE message_id = ?').get(messageId) as { state: string } | undefined)?.state; } finally { db.close(); }
      };
      await waitFor('the shipment kept in the earlier sidecar\'s inbox', async () => inboxState() === 'pending');
      expect(await old.stop(), 'the earlier sidecar stops cleanly').to.equal(0);
      const schemaBefore = userVersion(old.statePath);
      const dir = old.dir;
      old = undefined;
      next = startSidecar(env, config, secrets, { dir });
      await waitFor('E delivered in Odoo', async () => (await searchRead<{ state: string }>(env.admin, 'stock.picking', [['sale_id', '=', e!.id], ['picking_type_code', '=', 'outgoing']], ['state']))[0]?.state === 'done');
      const msgs = await searchRead<{ state: string }>(env.admin, 'sync.inbound.message', [['target_id.code', '=', code], ['message_id', '=', messageId]], ['state']);
      expect(msgs.map((m) => m.state)).to.deep.equal(['applied']);
      expect(sb.ledger.createsFor(e!.name, 'order'), 'E released once').to.equal(1);
      expect(userVersion(path.join(dir, 'state.sqlite')), `the state file was brought up to date (schema ${schemaBefore} before)`).to.equal(MIGRATIONS.length);
      expect(await next.stop(), 'this sidecar stops cleanly').to.equal(0);
      next = undefined;
    } finally {
      if (old) console.log(old.output().slice(-4000));
      if (next) console.log(next.output().slice(-4000));
      await old?.kill();
      await next?.kill();
      await proxy.close();
      await sb.close();
    }
  });

  it('the upgrade went forward (an earlier release to this one)', () => {
    expect(compareVersions(s.fromVersion, current)).to.equal(-1);
  });
});
